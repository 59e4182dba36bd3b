"""The coordinator's use cases on the fake unit of work: periods (create, open, close, capture
window) and the apertura of a finalized entity."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.application.use_cases.capture import (
    AnswerStep2,
    AnswerStep2Command,
    FinalizeCommand,
    FinalizeReport,
)
from excedentes.application.use_cases.coordination import (
    CaptureWindowCommand,
    ClosePeriod,
    CreatePeriod,
    CreatePeriodCommand,
    OpenPeriod,
    PeriodCommand,
    ReopenCommand,
    ReopenEntity,
    SetCaptureWindow,
)
from excedentes.domain.errors import StaleVersion
from excedentes.domain.model import Answer
from shared.kernel.clock import FixedClock
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.conftest import START

from .fakes import BC, CAP_BC, COORD_IMSS, COORD_SS, YEAR, World, small_world


# --------------------------------------------------------------------------- periods


def test_create_period_adds_it_and_audits_it(world, clock):
    view = CreatePeriod(world.uow, clock)(COORD_SS, CreatePeriodCommand("ss", YEAR + 1))
    assert view.year == YEAR + 1
    assert world.store.state.periods[("SS", YEAR + 1)].is_open
    (entry,) = world.store.audit
    assert (entry.action, entry.target_type, entry.target_id) == (
        "excedentes.period_created", "period", f"SS:{YEAR + 1}")
    assert entry.after["is_open"] is True


@pytest.mark.parametrize("actor, cmd, error", [
    (COORD_SS, CreatePeriodCommand("SS", YEAR), Conflict),  # exists already
    (COORD_IMSS, CreatePeriodCommand("SS", YEAR + 1), NotFound),  # another institution
    (CAP_BC, CreatePeriodCommand("SS", YEAR + 1), PermissionDenied),
    (COORD_SS, CreatePeriodCommand("XX", YEAR + 1), NotFound),
    (COORD_SS, CreatePeriodCommand("SS", 1850), ValidationError),
])
def test_create_period_refusals_write_nothing(world, clock, actor, cmd, error):
    before = world.store.snapshot()
    with pytest.raises(error):
        CreatePeriod(world.uow, clock)(actor, cmd)
    assert world.store.state == before


def test_close_then_open_moves_the_version_and_audits_each_change(world, clock):
    closed = ClosePeriod(world.uow, clock)(COORD_SS, PeriodCommand("SS", YEAR, 0))
    assert closed.changed and not closed.period.is_open
    assert world.store.state.periods[("SS", YEAR)].closed_at == clock.now()
    opened = OpenPeriod(world.uow, clock)(COORD_SS, PeriodCommand("SS", YEAR, 1))
    assert opened.changed and world.store.state.periods[("SS", YEAR)].is_open
    assert world.store.actions() == ["excedentes.period_closed", "excedentes.period_opened"]
    assert world.store.state.period_versions[("SS", YEAR)].version == 2


def test_opening_an_open_period_changes_and_records_nothing(world, clock):
    before = world.store.snapshot()
    change = OpenPeriod(world.uow, clock)(COORD_SS, PeriodCommand("SS", YEAR, 0))
    assert not change.changed and change.period.version.version == 0
    assert world.store.state == before


def test_a_period_change_from_a_stale_page_is_refused(world, clock):
    ClosePeriod(world.uow, clock)(COORD_SS, PeriodCommand("SS", YEAR, 0))
    before = world.store.snapshot()
    with pytest.raises(StaleVersion) as refused:
        OpenPeriod(world.uow, clock)(COORD_SS, PeriodCommand("SS", YEAR, 0))
    assert COORD_SS.username in refused.value.message
    assert world.store.state == before


def test_set_capture_window_stores_the_dates_and_audits_before_after(world, clock):
    cmd = CaptureWindowCommand("SS", YEAR, date(YEAR, 3, 1), date(YEAR, 4, 30), 0)
    change = SetCaptureWindow(world.uow, clock)(COORD_SS, cmd)
    assert change.changed
    period = world.store.state.periods[("SS", YEAR)]
    assert (period.window_start, period.window_end) == (date(YEAR, 3, 1), date(YEAR, 4, 30))
    (entry,) = world.store.audit
    assert entry.action == "excedentes.period_window"
    assert (entry.before["window_end"], entry.after["window_end"]) == (None, date(YEAR, 4, 30))


@settings(max_examples=50, deadline=None)
@given(st.dates(date(YEAR, 1, 1), date(YEAR, 12, 31)), st.dates(date(YEAR, 1, 1),
                                                                  date(YEAR, 12, 31)))
def test_a_window_is_stored_only_when_it_ends_after_it_starts(start, end):
    """Property: any (start, end) is either stored as given (end >= start) or refused with a
    ValidationError that leaves the store untouched."""
    world, clock = small_world(), FixedClock(START)
    before = world.store.snapshot()
    cmd = CaptureWindowCommand("SS", YEAR, start, end, 0)
    if end >= start:
        SetCaptureWindow(world.uow, clock)(COORD_SS, cmd)
        period = world.store.state.periods[("SS", YEAR)]
        assert (period.window_start, period.window_end) == (start, end)
    else:
        with pytest.raises(ValidationError):
            SetCaptureWindow(world.uow, clock)(COORD_SS, cmd)
        assert world.store.state == before


# --------------------------------------------------------------------------- apertura


def _finalized(world: World, clock) -> None:
    AnswerStep2(world.uow, clock)(CAP_BC, AnswerStep2Command(BC, YEAR, "NO"))
    FinalizeReport(world.uow, clock)(CAP_BC, FinalizeCommand(BC, YEAR, True))


def test_reopen_makes_the_entity_editable_again_with_the_reason_audited(world, clock):
    _finalized(world, clock)
    result = ReopenEntity(world.uow, clock)(COORD_SS, ReopenCommand(BC, YEAR, "Corrección"))
    assert result.entity_title == "Entidad Federativa BAJA CALIFORNIA"
    assert not world.store.state.reports[("SS", "BC", YEAR)].is_finalized
    entry = world.store.audit[-1]
    assert (entry.action, entry.reason) == ("excedentes.reopen", "Corrección")
    assert entry.before["finalized_by"] == CAP_BC.username and entry.after["finalized_at"] is None
    # the capturista can answer again
    again = AnswerStep2(world.uow, clock)(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    assert again.after is Answer.YES


@pytest.mark.parametrize("actor, reason, finalized, error", [
    (COORD_SS, "", True, ValidationError),  # a reason is required
    (COORD_SS, "Corrección", False, Conflict),  # not finalized
    (CAP_BC, "Corrección", True, PermissionDenied),  # the coordinator's action
    (COORD_IMSS, "Corrección", True, NotFound),  # another institution's entity
])
def test_reopen_refusals_write_nothing(world, clock, actor, reason, finalized, error):
    if finalized:
        _finalized(world, clock)
    before = world.store.snapshot()
    with pytest.raises(error):
        ReopenEntity(world.uow, clock)(actor, ReopenCommand(BC, YEAR, reason))
    assert world.store.state == before
