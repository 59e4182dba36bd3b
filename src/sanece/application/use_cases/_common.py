"""What every sanece use case shares: the base class, loading folios, patients and requests
inside a unit of work with the scope rules, and writing the audit entry in the same
transaction."""

from __future__ import annotations

from typing import Any

import attrs

from sanece.application.access import (
    FOLIO_NOT_FOUND,
    PATIENT_NOT_FOUND,
    REQUEST_NOT_FOUND,
    Actor,
    director_unit,
    require_sanece,
    require_visible,
    sees_any_unit,
    sees_all,
    sees_unit,
)
from sanece.application.inputs import known_id
from sanece.application.ports import SaneceUnitOfWork, UnitOfWorkFactory
from sanece.domain.model import Folio, Patient
from sanece.domain.requests import ChangeRequest
from sanece.domain.values import format_date, parse_folio_number
from shared.audit.domain import record_action
from shared.kernel.clock import Clock

FOLIO_TARGET = "sanece_folio"
PATIENT_TARGET = "sanece_patient"
REQUEST_TARGET = "sanece_request"


@attrs.define
class UseCase:
    """A use case: one transaction of ``uow_factory()``; time from ``clock``."""

    uow_factory: UnitOfWorkFactory
    clock: Clock


def load_folio(uow: SaneceUnitOfWork, actor: Actor, number: str, *,
               for_update: bool = False) -> Folio:
    """The folio by its 11 digits (``ValidationError`` for a malformed number), or the same
    NotFound for a missing folio and for one of another unit."""
    require_sanece(actor.scope)
    folio = uow.folios.get(parse_folio_number(number), for_update=for_update)
    require_visible(folio, folio is not None and sees_unit(actor.scope, folio.unit_id),
                    FOLIO_NOT_FOUND)
    assert folio is not None
    return folio


def patient_visible(uow: SaneceUnitOfWork, actor: Actor, patient: Patient) -> bool:
    if sees_all(actor.scope):
        return True
    if director_unit(actor.scope) is None or patient.id is None:
        return False
    return sees_any_unit(actor.scope, uow.patients.units_of(patient.id))


def load_patient(uow: SaneceUnitOfWork, actor: Actor, patient_id: int, *,
                 for_update: bool = False) -> Patient:
    """The record, or the same NotFound for a missing one and for one without folios in the
    director's unit."""
    require_sanece(actor.scope)
    patient = uow.patients.get(known_id(patient_id), for_update=for_update)
    require_visible(patient, patient is not None and patient_visible(uow, actor, patient),
                    PATIENT_NOT_FOUND)
    assert patient is not None
    return patient


def request_visible(actor: Actor, request: ChangeRequest) -> bool:
    """A director sees the requests their unit filed; central roles see every request."""
    if sees_all(actor.scope):
        return True
    own = director_unit(actor.scope)
    return own is not None and request.unit_id == own


def load_request(uow: SaneceUnitOfWork, actor: Actor, request_id: int, *,
                 for_update: bool = False) -> ChangeRequest:
    require_sanece(actor.scope)
    request = uow.requests.get(known_id(request_id), for_update=for_update)
    require_visible(request, request is not None and request_visible(actor, request),
                    REQUEST_NOT_FOUND)
    assert request is not None
    return request


def audit(uow: SaneceUnitOfWork, clock: Clock, actor: Actor, action: str, target_type: str,
          target_id: str, **changes: Any) -> None:
    """Record the audit entry inside the caller's transaction (``sanece.<action>``;
    ``before``, ``after``, ``reason`` as in ``shared.audit.domain.record_action``)."""
    record_action(uow.audit, clock, actor, f"sanece.{action}", target_type, target_id,
                  **changes)


def folio_values(folio: Folio) -> dict[str, Any]:
    """What a folio's evaluation holds now (shown beside the stale page's typed values)."""
    return {"status": folio.status.value, "status_label": folio.status.label,
            "period_months": folio.period_months,
            "expiry_date": format_date(folio.expiry_date) or None,
            **folio.requirement_data(), "observations": folio.observations}
