"""The Paso 6 page's content is rendered once per view and served again (issue 12): each
caller still gets their own CSRF token in it, and a save shows on the next view with the new
version and values (both databases)."""

from __future__ import annotations

from excedentes.application.use_cases.capture import AnswerStep2Command
from tests.helpers import csrf_from
from tests.integration.excedentes.support import BC, CAP_BC, U_OCTUBRE, YEAR

from .flows import grid_form, grid_hidden, grid_path, input_value


def test_kept_grid_content_carries_each_callers_token_and_shows_a_save(as_user, world):
    world.exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    dil = world.pid("Dilatación de esófago")
    path = grid_path(world, U_OCTUBRE)
    her, colleague = as_user("cap_bc"), as_user("cap_bc2")
    first, again = her.get(path).text, her.get(path).text  # the second is served again
    theirs = colleague.get(path).text
    assert csrf_from(first) == csrf_from(again) != csrf_from(theirs)
    assert "csrf-" not in first and "csrf-" not in theirs  # the slot never reaches a page
    assert grid_hidden(theirs)["version"] == grid_hidden(first)["version"] == "0"

    # the colleague saves with the token of their page drawn from the kept content
    saved = colleague.post(path, data=grid_form(csrf_from(theirs), [dil], {
        dil: {"fa": "3", "c": "Falta de Equipo", "pm": "4"}}, grid_hidden(theirs)),
        follow_redirects=False)
    assert saved.status_code == 303

    after = her.get(path).text
    assert grid_hidden(after)["version"] == "1"
    assert input_value(after, f"fa{dil}") == "3"
    assert input_value(first, f"fa{dil}") in ("", None)
