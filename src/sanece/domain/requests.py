"""Change requests (solicitudes de cambio): one state machine for every type.

    En espera --approve (as requested or modified)--> Validado
              --reject--> No Validado          --pend--> Requiere información
              --cancel--> Cancelada por la unidad
    Requiere información --answer--> En espera --cancel--> Cancelada --expire--> Vencida
    (see ``sanece.domain.request_types.base``; every negative or pending decision has a coded
    reason from the catalog)

Each type owns its parts in its module of ``sanece.domain.request_types`` (payload, motives,
filing rules, snapshot, approval, before → after lines); this module is the entry point that
dispatches to them. Filing (``file_*``) checks the type's preconditions and keeps a *snapshot*
of the target's relevant fields. Deciding re-checks the preconditions (a broken one is a
``Conflict``), compares the target with the snapshot (``Conflict`` when it changed since
filing) and only then applies the change. Every check runs before the first mutation, so a
refused approval leaves the request and every target untouched. Nothing here does I/O: the
application loads the targets, calls these functions and persists what they return.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

import attrs

from shared.kernel.rules import BusinessRule, check_rule

from sanece.domain.model import Folio, Patient
from sanece.domain.request_types import REQUEST_TYPES, RequestType, request_type_of
from sanece.domain.request_types.base import (
    OTHER,
    ChangeRequest,
    Payload,
    check_rules,
    first_broken,
    patient_snapshot,
)
from sanece.domain.request_types.expiry_change import (
    CANCELLATION_ACTION,
    CANCELLATION_MOTIVES,
    EXTENSION_MOTIVES,
    ExpiryChangePayload,
    extension_window,
)
from sanece.domain.request_types.expiry_change import TYPE as EXPIRY_CHANGE
from sanece.domain.request_types.merge import (
    MergePayload,
    MergePreview,
    MergeUndo,
    merge_snapshot,
    merge_window_rules,
    preview_merge,
)
from sanece.domain.request_types.merge import TYPE as MERGE
from sanece.domain.request_types.patient_data import TYPE as PATIENT_DATA
from sanece.domain.request_types.patient_data import PatientDataChange
from sanece.domain.request_types.requirement_change import (
    REQUIREMENT_CHANGE_MOTIVES,
    RequirementChangePayload,
)
from sanece.domain.request_types.requirement_change import TYPE as REQUIREMENT_CHANGE
from sanece.domain.request_types.unit_change import TYPE as UNIT_CHANGE
from sanece.domain.request_types.unit_change import UNIT_CHANGE_MOTIVES, UnitChangePayload
from sanece.domain.rules import (
    AnswerNeedsNote,
    MissingInformationRequired,
    ReasonMustBeInCatalog,
    RequestMustBePending,
)
from sanece.domain.decisions import DEFAULT_REASONS, OTHER_REASON, OtherReasonNeedsText
from sanece.domain.values import Attachment
from sanece.domain.values import ExpiryChangeKind, RequestStatus, clean_text

PAYLOAD_TYPES: dict[Any, type] = {t.enum_member: t.payload_class for t in REQUEST_TYPES}


def motives_for(request_type: Any, kind: ExpiryChangeKind | None = None) -> tuple[str, ...]:
    """The motive list of a request type (by subtype when it has them; empty for the types
    without motives)."""
    return request_type_of(request_type).motives(kind)


def payload_from_dict(request_type: Any, data: Mapping[str, Any]) -> Payload:
    """Rebuild a payload stored with ``to_dict`` (validation runs again)."""
    return request_type_of(request_type).parse_payload(data)


def folio_snapshot(request_type: Any, folio: Folio) -> dict[str, Any]:
    """The folio fields a request of this type depends on (and shows as "original")."""
    definition = request_type_of(request_type)
    if definition.targets_patient:
        raise ValueError(f"{definition.code} is not a folio request")
    return definition.snapshot(folio)


# --------------------------------------------------------------------------------------------
# Preconditions: what the target must satisfy before a request is filed on it. The pages and
# the API check them right after the folio / NSS search (the director sees the refusal instead
# of a form), and the filing functions check the very same rules again.
# --------------------------------------------------------------------------------------------


def folio_request_rules(request_type: Any, folio: Folio, *, existing: Iterable[ChangeRequest],
                        today: date, kind: ExpiryChangeKind | None = None
                        ) -> tuple[BusinessRule, ...]:
    """The rules a folio must pass for a request of this type: the type's state rule, then no
    other request of the type En espera on the folio."""
    definition = request_type_of(request_type)
    if definition.targets_patient:
        raise ValueError(f"{definition.code} is not a folio request")
    return definition.filing_rules(folio, existing=existing, today=today, subtype=kind)


def patient_data_rules(patient: Patient, *, existing: Iterable[ChangeRequest]
                       ) -> tuple[BusinessRule, ...]:
    """The rules a record must pass for a cambio de datos: not merged into another record, and
    no other data change of it En espera."""
    return PATIENT_DATA.filing_rules(patient, existing=existing, today=date.min)


# --------------------------------------------------------------------------------------------
# Filing (each type's own ``file``)
# --------------------------------------------------------------------------------------------

file_patient_data_change = PATIENT_DATA.file
file_merge = MERGE.file
file_expiry_change = EXPIRY_CHANGE.file
file_unit_change = UNIT_CHANGE.file
file_requirement_change = REQUIREMENT_CHANGE.file


# --------------------------------------------------------------------------------------------
# Deciding
# --------------------------------------------------------------------------------------------


@attrs.frozen
class Approval:
    """What an approval changed: the (decided) request and the targets to persist."""

    request: ChangeRequest
    patients: tuple[Patient, ...] = ()
    folios: tuple[Folio, ...] = ()

    @property
    def outcome(self) -> dict[str, Any]:
        return self.request.outcome or {}


DEFAULT_CODES = tuple(code for code, _ in DEFAULT_REASONS)


def _check_reason(reason_code: str | None, active_codes: Iterable[str],
                  text: str | None = None) -> str:
    code = (reason_code or "").strip().upper() or None
    check_rule(ReasonMustBeInCatalog(code, active_codes))
    assert code is not None
    check_rule(OtherReasonNeedsText(code, text))
    return code


def reject(request: ChangeRequest, *, now: datetime, reviewer: str, reason: str | None = None,
           reason_code: str | None = OTHER_REASON,
           active_codes: Iterable[str] = DEFAULT_CODES) -> ChangeRequest:
    """No Validado with a coded reason of the catalog and the reviewer's optional text.
    Decisions are final (``Conflict`` otherwise)."""
    if not reviewer:
        raise ValueError("a decision records its reviewer")
    check_rule(RequestMustBePending(request))
    text = clean_text(reason, "motivo") or None
    code = _check_reason(reason_code, active_codes, text)
    request._decide(RequestStatus.REJECTED, by=reviewer, at=now, reason=text, outcome=None,
                    reason_code=code)
    return request


def pend(request: ChangeRequest, *, reason_code: str | None, active_codes: Iterable[str],
         missing: str, now: datetime, reviewer: str) -> ChangeRequest:
    """Requiere información: a coded reason and what is missing (required)."""
    if not reviewer:
        raise ValueError("a decision records its reviewer")
    check_rule(RequestMustBePending(request))
    text = clean_text(missing, "información faltante")
    code = _check_reason(reason_code, active_codes, text)
    check_rule(MissingInformationRequired(text))
    request.pend(reason_code=code, missing=text, by=reviewer, at=now)
    return request


def answer(request: ChangeRequest, *, note: str, attachments: Sequence[Attachment],
           now: datetime, director: str) -> ChangeRequest:
    """The director's answer (a note and new attachments): the request is En espera again."""
    text = clean_text(note, "nota")
    check_rule(AnswerNeedsNote(text))
    request.answer(note=text, attachments=attachments, by=director, at=now)
    return request


def cancel(request: ChangeRequest, *, reason_code: str | None, active_codes: Iterable[str],
           now: datetime, director: str, note: str | None = None) -> ChangeRequest:
    """Cancelada por la unidad (a coded reason, an optional note)."""
    text = clean_text(note, "nota") or None
    code = _check_reason(reason_code, active_codes, text)
    request.cancel(reason_code=code, note=text, by=director, at=now)
    return request


def approve(request: ChangeRequest, *, today: date, now: datetime, reviewer: str,
            modifications: Mapping[str, Any] | None = None, **targets: Any) -> Approval:
    """Validado: apply the requested change to its targets, atomically.

    ``targets``: what the type's ``check_approval`` needs (its ``approval_targets`` loads
    them): ``patient`` and ``same_nss`` (patient data); ``patient``, ``correct_patient`` and
    ``patient_folios`` (merge); ``folio`` for a folio request, with ``new_expiry`` /
    ``cancellation_date`` (expiry change) or ``medicine`` (requirement change).
    ``modifications``: a Validado con modificación (see ``authorize``; set it before loading
    the targets, which may depend on what is authorized).

    Raises ``Conflict`` when the request is already decided or its target changed since filing
    (expired, already changed, merged), ``ValidationError`` for a bad reviewer input (new
    expiry, a modification outside the rules), ``ValueError`` when the caller passes the wrong
    targets. Nothing is changed unless the approval succeeds.
    """
    if not reviewer:
        raise ValueError("a decision records its reviewer")
    check_rule(RequestMustBePending(request))
    if modifications:
        authorize(request, modifications)
    apply, patients, folios = request.definition.check_approval(request, today=today, now=now,
                                                                **targets)
    # every check passed: from here on, only mutations
    outcome = apply()
    authorized = request.authorized
    request._decide(RequestStatus.APPROVED, by=reviewer, at=now, reason=None, outcome=outcome)
    request.authorized = authorized
    return Approval(request, tuple(patients), tuple(folios))


def authorize(request: ChangeRequest, modifications: Mapping[str, Any]) -> None:
    """Validado con modificación: the values the reviewer authorizes instead of those
    requested (the type says which fields it lets the reviewer change and checks them like a
    filing's). The approval then applies and records them."""
    check_rule(RequestMustBePending(request))
    payload = request.definition.modified_payload(request, dict(modifications))
    authorized = payload.to_dict()
    # the same values as requested are no modification
    request.authorized = None if authorized == request.payload.to_dict() else authorized


def expire(request: ChangeRequest, *, reason_code: str, text: str, days: int,
           now: datetime) -> ChangeRequest:
    request.expire(reason_code=reason_code, text=text, days=days, now=now)
    return request


def next_expiry(requests: Iterable[ChangeRequest], days: int) -> datetime | None:
    """The earliest instant one of ``requests`` (awaiting information) expires; None when
    none can (nothing is due before then: the lazy expiry need not look until that instant)."""
    return min((d for d in (r.expires_at(days) for r in requests) if d is not None),
               default=None)


def undo_merge(request: ChangeRequest, *, record: Patient, correct: Patient,
               folios: Sequence[Folio], reason: str) -> MergeUndo:
    """Reverse an approved merge from its outcome (see ``MergeType.undo``)."""
    return MERGE.undo(request, record=record, correct=correct, folios=folios, reason=reason)


__all__ = [
    "next_expiry",
    "CANCELLATION_ACTION", "CANCELLATION_MOTIVES", "EXTENSION_MOTIVES", "OTHER",
    "REQUIREMENT_CHANGE_MOTIVES", "UNIT_CHANGE_MOTIVES", "Approval", "ChangeRequest",
    "ExpiryChangePayload", "MergePayload", "MergePreview", "MergeUndo", "PAYLOAD_TYPES",
    "Payload", "PatientDataChange", "RequestType", "RequirementChangePayload",
    "UnitChangePayload", "approve", "check_rules", "extension_window", "file_expiry_change",
    "file_merge", "file_patient_data_change", "file_requirement_change", "file_unit_change",
    "first_broken", "folio_request_rules", "folio_snapshot", "merge_snapshot",
    "merge_window_rules", "motives_for", "patient_data_rules", "patient_snapshot",
    "payload_from_dict", "preview_merge", "reject", "undo_merge", "pend", "answer", "cancel",
    "authorize", "expire",
]
