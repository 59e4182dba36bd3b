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
from typing import Any

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
from sanece.domain.model import PATIENT_FIELD_LABELS
from sanece.domain.requests import MergePayload, approve, reject, undo_merge
from sanece.domain.values import RequestStatus, RequestType, clean_text, format_date
from shared.kernel.errors import Conflict

TARGET_GONE = ("No se puede validar la solicitud: el registro al que se refiere ya no existe. "
               "Márcala como No Validado.")
DESTINATION_GONE = ("No se puede validar la solicitud: la unidad médica de destino ya no "
                    "existe. Márcala como No Validado.")
ONLY_APPROVED_MERGE = "Solo se puede deshacer una homologación Validada."


@attrs.frozen
class ApproveCommand:
    request_id: int
    new_expiry: date | None = None  # Fecha final of an ampliación (required for it)
    cancellation_date: date | None = None  # fecha de baja (default: today)


@attrs.define
class ApproveRequest(UseCase):
    """Validado: apply the requested change atomically. Revisor or admin."""

    def __call__(self, actor: Actor, cmd: ApproveCommand) -> Decision:
        require_reviewer(actor.scope)
        with self.uow_factory() as uow:
            request = load_request(uow, actor, cmd.request_id, for_update=True)
            targets = _targets(uow, request)
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
            audit(uow, self.clock, actor, "request_approved", REQUEST_TARGET, str(request.id),
                  before={"status": RequestStatus.PENDING.value, "target": request.snapshot},
                  after={"status": request.status.value, "type": request.type.value,
                         "applied": approval.outcome})
            applied = applied_changes(request.type, approval.outcome,
                                      _unit_names(uow, approval.outcome))
            uow.commit()
            assert request.id is not None and request.decided_at is not None
            return Decision(request.id, request.type, request.status, request.decided_at,
                            applied=applied)


def _unit_names(uow: SaneceUnitOfWork, outcome: dict[str, Any]) -> dict[int, str]:
    names = {}
    for key in ("from_unit_id", "to_unit_id"):
        unit = uow.units.get(int(outcome[key])) if outcome.get(key) is not None else None
        if unit is not None:
            ooad = uow.ooads.get(unit.ooad_id)
            names[unit.id] = f"{ooad.name if ooad else ''} ({unit.name})"
    return names


def _targets(uow: SaneceUnitOfWork, request: Any) -> dict[str, Any]:
    """What ``approve`` needs for this type, loaded for update."""
    if request.type is RequestType.PATIENT_DATA:
        patient = uow.patients.get(request.patient_id, for_update=True)
        if patient is None:
            raise Conflict(TARGET_GONE)
        nss, _ = request.payload.identity_for(patient)
        return {"patient": patient, "same_nss": uow.patients.by_nss(nss)}
    if request.type is RequestType.MERGE:
        payload: MergePayload = request.payload
        record = uow.patients.get(request.patient_id, for_update=True)
        correct = uow.patients.get(payload.correct_patient_id, for_update=True)
        if record is None or correct is None:
            raise Conflict(TARGET_GONE)
        return {"patient": record, "correct_patient": correct,
                "patient_folios": uow.folios.of_patient(request.patient_id, for_update=True)}
    folio = uow.folios.get(request.folio_number, for_update=True)
    if folio is None:
        raise Conflict(TARGET_GONE)
    out: dict[str, Any] = {"folio": folio}
    if request.type is RequestType.UNIT_CHANGE:
        if uow.units.get(request.payload.destination_unit_id) is None:
            raise Conflict(DESTINATION_GONE)
    if request.type is RequestType.REQUIREMENT_CHANGE:
        out["medicine"] = uow.medicines.get(folio.medicine_id)
    return out


def applied_changes(request_type: RequestType, outcome: dict[str, Any],
                    unit_names: dict[int, str] | None = None) -> tuple[FieldChange, ...]:
    """The outcome of an approval as before/after lines (what the reviewer sees done)."""
    if request_type is RequestType.PATIENT_DATA:
        before, after = outcome.get("before", {}), outcome.get("after", {})
        return tuple(FieldChange(label, str(before.get(name) or ""), str(after.get(name) or ""))
                     for name, label in PATIENT_FIELD_LABELS.items()
                     if before.get(name) != after.get(name))
    if request_type is RequestType.MERGE:
        moved = ", ".join(outcome.get("moved_folios", ())) or "ninguno"
        return (FieldChange("Folios trasladados al registro correcto", "", moved),)
    if request_type is RequestType.EXPIRY_CHANGE:
        if outcome.get("kind") == "extension":
            return (FieldChange("Fecha de vencimiento", _day(outcome.get("previous_expiry")),
                                _day(outcome.get("new_expiry"))),)
        return (FieldChange("Estatus", "Validada", "Baja"),
                FieldChange("Fecha de baja", "", _day(outcome.get("cancellation_date"))))
    if request_type is RequestType.UNIT_CHANGE:
        names = unit_names or {}
        return (FieldChange("Unidad médica",
                            names.get(outcome.get("from_unit_id"), str(outcome.get("from_unit_id"))),
                            names.get(outcome.get("to_unit_id"), str(outcome.get("to_unit_id")))),)
    before, after = outcome.get("before", {}), outcome.get("after", {})
    return tuple(FieldChange(label, str(before.get(k) or ""), str(after.get(k) or ""))
                 for k, label in (("key1", "Clave 1"), ("quantity1", "Cantidad clave 1"),
                                  ("key2", "Clave 2"), ("quantity2", "Cantidad clave 2"),
                                  ("requirement", "Requerimiento"))
                 if before.get(k) != after.get(k))


def _day(iso: Any) -> str:
    return format_date(date.fromisoformat(iso)) if iso else ""


@attrs.frozen
class RejectCommand:
    request_id: int
    reason: str


@attrs.define
class RejectRequest(UseCase):
    """No Validado with the reviewer's reason (shown to the director in "Revisar")."""

    def __call__(self, actor: Actor, cmd: RejectCommand) -> Decision:
        require_reviewer(actor.scope)
        with self.uow_factory() as uow:
            request = load_request(uow, actor, cmd.request_id, for_update=True)
            reject(request, reason=cmd.reason, now=self.clock.now(), reviewer=actor.username)
            uow.requests.update(request)
            audit(uow, self.clock, actor, "request_rejected", REQUEST_TARGET, str(request.id),
                  before={"status": RequestStatus.PENDING.value},
                  after={"status": request.status.value, "type": request.type.value},
                  reason=request.reason)
            uow.commit()
            assert request.id is not None and request.decided_at is not None
            return Decision(request.id, request.type, request.status, request.decided_at,
                            reason=request.reason)


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
            if request.type is not RequestType.MERGE or \
                    request.status is not RequestStatus.APPROVED:
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
