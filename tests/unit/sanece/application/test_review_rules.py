"""Deciding change requests on the fake unit of work: an approval applies the change of each of
the five types, audited; a rejection needs its reason; an approval whose target changed since
filing, a second decision and a decision by a director change nothing; an admin undoes an
approved merge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sanece.application.use_cases.review import (
    ApproveCommand,
    ApproveRequest,
    RejectCommand,
    RejectRequest,
    UndoMerge,
)
from sanece.domain.request_types import RequestType
from sanece.domain.values import EvaluationStatus, RequestStatus
from shared.kernel.errors import Conflict, PermissionDenied, ValidationError

from .fakes import (
    ADMIN,
    DIRECTOR_A,
    F_DUP,
    F_VALID,
    P_DUP,
    P_MAIN,
    REVISOR,
    TODAY,
    UNIT_A,
    UNIT_B,
    World,
    small_world,
)
from .test_filing_rules import (
    file_data_change,
    file_expiry,
    file_merge,
    file_requirement,
    file_unit_change,
)

REASON = "La vigencia adjunta no corresponde al paciente."


def approve(world: World, clock, request_id: int, actor=REVISOR, **kw):
    return ApproveRequest(world.uow, clock)(actor, ApproveCommand(request_id, **kw))


def reject(world: World, clock, request_id: int, reason: str = REASON, actor=REVISOR):
    return RejectRequest(world.uow, clock)(actor, RejectCommand(request_id, reason))


def applied_patient_data(s):
    assert s.patients[P_MAIN].given_names == "ANA LUISA"


def applied_merge(s):
    assert s.patients[P_DUP].merged_into == P_MAIN
    assert s.folios[F_DUP].patient_id == P_MAIN


def applied_extension(s):
    assert s.folios[F_VALID].expiry_date == date(2026, 12, 15)


def applied_cancellation(s):
    folio = s.folios[F_VALID]
    assert (folio.status, folio.cancellation_date) == (EvaluationStatus.CANCELLED, TODAY)


def applied_unit_change(s):
    assert s.folios[F_VALID].unit_id == UNIT_B


def applied_requirement(s):
    key1 = s.folios[F_VALID].key1
    assert (key1.key, key1.quantity) == ("5796", 2)


APPROVALS = {
    RequestType.PATIENT_DATA.value: (
        lambda w, c, s: file_data_change(w, c, s, given_names="ANA LUISA"), {},
        applied_patient_data, ("patient", P_MAIN)),
    RequestType.MERGE.value: (file_merge, {}, applied_merge, ("patient", P_DUP)),
    "extension": (lambda w, c, s: file_expiry(w, c, s, kind="extension"),
                  {"new_expiry": date(2026, 12, 15)}, applied_extension, ("folio", F_VALID)),
    "cancellation": (file_expiry, {}, applied_cancellation, ("folio", F_VALID)),
    RequestType.UNIT_CHANGE.value: (file_unit_change, {}, applied_unit_change,
                                    ("folio", F_VALID)),
    RequestType.REQUIREMENT_CHANGE.value: (file_requirement, {}, applied_requirement,
                                           ("folio", F_VALID)),
}


@pytest.mark.parametrize("case", APPROVALS)
def test_approval_applies_the_change_records_who_and_audits_it(world, clock, storage, case):
    filing, kw, check, (kind, key) = APPROVALS[case]
    (request_id,) = filing(world, clock, storage).ids
    version = (world.state.patients if kind == "patient" else world.state.folios)[key].version
    decision = approve(world, clock, request_id, **kw)
    assert decision.status is RequestStatus.APPROVED and decision.applied
    check(world.state)
    # the committed state was replaced by the approval's: read the table again
    target = (world.state.patients if kind == "patient" else world.state.folios)[key]
    assert target.version > version
    assert (target.changed_by, target.changed_at) == (REVISOR.username, clock.now())
    request = world.state.requests[request_id]
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, REVISOR.username)
    entry = world.store.audit[-1]
    assert (entry.action, entry.actor, entry.target_id) == (
        "sanece.request_approved", REVISOR.username, str(request_id))
    assert entry.before["status"] == "pending" and entry.after["status"] == "approved"
    assert entry.after["applied"] == request.outcome


def test_rejection_keeps_the_target_and_records_the_reason(world, clock, storage):
    (request_id,) = file_expiry(world, clock, storage).ids
    folio_before = world.state.folios[F_VALID]
    decision = reject(world, clock, request_id)
    assert (decision.status, decision.reason) == (RequestStatus.REJECTED, REASON)
    assert world.state.folios[F_VALID] == folio_before
    request = world.state.requests[request_id]
    assert (request.status, request.reason) == (RequestStatus.REJECTED, REASON)
    entry = world.store.audit[-1]
    assert (entry.action, entry.reason) == ("sanece.request_rejected", REASON)


@pytest.mark.parametrize("case, error", [
    ("rejection without a reason", ValidationError),
    ("approval by a director", PermissionDenied),
    ("rejection by a director", PermissionDenied),
    ("extension approved without its new expiry", ValidationError),
])
def test_refused_decisions_change_nothing(world, clock, storage, case, error):
    (request_id,) = file_expiry(world, clock, storage, kind="extension").ids
    before = world.store.snapshot()
    with pytest.raises(error):
        if case == "rejection without a reason":
            reject(world, clock, request_id, reason="   ")
        elif case == "approval by a director":
            approve(world, clock, request_id, actor=DIRECTOR_A, new_expiry=date(2026, 12, 15))
        elif case == "rejection by a director":
            reject(world, clock, request_id, actor=DIRECTOR_A)
        else:
            approve(world, clock, request_id)
    assert world.state == before


def test_a_decision_is_final(world, clock, storage):
    (request_id,) = file_expiry(world, clock, storage).ids
    approve(world, clock, request_id)
    before = world.store.snapshot()
    with pytest.raises(Conflict, match="ya fue revisada"):
        approve(world, clock, request_id)
    with pytest.raises(Conflict, match="ya fue revisada"):
        reject(world, clock, request_id)
    assert world.state == before


def test_approval_of_a_target_that_changed_since_filing_is_refused(world, clock, storage):
    move = file_unit_change(world, clock, storage).ids[0]
    approve(world, clock, file_expiry(world, clock, storage).ids[0])  # the folio is given de baja
    before = world.store.snapshot()
    with pytest.raises(Conflict, match="tiene estatus Baja"):
        approve(world, clock, move)
    assert world.state == before and world.state.folios[F_VALID].unit_id == UNIT_A


def test_approval_of_a_folio_that_expired_since_filing_is_refused(world, clock, storage):
    (request_id,) = file_expiry(world, clock, storage).ids
    clock.advance(timedelta(days=250))  # F_VALID expires on 2026-10-15
    before = world.store.snapshot()
    with pytest.raises(Conflict, match="venció el 15/10/2026"):
        approve(world, clock, request_id)
    assert world.state == before


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(on=st.dates(min_value=date(2025, 6, 1), max_value=date(2026, 6, 1)))
@example(on=date(2025, 10, 15))  # the folio's evaluation date
@example(on=TODAY)
@example(on=TODAY + timedelta(days=1))
def test_a_baja_is_dated_between_the_evaluation_and_today(clock, tmp_path, on):
    """Approving a Baja de folio on ``on`` works exactly when the evaluation date (2025-10-15)
    <= ``on`` <= today; otherwise nothing changes."""
    from shared.storage.adapters.local import LocalFileStorage

    world = small_world()
    storage = LocalFileStorage(tmp_path / "files", clock.now)
    (request_id,) = file_expiry(world, clock, storage).ids
    before = world.store.snapshot()
    if date(2025, 10, 15) <= on <= TODAY:
        approve(world, clock, request_id, cancellation_date=on)
        assert world.state.folios[F_VALID].cancellation_date == on
    else:
        with pytest.raises(ValidationError, match="fecha de baja debe estar entre"):
            approve(world, clock, request_id, cancellation_date=on)
        assert world.state == before


def test_an_admin_undoes_an_approved_merge_with_a_reason(world, clock, storage):
    (request_id,) = file_merge(world, clock, storage).ids
    approve(world, clock, request_id)
    undo = UndoMerge(world.uow, clock)
    for actor, reason, error in ((REVISOR, "Son personas distintas.", PermissionDenied),
                                 (ADMIN, "  ", ValidationError)):
        before = world.store.snapshot()
        with pytest.raises(error):
            undo(actor, request_id, reason)
        assert world.state == before
    undone = undo(ADMIN, request_id, "Son personas distintas.")
    assert undone.moved_back == (F_DUP,)
    s = world.state
    assert s.patients[P_DUP].merged_into is None and s.folios[F_DUP].patient_id == P_DUP
    assert s.requests[request_id].status is RequestStatus.APPROVED  # the decision stays
    assert s.undone[request_id] == (ADMIN.username, clock.now())
    entry = world.store.audit[-1]
    assert (entry.action, entry.reason) == ("sanece.merge_undone", "Son personas distintas.")
    assert entry.after["folios_moved_back"] == [F_DUP]
