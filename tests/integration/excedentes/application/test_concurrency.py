"""Optimistic concurrency of the Paso 6 grid on SQLite and PostgreSQL: of two saves from the
same page exactly one wins and the other is told who saved and when; a stale page never
deletes a record it did not touch."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from excedentes.application.access import Actor
from excedentes.application.use_cases.coordination import ReopenCommand
from excedentes.domain.errors import StaleVersion, VersionRequired
from excedentes.domain.grid import GridRow, changed_rows
from excedentes.domain.versions import VERSION_MISSING, require_version

from ..support import (
    ADMIN_SCOPE,
    BC,
    CAP_BC,
    COORD_SS,
    U_OCTUBRE,
    YEAR,
    answer,
    finalize,
    race,
    save_grid,
    shortage_row,
)

CAP_BC2 = Actor.capturista("capturista.ss.bc2", "SS:BC")
PAIRS = 50


def _grid_args(world):
    return world.gid("Cirugía"), world.sid("Cirugía general")


def _view(world):
    gid, sid = _grid_args(world)
    return world.exc.queries().grid(ADMIN_SCOPE, BC, YEAR, U_OCTUBRE, gid, sid)


def _save(world, actor, rows, expected):
    return save_grid(world, U_OCTUBRE, rows, actor=actor, expected_version=expected)


def _stored(world, pid):
    return next(line.row for line in _view(world).lines if line.product_id == pid)


def test_fifty_concurrent_pairs_have_exactly_one_winner_each(world):
    answer(world)
    anest = world.pid("Anestesia")
    actors = (CAP_BC, CAP_BC2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i in range(PAIRS):
            start = _view(world).version.version
            values = (str(2 * i + 1), str(2 * i + 2))

            def attempt(k, start=start, values=values):
                return _save(world, actors[k], [shortage_row(anest, events=values[k])], start)

            w, outcomes = race(pool, attempt, i)
            loser = outcomes[1 - w]
            assert outcomes[w].saved and outcomes[w].version == start + 1
            # the loser is told who saved, when, and that nothing of theirs was stored
            assert actors[w].username in loser.message
            assert "10/03/2026" in loser.message and "no se guardó" in loser.message
            assert loser.details["version"] == start + 1
            assert loser.details["updated_by"] == actors[w].username
            stored = _stored(world, anest)
            assert stored.shortage_outpatient == values[w]
            assert _view(world).version.version == start + 1


def test_a_stale_page_changes_nothing_and_an_untouched_row_deletes_nothing(world):
    answer(world)
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    page = _view(world)  # her page: both rows blank
    originals = {line.product_id: line.row for line in page.lines}
    # a colleague saves row "dil" from a page drawn at the same version
    assert _save(world, CAP_BC2, [shortage_row(dil)], page.version.version).saved
    # her form posts every row shown: the blank copy of "dil" is not a change
    posted = [shortage_row(anest, events="7"), GridRow(dil)]
    rows = changed_rows(posted, originals)
    assert [r.product_id for r in rows] == [anest]
    with pytest.raises(StaleVersion) as refused:
        _save(world, CAP_BC, rows, page.version.version)
    assert "capturista.ss.bc2" in refused.value.message
    assert _stored(world, dil).shortage_outpatient == "3"  # the colleague's record is intact
    assert _stored(world, anest).shortage_outpatient == ""  # and hers was not stored
    # saved again from the page re-shown with the current version: both are kept
    current = _view(world).version.version
    assert _save(world, CAP_BC, rows, current).saved
    assert (_stored(world, anest).shortage_outpatient, _stored(world, dil).shortage_outpatient) \
        == ("7", "3")


def test_a_refused_grid_keeps_its_version_and_first_saves_race_on_the_insert(world):
    answer(world)
    anest = world.pid("Anestesia")
    bad = _save(world, CAP_BC, [GridRow(anest, shortage_outpatient="0")], 0)
    assert not bad.saved and _view(world).version.version == 0  # rolled back with the rows
    assert _save(world, CAP_BC, [shortage_row(anest)], 0).version == 1
    with pytest.raises(StaleVersion):  # a second "first save" from the same blank page
        _save(world, CAP_BC2, [shortage_row(anest, events="9")], 0)
    with pytest.raises(StaleVersion):  # a version never issued
        _save(world, CAP_BC2, [shortage_row(anest, events="9")], 5)
    # nothing to save from a stale page is still refused (the page must show what changed)
    with pytest.raises(StaleVersion):
        _save(world, CAP_BC2, [], 0)
    assert _save(world, CAP_BC2, [], 1).saved


def test_a_save_without_a_version_is_refused_after_the_scope_checks(world):
    answer(world)
    anest = world.pid("Anestesia")
    assert require_version("") == require_version(None) == VERSION_MISSING
    with pytest.raises(VersionRequired) as refused:
        _save(world, CAP_BC, [shortage_row(anest)], require_version(""))
    assert refused.value.status == 428 and _view(world).version.version == 0
    with pytest.raises(StaleVersion):
        require_version("99999999999999999999")
    assert require_version(' W/"12" ') == 12


def _overview_version(world):
    return world.exc.queries().overview(ADMIN_SCOPE, BC, YEAR).version


def test_concurrent_answers_have_one_winner_and_grid_saves_move_the_report_on(world):
    actors = (CAP_BC, CAP_BC2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i in range(10):
            start = _overview_version(world).version
            values = ("SI", "NO") if i % 2 else ("NO", "SI")

            def attempt(k, start=start, values=values):
                return answer(world, values[k], actors[k], expected_version=start)

            w, outcomes = race(pool, attempt, i)
            assert "la información de esta entidad" in outcomes[1 - w].message
            now = world.exc.queries().overview(ADMIN_SCOPE, BC, YEAR)
            assert now.answer.value == values[w] and now.version.version == start + 1
            assert now.version.updated_by == actors[w].username
    # a grid save makes a Paso 2 / Paso 7 page drawn before it stale
    answer(world)
    before = _overview_version(world).version
    _save(world, CAP_BC2, [shortage_row(world.pid("Anestesia"))], _view(world).version.version)
    assert _overview_version(world).version == before + 1
    with pytest.raises(StaleVersion) as refused:
        finalize(world, expected_version=before)
    assert "capturista.ss.bc2" in refused.value.message
    assert world.exc.queries().overview(ADMIN_SCOPE, BC, YEAR).finalized_at is None
    done = finalize(world, expected_version=before + 1)
    assert done.folio.endswith("-V1")
    # two coordinators' apertura from the same page: one wins
    page = _overview_version(world).version
    assert world.exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "Corregir",
                                                      expected_version=page))
    with pytest.raises(StaleVersion):
        world.exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "Corregir otra vez",
                                                   expected_version=page))
    with pytest.raises(VersionRequired):
        answer(world, expected_version=VERSION_MISSING)


def test_concurrent_first_answers_create_the_report_once(world):
    actors = (CAP_BC, CAP_BC2)

    def attempt(k):
        return answer(world, "SI", actors[k], expected_version=0)

    with ThreadPoolExecutor(max_workers=2) as pool:
        race(pool, attempt)  # exactly one winner
    assert _overview_version(world).version == 1
