"""Rows <-> domain objects, explicitly, so that loading re-runs the domain's validation, and the
search keys the tables keep."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import sqlalchemy as sa

from sanece.domain.feedback import Feedback
from sanece.domain.model import PATIENT_FIELDS, Folio, MedicalUnit, Medicine, Ooad, Patient
from sanece.domain.decisions import InfoRound
from sanece.domain.request_types import ChangeRequest, request_type_of
from sanece.domain.values import Attachment, DrugKey, DrugQuantity
from shared.kernel.text import search_key


def like(term: str) -> str:
    """A LIKE pattern for an already folded term (its wildcards escaped with ``\\``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, term: str) -> sa.ColumnElement[bool]:
    return column.like(like(term), escape="\\")


# --------------------------------------------------------------------------- catalog


def ooad_from(r: Any) -> Ooad:
    return Ooad(id=int(r.id), name=r.name)


def unit_from(r: Any) -> MedicalUnit:
    return MedicalUnit(id=int(r.id), ooad_id=int(r.ooad_id), name=r.name)


def medicine_from(r: Any, keys: Sequence[Any]) -> Medicine:
    return Medicine(id=int(r.id), name=r.name,
                    keys=tuple(DrugKey(k.code, k.description or "") for k in keys))


# --------------------------------------------------------------------------- patients


def patient_from(r: Any) -> Patient:
    return Patient(id=int(r.id), nss=r.nss, aggregate=r.aggregate,
                   paternal_surname=r.paternal_surname, maternal_surname=r.maternal_surname,
                   given_names=r.given_names,
                   merged_into=int(r.merged_into) if r.merged_into is not None else None,
                   merged_at=r.merged_at, version=int(r.version), changed_by=r.changed_by,
                   changed_at=r.changed_at)


def patient_search_key(p: Patient) -> str:
    return search_key(p.given_names, p.paternal_surname, p.maternal_surname, p.nss,
                      p.aggregate, f"{p.nss}-{p.aggregate}")


def patient_values(p: Patient) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(p, name) for name in PATIENT_FIELDS}
    out.update(merged_into=p.merged_into, merged_at=p.merged_at, version=p.version,
               changed_by=p.changed_by, changed_at=p.changed_at,
               search_key=patient_search_key(p))
    return out


# --------------------------------------------------------------------------- folios


def _drug(key: Any, quantity: Any) -> DrugQuantity | None:
    return DrugQuantity(key, int(quantity)) if key is not None else None


def folio_from(r: Any) -> Folio:
    return Folio(number=r.number, medicine_id=int(r.medicine_id),
                 evaluation_date=r.evaluation_date, unit_id=int(r.unit_id),
                 patient_id=int(r.patient_id), diagnosis=r.diagnosis or "", status=r.status,
                 key1=_drug(r.key1, r.quantity1), key2=_drug(r.key2, r.quantity2),
                 requirement=r.requirement or "", observations=r.observations or "",
                 period_months=r.period_months, expiry_date=r.expiry_date,
                 cancellation_date=r.cancellation_date, version=int(r.version),
                 changed_by=r.changed_by, changed_at=r.changed_at)


def folio_values(f: Folio) -> dict[str, Any]:
    return {"number": f.number, "medicine_id": f.medicine_id,
            "evaluation_date": f.evaluation_date, "unit_id": f.unit_id,
            "patient_id": f.patient_id, "diagnosis": f.diagnosis, "status": f.status.value,
            "key1": f.key1.key if f.key1 else None,
            "quantity1": f.key1.quantity if f.key1 else None,
            "key2": f.key2.key if f.key2 else None,
            "quantity2": f.key2.quantity if f.key2 else None,
            "requirement": f.requirement, "observations": f.observations,
            "period_months": f.period_months, "expiry_date": f.expiry_date,
            "cancellation_date": f.cancellation_date, "version": f.version,
            "changed_by": f.changed_by, "changed_at": f.changed_at}


# --------------------------------------------------------------------------- requests


def request_from(r: Any) -> ChangeRequest:
    request_type = request_type_of(r.type)  # its payload from the JSON column
    return ChangeRequest(
        id=int(r.id), type=request_type.code, folio_number=r.folio_number,
        patient_id=int(r.patient_id) if r.patient_id is not None else None,
        unit_id=int(r.unit_id) if r.unit_id is not None else None,
        payload=request_type.parse_payload(r.payload or {}), snapshot=dict(r.snapshot or {}),
        attachments=tuple(Attachment.from_dict(a) for a in (r.attachments or ())),
        filed_by=r.filed_by, filed_at=r.filed_at, status=r.status, reason=r.reason,
        decided_by=r.decided_by, decided_at=r.decided_at,
        outcome=dict(r.outcome) if r.outcome is not None else None,
        reason_code=r.reason_code,
        authorized=dict(r.authorized) if r.authorized is not None else None,
        info_rounds=tuple(InfoRound.from_dict(d) for d in (r.info_rounds or ())))


def _strings(value: Any) -> Iterator[str]:
    """Every text in a JSON-ready value (what a search of the request may match)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def request_search_key(req: ChangeRequest) -> str:
    texts = list(_strings(req.snapshot)) + list(_strings(req.payload.to_dict()))
    nss_pairs = [f"{d.get('nss')}-{d.get('aggregate')}"
                 for d in req.definition.search_patients(req)]
    return search_key(req.folio_number, req.type_label, *texts, *nss_pairs)


def request_values(req: ChangeRequest) -> dict[str, Any]:
    return {
        "type": req.type.value, "kind": req.kind.value if req.kind else None,
        "status": req.status.value, "target_ref": req.target_key[1],
        "folio_number": req.folio_number, "patient_id": req.patient_id,
        "unit_id": req.unit_id, "payload": req.payload.to_dict(), "snapshot": req.snapshot,
        "attachments": [a.to_dict() for a in req.attachments], "filed_by": req.filed_by,
        "filed_at": req.filed_at, "reason": req.reason, "decided_by": req.decided_by,
        "decided_at": req.decided_at, "outcome": req.outcome,
        "search_key": request_search_key(req), **_decision_extras(req),
    }


def _decision_extras(req: ChangeRequest) -> dict[str, Any]:
    open_round = req.open_round
    return {"reason_code": req.reason_code, "authorized": req.authorized,
            "info_rounds": [r.to_dict() for r in req.info_rounds] or None,
            "pended_at": open_round.requested_at if open_round else None}


def decision_values(req: ChangeRequest) -> dict[str, Any]:
    return {"status": req.status.value, "reason": req.reason, "decided_by": req.decided_by,
            "decided_at": req.decided_at, "outcome": req.outcome, **_decision_extras(req)}


# --------------------------------------------------------------------------- feedback


def feedback_values(f: Feedback) -> dict[str, Any]:
    return {"kind": f.kind.value, "text": f.text, "author": f.author, "role": f.role,
            "unit_id": f.unit_id, "submitted_at": f.submitted_at}


__all__ = [
    "contains", "decision_values", "feedback_values", "folio_from", "folio_values", "like",
    "medicine_from", "ooad_from", "patient_from", "patient_search_key", "patient_values",
    "request_from", "request_values", "unit_from",
]
