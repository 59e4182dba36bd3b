"""The review decision (``decide``) and completeness counting, alone."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from excedentes.domain.completeness import Completeness, EntityProgress, days_late
from excedentes.domain.review import (
    CAPTURISTA,
    COORDINADOR,
    Action,
    EntityState,
    Returned,
    ReturnReason,
    ReviewStatus,
    Viewer,
    decide,
)
from shared.kernel.errors import ValidationError

from .strategies import clock, period

T = datetime(2024, 3, 10, 16, 0, tzinfo=timezone.utc)


def test_locks_say_why_who_and_when():
    c = clock()
    accepted = EntityState(period(), answered=True, finalized_at=T, finalized_by="cap",
                           signed_uploaded=True, accepted_at=T, accepted_by="coord")
    d = decide(accepted, CAPTURISTA, c)
    assert d.allowed_actions == frozenset() and d.lock.kind == "accepted"
    assert d.lock.by == "coord" and "Solo la administración" in d.lock.reason
    assert decide(accepted, Viewer.admin(), c).allowed_actions == {Action.REVERT_ACCEPTANCE}

    finalized = EntityState(period(), answered=True, finalized_at=T, finalized_by="cap")
    d = decide(finalized, CAPTURISTA, c)
    assert d.lock.kind == "finalized" and d.explanation.endswith("Finalizó: cap.")
    assert decide(finalized, COORDINADOR, c).allowed_actions == {Action.REOPEN}

    closed = EntityState(period().closed(c))
    assert decide(closed, CAPTURISTA, c).lock.kind == "period_closed"
    ended = EntityState(period(window_end=date(2024, 3, 1)))
    lock = decide(ended, CAPTURISTA, c).lock
    assert lock.kind == "window_ended" and "terminó el 01/03/2024" in lock.reason

    returned = EntityState(period(), answered=True, answer_is_yes=True, record_count=2,
                           returned=Returned(T, "coord", "DATOS", "Datos incompletos", "ver"))
    d = decide(returned, CAPTURISTA, c)
    assert d.lock is None and {Action.CAPTURE, Action.FINALIZE} <= d.allowed_actions
    assert "DATOS — Datos incompletos" in d.notice
    assert returned.status is ReviewStatus.RETURNED


@given(answered=st.booleans(), yes=st.booleans(), records=st.integers(0, 3),
       finalized=st.booleans(), signed=st.booleans(), accepted=st.booleans(),
       window=st.booleans(), viewer=st.sampled_from([CAPTURISTA, COORDINADOR,
                                                      Viewer.admin(), Viewer()]))
def test_decide_never_allows_what_the_role_or_state_forbids(answered, yes, records, finalized,
                                                            signed, accepted, window, viewer):
    c = clock()
    finalized = finalized or accepted
    signed = (signed or accepted) and finalized
    p = period() if window else period().closed(c)
    state = EntityState(p, answered=answered, answer_is_yes=yes and answered,
                        record_count=records, finalized_at=T if finalized else None,
                        signed_uploaded=signed, accepted_at=T if accepted else None,
                        accepted_by="coord" if accepted else None)
    d = decide(state, viewer, c)
    capture_like = {Action.CAPTURE, Action.FINALIZE, Action.UPLOAD_SIGNED}
    review_like = {Action.REOPEN, Action.ACCEPT, Action.RETURN}
    if not viewer.can_capture:
        assert not d.allowed_actions & capture_like
    if not viewer.can_manage:
        assert not d.allowed_actions & review_like
    if accepted:
        assert d.allowed_actions <= {Action.REVERT_ACCEPTANCE}
        assert d.lock is not None
    if Action.CAPTURE in d.allowed_actions:
        assert d.lock is None and not finalized
    assert (Action.ACCEPT in d.allowed_actions) == (
        viewer.can_manage and signed and not accepted)
    assert (d.lock is None) == (not finalized and window)
    assert d.explanation


def test_return_reason_is_checked():
    assert ReturnReason(" datos-inc ", "  Datos   incompletos ").label == \
        "DATOS-INC — Datos incompletos"
    with pytest.raises(ValidationError):
        ReturnReason("con espacio", "x")
    with pytest.raises(ValidationError):
        ReturnReason("OK", "")
    assert ReviewStatus.parse("Devuelto") is ReviewStatus.RETURNED
    assert ReviewStatus.parse("") is None
    with pytest.raises(ValidationError, match="en-captura"):
        ReviewStatus.parse("otro")


END = date(2024, 11, 30)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=timezone.utc)


def test_days_late_in_civil_time():
    assert days_late(None, END) is None
    assert days_late(_at(END), END) == 0
    assert days_late(_at(END + timedelta(days=3)), END) == 3
    # 01/12 at 03:00 UTC is still 30/11 in Mexico City: on time
    assert days_late(datetime(2024, 12, 1, 3, 0, tzinfo=timezone.utc), END) == 0
    assert days_late(_at(END + timedelta(days=9)), None) == 0


@given(st.lists(st.tuples(st.booleans(), st.one_of(st.none(), st.integers(-20, 20)),
                          st.booleans(), st.booleans()), max_size=30))
def test_completeness_counts(items):
    progress = [EntityProgress(answered or offset is not None,
                               None if offset is None else _at(END + timedelta(days=offset)),
                               END, signed and offset is not None,
                               accepted and signed and offset is not None)
                for answered, offset, signed, accepted in items]
    c = Completeness.of(progress)
    assert c.expected == len(items)
    assert c.accepted <= c.signed <= c.finalized <= c.answered <= c.expected
    assert c.on_time + c.late == c.finalized
    lates = [o for _, o, _, _ in items if o is not None and o > 0]
    assert c.late == len(lates)
    assert c.median_days_late == (statistics.median(lates) if lates else None)
    if c.expected:
        assert c.on_time_pct == round(100 * c.on_time / c.expected, 1)
    else:
        assert c.finalized_pct is None
