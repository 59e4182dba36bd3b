"""A stale Paso 6 page (both databases): the save changes nothing, the page comes back with
the user's typed values, the current values beside them and who saved them and when; the
blank copy of a colleague's row never deletes it."""

from __future__ import annotations

import html

from excedentes.application.use_cases.capture import AnswerStep2Command
from tests.helpers import csrf_from
from tests.integration.excedentes.support import ADMIN_SCOPE, BC, CAP_BC, U_OCTUBRE, YEAR

from .flows import grid_form, grid_hidden, grid_path, input_value


def _stored(world, pid):
    view = world.exc.queries().grid(ADMIN_SCOPE, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                                    world.sid("Cirugía general"))
    return next(line.row for line in view.lines if line.product_id == pid)


def test_a_stale_page_is_shown_again_with_both_values(as_user, world):
    world.exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    path = grid_path(world, U_OCTUBRE)
    her, colleague = as_user("cap_bc"), as_user("cap_bc2")
    her_page = her.get(path).text  # drawn before the colleague saves
    assert grid_hidden(her_page)["version"] == "0"

    mine = colleague.get(path).text
    saved = colleague.post(path, data=grid_form(csrf_from(mine), [anest, dil], {
        dil: {"fa": "3", "c": "Falta de Equipo", "pm": "4"}}, grid_hidden(mine)),
        follow_redirects=False)
    assert saved.status_code == 303

    # her form posts every row shown: a change to "anest" and the blank copy of "dil"
    stale = her.post(path, data=grid_form(csrf_from(her_page), [anest, dil], {
        anest: {"ea": "8", "pm": "9"}}, grid_hidden(her_page)), follow_redirects=False)
    assert stale.status_code == 409
    text = html.unescape(stale.text)
    assert "Otra persona guardó esta tabla el 10/03/2026" in text and "(cap_bc2)" in text
    assert "no se guardó ninguno de sus cambios" in text
    # nothing of hers was stored and the colleague's record is intact
    assert _stored(world, anest).surplus_outpatient == ""
    assert _stored(world, dil).shortage_outpatient == "3"
    # her typed values are kept, the current ones beside them; the page carries the new
    # version and starting values, and shows the colleague's row as stored now
    assert input_value(stale.text, f"ea{anest}") == "8"
    assert "Actual: vacío" in text
    assert input_value(stale.text, f"fa{dil}") == "3"
    hidden = grid_hidden(stale.text)
    assert hidden["version"] == "1" and hidden[f"ofa{dil}"] == "3"

    # saving the re-shown page keeps both
    again = her.post(path, data=grid_form(csrf_from(stale.text), [anest, dil], {
        anest: {"ea": "8", "pm": "9"}, dil: {"fa": "3", "c": "Falta de Equipo", "pm": "4"}},
        hidden), follow_redirects=False)
    assert again.status_code == 303
    assert (_stored(world, anest).surplus_outpatient, _stored(world, dil).shortage_outpatient) \
        == ("8", "3")


def test_a_form_without_its_version_changes_nothing(as_user, world):
    world.exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    anest = world.pid("Anestesia")
    path = grid_path(world, U_OCTUBRE)
    c = as_user("cap_bc")
    page = c.get(path).text
    refused = c.post(path, data=grid_form(csrf_from(page), [anest], {
        anest: {"ea": "8", "pm": "9"}}), follow_redirects=False)
    assert refused.status_code == 428
    assert "No se indicó la versión de la tabla" in html.unescape(refused.text)
    assert input_value(refused.text, f"ea{anest}") == "8"  # typed values kept
    assert _stored(world, anest).surplus_outpatient == ""


def test_a_stale_paso2_page_shows_the_current_answer_beside_hers(as_user, world):
    from .flows import api_entity, api_etag, entity_path, page_form
    from tests.helpers import api_csrf

    her, colleague = as_user("cap_bc"), as_user("cap_bc2")
    her_form = page_form(her, entity_path())
    assert her_form["version"] == "0"
    assert colleague.post(entity_path() + "/respuesta", data={
        "respuesta": "SI", **page_form(colleague, entity_path())},
        follow_redirects=False).status_code == 303
    stale = her.post(entity_path() + "/respuesta", data={"respuesta": "NO", **her_form},
                     follow_redirects=False)
    assert stale.status_code == 409
    text = html.unescape(stale.text)
    assert "Otra persona guardó la información de esta entidad el 10/03/2026" in text
    assert "(cap_bc2)" in text and "Respuesta guardada actualmente: <strong>SI</strong>" in text
    assert '<option value="NO" selected>' in stale.text  # her choice is kept
    assert 'name="version" value="1"' in stale.text  # re-shown at the current version
    assert world.exc.queries().overview(ADMIN_SCOPE, BC, YEAR).answer.value == "SI"

    # the API: the overview's ETag, 428 without If-Match, 412 with a stale one
    h = {"x-csrf-token": api_csrf(her)}
    assert her.get(api_entity()).headers["etag"] == '"1"'
    missing = her.put(api_entity() + "/answer", json={"answer": "NO"}, headers=h)
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    assert missing.json()["title"] == "Versión requerida (If-Match)"
    old = her.put(api_entity() + "/answer", json={"answer": "NO"},
                  headers={**h, "If-Match": '"0"'})
    assert old.status_code == 412 and old.headers["content-type"] == "application/problem+json"
    assert old.json()["errors"]["updated_by"] == "cap_bc2"
    assert old.json()["title"] == "Versión desactualizada"
    ok = her.put(api_entity() + "/answer", json={"answer": "NO"}, headers={**h, **api_etag(her)})
    assert ok.status_code == 200 and ok.json()["after"] == "NO"


def test_stale_period_and_request_forms_keep_what_was_typed(as_user, world):
    from .flows import form_fields

    page, win = "/excedentes/periodos?institucion=SS", "/excedentes/periodos/SS/2026/ventana"
    close = "/excedentes/periodos/SS/2026/cerrar"
    admin, coord = as_user("admin_exc"), as_user("coord_ss")
    admin_form = form_fields(admin, page, win)  # drawn before the coordinator closes
    assert coord.post(close, data=form_fields(coord, page, close),
                      follow_redirects=False).status_code == 303
    stale = admin.post(win, data={"inicio": "2026-04-01", "fin": "2026-04-30", **admin_form},
                       follow_redirects=False)
    assert stale.status_code == 409
    text = html.unescape(stale.text)
    assert "Periodo 2026: Otra persona guardó este periodo el 10/03/2026" in text
    assert "Fechas guardadas actualmente: 2026-01-01 a 2026-12-31 (coord_ss)." in text
    assert 'value="2026-04-01"' in stale.text and 'value="2026-04-30"' in stale.text
    view = world.exc.queries().period(ADMIN_SCOPE, "SS", 2026)
    assert str(view.window_start) == "2026-01-01" and not view.is_open
    assert view.version.version == 1 and view.version.updated_by == "coord_ss"
    # saved again from the re-shown page: it carries the current version
    again = admin.post(win, data={"inicio": "2026-04-01", "fin": "2026-04-30",
                                  **form_fields(admin, page, win)}, follow_redirects=False)
    assert again.status_code == 303
    assert str(world.exc.queries().period(ADMIN_SCOPE, "SS", 2026).window_start) == "2026-04-01"
