"""Deciding change requests (S12, Jefatura de área de Catálogo II) and undoing a wrong merge
(admin).

``ApproveRequest`` loads the request and its targets locked for update, lets the domain's
``approve`` re-check every precondition (a target that changed since filing — folio expired,
already changed, patient merged — is a ``Conflict`` and nothing changes), writes every changed
record and the decision, and audits it, all in one transaction. ``RejectRequest`` needs the
reason the director will read in "Revisar". ``UndoMerge`` moves an approved merge's folios
back and un-marks the record (the decision stays, marked undone).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping, Sequence

import attrs

from sanece.application.access import Actor, require_admin, require_reviewer
from sanece.application.ports import SaneceUnitOfWork
from sanece.application.use_cases._common import (
    REQUEST_TARGET,
    UseCase,
    audit,
    load_request,
)
from sanece.application.results import Decision, FieldChange, UndoneMerge
from sanece.domain.model import Folio, Medicine, Patient
from sanece.domain.request_types import request_type_of
from sanece.domain.request_types.base import TARGET_GONE
from sanece.domain.request_types.merge import TYPE as MERGE
from sanece.domain.request_types.unit_change import DESTINATION_GONE
from sanece.domain.decisions import OTHER_REASON, reason_catalog
from sanece.domain.requests import approve, authorize, reject, undo_merge
from sanece.domain.values import RequestStatus, clean_text
from shared.kernel.errors import Conflict

ONLY_APPROVED_MERGE = "Solo se puede deshacer una homologación Validada."


@attrs.frozen
class ApproveCommand:
    request_id: int
    new_expiry: date | None = None  # Fecha final of an ampliación (required for it)
    cancellation_date: date | None = None  # fecha de baja (default: today)
    # Validado con modificación: payload field -> the value the reviewer authorizes instead
    modifications: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.define
class ApproveRequest(UseCase):
    """Validado: apply the requested change atomically. Revisor or admin."""

    def __call__(self, actor: Actor, cmd: ApproveCommand) -> Decision:
        require_reviewer(actor.scope)
        with self.uow_factory() as uow:
            request = load_request(uow, actor, cmd.request_id, for_update=True)
            definition = request.definition
            if cmd.modifications:
                # before the targets are loaded: they may depend on what is authorized
                authorize(request, cmd.modifications)
            targets = definition.approval_targets(request, _Targets(uow))
            approval = approve(request, today=self.clock.today(), now=self.clock.now(),
                               reviewer=actor.username, new_expiry=cmd.new_expiry,
                               cancellation_date=cmd.cancellation_date, **targets)
            for changed in (*approval.patients, *approval.folios):
                changed.record_change(actor.username, self.clock.now())
            for patient in approval.patients:
                uow.patients.update(patient)
            for folio in approval.folios:
                uow.folios.update(folio)
            uow.requests.update(request)
            action = "request_approved_modified" if request.modified else "request_approved"
            audit(uow, self.clock, actor, action, REQUEST_TARGET, str(request.id),
                  before={"status": RequestStatus.PENDING.value, "target": request.snapshot},
                  after={"status": request.status.value, "type": request.type.value,
                         "applied": approval.outcome, "unit_id": request.unit_id,
                         "filed_by": request.filed_by,
                         "requested": request.payload.to_dict(),
                         "authorized": request.authorized})
            applied = definition.applied_changes(
                approval.outcome,
                _unit_names(uow, definition.outcome_unit_ids(approval.outcome)))
            uow.commit()
            assert request.id is not None and request.decided_at is not None
            return Decision(request.id, request.type, request.status, request.decided_at,
                            applied=applied, modified=request.modified,
                            authorized=definition.authorized_changes(request))


def active_reason_codes(uow: SaneceUnitOfWork) -> tuple[str, ...]:
    """The codes a decision may use now (the catalog's active ones)."""
    return tuple(r.code for r in reason_catalog(uow.reasons.stored()) if r.active)


def _unit_names(uow: SaneceUnitOfWork, unit_ids: set[int]) -> dict[int, str]:
    names = {}
    for unit_id in sorted(unit_ids):
        unit = uow.units.get(unit_id)
        if unit is not None:
            ooad = uow.ooads.get(unit.ooad_id)
            names[unit.id] = f"{ooad.name if ooad else ''} ({unit.name})"
    return names


@attrs.frozen
class _Targets:
    """``ApprovalSource`` over the unit of work: what an approval changes is locked for
    update."""

    uow: SaneceUnitOfWork

    def patient(self, patient_id: int) -> Patient | None:
        return self.uow.patients.get(patient_id, for_update=True)

    def patients_by_nss(self, nss: str) -> Sequence[Patient]:
        return self.uow.patients.by_nss(nss)

    def folio(self, number: str) -> Folio | None:
        return self.uow.folios.get(number, for_update=True)

    def folios_of_patient(self, patient_id: int) -> Sequence[Folio]:
        return self.uow.folios.of_patient(patient_id, for_update=True)

    def unit_exists(self, unit_id: int) -> bool:
        return self.uow.units.get(unit_id) is not None

    def medicine(self, medicine_id: int) -> Medicine | None:
        return self.uow.medicines.get(medicine_id)


def applied_changes(request_type: Any, outcome: dict[str, Any],
                    unit_names: Mapping[int, str] | None = None) -> tuple[FieldChange, ...]:
    """The outcome of an approval as before/after lines (what the reviewer sees done)."""
    return request_type_of(request_type).applied_changes(outcome, unit_names or {})


@attrs.frozen
class RejectCommand:
    request_id: int
    reason: str | None = None  # the reviewer's text (required with the code OTRO)
    reason_code: str = OTHER_REASON  # a code of the catalog of reasons


@attrs.define
class RejectRequest(UseCase):
    """No Validado with the reviewer's reason (shown to the director in "Revisar")."""

    def __call__(self, actor: Actor, cmd: RejectCommand) -> Decision:
        require_reviewer(actor.scope)
        with self.uow_factory() as uow:
            request = load_request(uow, actor, cmd.request_id, for_update=True)
            reject(request, reason=cmd.reason, reason_code=cmd.reason_code,
                   active_codes=active_reason_codes(uow), now=self.clock.now(),
                   reviewer=actor.username)
            uow.requests.update(request)
            audit(uow, self.clock, actor, "request_rejected", REQUEST_TARGET, str(request.id),
                  before={"status": RequestStatus.PENDING.value},
                  after={"status": request.status.value, "type": request.type.value,
                         "reason_code": request.reason_code, "unit_id": request.unit_id,
                         "filed_by": request.filed_by},
                  reason=request.reason)
            uow.commit()
            assert request.id is not None and request.decided_at is not None
            return Decision(request.id, request.type, request.status, request.decided_at,
                            reason=request.reason, reason_code=request.reason_code)


@attrs.define
class UndoMerge(UseCase):
    """Reverse a wrong homologación (admin): the folios that moved go back to the old record,
    which is no longer marked merged. The reason is required; audited as
    ``sanece.merge_undone`` with it."""

    def __call__(self, actor: Actor, request_id: int, reason: str) -> UndoneMerge:
        require_admin(actor.scope)
        reason = clean_text(reason, "motivo")
        with self.uow_factory() as uow:
            request = load_request(uow, actor, request_id, for_update=True)
            if request.definition is not MERGE or request.status is not RequestStatus.APPROVED:
                raise Conflict(ONLY_APPROVED_MERGE)
            outcome = request.outcome or {}
            record = uow.patients.get(int(outcome["from_patient_id"]), for_update=True)
            correct = uow.patients.get(int(outcome["into_patient_id"]), for_update=True)
            if record is None or correct is None:
                raise Conflict(TARGET_GONE)
            undone = undo_merge(request, record=record, correct=correct,
                                folios=uow.folios.of_patient(correct.id, for_update=True),
                                reason=reason)
            for changed in (undone.record, *undone.folios):
                changed.record_change(actor.username, self.clock.now())
            uow.patients.update(undone.record)
            for folio in undone.folios:
                uow.folios.update(folio)
            uow.requests.record_merge_undo(request_id, actor.username, self.clock.now())
            moved_back = tuple(sorted(f.number for f in undone.folios))
            audit(uow, self.clock, actor, "merge_undone", REQUEST_TARGET, str(request_id),
                  before={"record": record.id, "merged_into": correct.id},
                  after={"record": record.id, "merged_into": None,
                         "folios_moved_back": list(moved_back)}, reason=reason)
            uow.commit()
            assert record.id is not None and correct.id is not None
            return UndoneMerge(request_id, record.id, correct.id, moved_back)
