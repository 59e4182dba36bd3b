"""Pasos 2, 6 and 7 on the fake unit of work: each use case's rules, what it audits, and that a
refusal leaves the store as it was."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.application.use_cases.capture import (
    PASSWORD_NOT_CONFIRMED,
    AnswerStep2,
    AnswerStep2Command,
    FinalizeReport,
    FinalizeCommand,
    SaveGrid,
    SaveGridCommand,
)
from excedentes.domain.errors import (
    CaptureClosed,
    EntityLocked,
    SpecialtyRequired,
    StaleVersion,
    VersionRequired,
)
from excedentes.domain.grid import GridRow
from excedentes.domain.model import Answer
from excedentes.domain.versions import VERSION_MISSING
from shared.kernel.clock import FixedClock
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.conftest import START

from .fakes import (
    BC,
    CAP_BC,
    CAP_BS,
    COORD_SS,
    U_ALGODONES,
    U_NL,
    U_OCTUBRE,
    YEAR,
    World,
    small_world,
)


def shortage(pid: int, events: str = "3", patients: str = "4") -> GridRow:
    return GridRow(pid, shortage_outpatient=events, cause="Falta de Equipo",
                   monthly_patients=patients)


def both_products(world: World) -> tuple[int, int]:
    return world.products[("SS", "Anestesia")], world.products[("SS", "Dilatación de esófago")]


def answer(world: World, clock, value="SI", actor=CAP_BC, **kw):
    return AnswerStep2(world.uow, clock)(actor, AnswerStep2Command(BC, YEAR, value, **kw))


def save(world: World, clock, rows, clues=U_OCTUBRE, actor=CAP_BC, specialty=True, **kw):
    cmd = SaveGridCommand(BC, YEAR, clues, world.groups["SS"],
                          world.specialty if specialty else None, rows, **kw)
    return SaveGrid(world.uow, clock)(actor, cmd)


def finalize(world: World, clock, confirmed=True, actor=CAP_BC, **kw):
    return FinalizeReport(world.uow, clock)(actor, FinalizeCommand(BC, YEAR, confirmed, **kw))


def report(world: World):
    return world.store.state.reports.get(("SS", "BC", YEAR))


# --------------------------------------------------------------------------- Paso 2


def test_answer_saves_si_and_audits_before_and_after(world, clock):
    result = answer(world, clock, "sí")
    assert (result.before, result.after) == (None, Answer.YES)
    assert report(world).answer is Answer.YES
    (entry,) = world.store.audit
    assert (entry.action, entry.actor, entry.target_id) == ("excedentes.answer",
                                                            CAP_BC.username, "SS:BC:2026")
    assert (entry.before, entry.after) == ({"answer": None}, {"answer": "SI"})
    # the first answer created the report at version 0 and moved it to 1
    assert world.store.state.report_versions[("SS", "BC", YEAR)].version == 1


def test_the_same_answer_again_records_nothing_new(world, clock):
    answer(world, clock, "SI")
    again = answer(world, clock, "SI", expected_version=1)
    assert again.before is again.after is Answer.YES
    assert world.store.actions() == ["excedentes.answer"]


def test_no_is_refused_while_units_have_records_and_names_them(world, clock):
    answer(world, clock, "SI")
    assert save(world, clock, [shortage(world.products[("SS", "Anestesia")])]).saved
    before = world.store.snapshot()
    with pytest.raises(Conflict) as refused:
        answer(world, clock, "NO")
    assert "BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL" in refused.value.message
    assert world.store.state == before


@pytest.mark.parametrize("actor, error", [(CAP_BS, NotFound), (COORD_SS, PermissionDenied)])
def test_answer_outside_the_capturistas_entity_is_refused(world, clock, actor, error):
    with pytest.raises(error):
        answer(world, clock, "SI", actor=actor)
    assert world.store.audit == [] and report(world) is None


def test_answer_from_a_stale_page_changes_nothing(world, clock):
    answer(world, clock, "SI")
    before = world.store.snapshot()
    with pytest.raises(StaleVersion) as refused:
        answer(world, clock, "NO", expected_version=0)
    assert CAP_BC.username in refused.value.message  # who saved before
    with pytest.raises(VersionRequired):
        answer(world, clock, "NO", expected_version=VERSION_MISSING)
    assert world.store.state == before


def test_answer_outside_the_capture_window_is_closed(clock):
    world = small_world(window=(date(YEAR, 1, 1), date(YEAR, 2, 28)))  # clock: 10 March
    with pytest.raises(CaptureClosed):
        answer(world, clock, "SI")
    assert world.store.audit == []


# --------------------------------------------------------------------------- Paso 6


def test_save_grid_writes_the_records_and_audits_them(world, clock):
    anest = world.products[("SS", "Anestesia")]
    answer(world, clock, "SI")
    result = save(world, clock, [shortage(anest)], expected_version=0)
    assert result.saved and (result.added, result.removed, result.version) == (1, 0, 1)
    (record,) = report(world).records
    assert (record.clues, record.product_id, record.monthly_events) == (U_OCTUBRE, anest, 3)
    entry = world.store.audit[-1]
    assert entry.action == "excedentes.grid_saved"
    assert entry.after["unit"] == U_OCTUBRE and len(entry.after["records"]) == 1
    assert entry.before["records"] == []


def test_a_stale_grid_save_changes_nothing_and_says_who_saved(world, clock):
    anest, dil = both_products(world)
    answer(world, clock, "SI")
    assert save(world, clock, [shortage(anest)], expected_version=0).saved
    before = world.store.snapshot()
    with pytest.raises(StaleVersion) as refused:  # a second page drawn at version 0
        save(world, clock, [shortage(dil)], expected_version=0)
    assert CAP_BC.username in refused.value.message
    assert world.store.state == before
    assert save(world, clock, [shortage(dil)], expected_version=1).version == 2


def test_an_invalid_row_refuses_the_whole_grid_and_keeps_its_version(world, clock):
    anest, dil = both_products(world)
    answer(world, clock, "SI")
    before = world.store.snapshot()
    result = save(world, clock, [shortage(anest), shortage(dil, events="-2")],
                  expected_version=0)
    assert not result.saved and result.errors and result.version == 0
    assert world.store.state == before


def test_the_grid_needs_the_specialty_where_the_institution_has_that_level(world, clock):
    answer(world, clock, "SI")
    with pytest.raises(SpecialtyRequired):
        save(world, clock, [shortage(world.products[("SS", "Anestesia")])], specialty=False)
    assert world.store.actions() == ["excedentes.answer"]


@pytest.mark.parametrize("case", ["unit of another entity", "group of another institution"])
def test_a_grid_outside_the_entity_is_not_found(world, clock, case):
    answer(world, clock, "SI")
    before = world.store.snapshot()
    rows = [shortage(world.products[("SS", "Anestesia")])]
    with pytest.raises(NotFound):
        if case == "unit of another entity":
            save(world, clock, rows, clues=U_NL)
        else:
            cmd = SaveGridCommand(BC, YEAR, U_OCTUBRE, world.groups["IMSS"], None, rows)
            SaveGrid(world.uow, clock)(CAP_BC, cmd)
    assert world.store.state == before


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 999), st.integers(1, 999)),
                min_size=1, max_size=6))
def test_whatever_the_saves_the_grid_holds_the_last_values(saves):
    """Property: after any sequence of saves of the two products of one grid (each save from
    the version the previous one returned), the report holds exactly the last values saved,
    and each save that changed something is one audit entry."""
    world, clock = small_world(), FixedClock(START)
    anest, dil = both_products(world)
    answer(world, clock, "SI")
    version, last, changes = 0, {}, 0
    for both, events, patients in saves:
        rows = [shortage(anest, str(events), str(patients))]
        if both:
            rows.append(shortage(dil, str(events), str(patients)))
        result = save(world, clock, rows, expected_version=version)
        assert result.saved
        changes += result.added + result.removed > 0
        version = result.version
        last.update({r.product_id: (events, patients) for r in rows})
    stored = {r.product_id: (r.monthly_events, r.monthly_patients) for r in report(world).records}
    assert stored == last
    assert world.store.actions().count("excedentes.grid_saved") == changes


# --------------------------------------------------------------------------- Paso 7


def _answered_with_records(world, clock):
    answer(world, clock, "SI")
    save(world, clock, [shortage(world.products[("SS", "Anestesia")])])


def test_finalize_locks_the_entity_and_audits_the_folio(world, clock):
    _answered_with_records(world, clock)
    done = finalize(world, clock)
    assert done.folio and done.fingerprint
    assert (done.units_with_records, done.units_total) == (1, 2)
    assert done.note == "Nota: Existen Unidades Médicas sin Excedentes/Faltantes."
    entry = world.store.audit[-1]
    assert entry.action == "excedentes.finalize"
    assert entry.after["folio"] == done.folio and entry.after["records"] == 1
    assert report(world).is_finalized
    # locked: neither the capturista's answer nor a grid save may change it now
    before = world.store.snapshot()
    with pytest.raises(EntityLocked):
        answer(world, clock, "SI")
    with pytest.raises(EntityLocked):
        save(world, clock, [shortage(world.products[("SS", "Anestesia")], "9")],
             clues=U_ALGODONES)
    assert world.store.state == before


def test_finalize_without_the_password_changes_nothing(world, clock):
    _answered_with_records(world, clock)
    before = world.store.snapshot()
    with pytest.raises(ValidationError) as refused:
        finalize(world, clock, confirmed=False)
    assert refused.value.message == PASSWORD_NOT_CONFIRMED
    assert world.store.state == before


def test_finalize_needs_the_paso_2_answer(world, clock):
    with pytest.raises(Conflict):
        finalize(world, clock)
    assert world.store.audit == [] and report(world) is None


def test_finalize_twice_is_refused_as_locked(world, clock):
    _answered_with_records(world, clock)
    finalize(world, clock)
    clock.advance(timedelta(minutes=5))
    with pytest.raises(EntityLocked):
        finalize(world, clock)
    assert world.store.actions().count("excedentes.finalize") == 1
