"""Cambio de unidad médica (S10): a vigente folio moves to a destination unit (of the chosen
OOAD/UMAE) other than its own."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

import attrs

from shared.kernel.errors import Conflict
from shared.kernel.rules import check_rule

from sanece.domain.model import Folio, MedicalUnit
from sanece.domain.request_types.base import (
    OTHER,
    Apply,
    ApprovalSource,
    ChangeRequest,
    FieldChange,
    FolioRequestType,
    check_filing,
    check_rules,
    parse_detail,
    parse_motive,
)
from sanece.domain.rules import DestinationUnitMustDiffer, MotiveMustBeFromList, recheck
from sanece.domain.values import Attachment

UNIT_CHANGE_MOTIVES: tuple[str, ...] = (
    "Contrarreferencia",
    "Referencia a otra unidad médica",
    "Cambio de domicilio del paciente",
    OTHER,
)
DESTINATION_GONE = ("No se puede validar la solicitud: la unidad médica de destino ya no "
                    "existe. Márcala como No Validado.")


@attrs.frozen(kw_only=True)
class UnitChangePayload:
    """Cambio de unidad médica: destination OOAD/UMAE and unit."""

    motive: str
    detail: str = attrs.field(converter=parse_detail)
    destination_ooad_id: int
    destination_unit_id: int

    def __attrs_post_init__(self) -> None:
        check_rule(MotiveMustBeFromList(self.motive, UNIT_CHANGE_MOTIVES))

    def to_dict(self) -> dict[str, Any]:
        return {"motive": self.motive, "detail": self.detail,
                "destination_ooad_id": self.destination_ooad_id,
                "destination_unit_id": self.destination_unit_id}


def _unit_text(units: Mapping[int, Any], unit_id: Any) -> str:
    unit = units.get(int(unit_id)) if unit_id is not None else None
    return unit.label if unit else ""


class UnitChangeType(FolioRequestType):
    member = "UNIT_CHANGE"
    code = "unit_change"
    slug = "unidad-medica"
    cli_name = "unidad"
    label = "Cambio de unidad médica"
    section_title = "Cambio de unidad médica"
    description = "Aplica para folios que están vigentes."
    payload_class = UnitChangePayload
    action = "El cambio de unidad médica"
    files_from_fields = False  # its filing loads the destination unit

    def motives(self, subtype: Any = None) -> tuple[str, ...]:
        return UNIT_CHANGE_MOTIVES

    def snapshot_fields(self, folio: Folio) -> dict[str, Any]:
        return {"unit_id": folio.unit_id}

    def file(self, folio: Folio, destination: MedicalUnit, *, motive: str, detail: str,
             attachments: Sequence[Attachment], existing: Iterable[ChangeRequest],
             today: date, filed_by: str, filed_at: datetime,
             unit_id: int | None = None) -> ChangeRequest:
        """A vigente folio, a destination other than its unit."""
        check_filing(filed_by)
        check_rules(self.filing_rules(folio, existing=existing, today=today))
        check_rule(DestinationUnitMustDiffer(folio.unit_id, destination.id))
        payload = UnitChangePayload(motive=parse_motive(motive, UNIT_CHANGE_MOTIVES),
                                    detail=detail, destination_ooad_id=destination.ooad_id,
                                    destination_unit_id=destination.id)
        return self.new_request(folio, payload, attachments, filed_by, filed_at, unit_id)

    def more_targets(self, request: ChangeRequest, folio: Folio, source: ApprovalSource
                     ) -> dict[str, Any]:
        if not source.unit_exists(request.payload.destination_unit_id):
            raise Conflict(DESTINATION_GONE)
        return {}

    def check_folio_approval(self, request: ChangeRequest, folio: Folio, today: date,
                             targets: Mapping[str, Any]) -> Apply:
        payload: UnitChangePayload = request.payload
        recheck(self.state_rule(folio, today, None))
        self.check_unchanged(request, folio)
        recheck(DestinationUnitMustDiffer(folio.unit_id, payload.destination_unit_id))

        def move() -> dict[str, Any]:
            previous = folio.unit_id
            folio.move_to_unit(payload.destination_unit_id)
            return {"from_unit_id": previous, "to_unit_id": payload.destination_unit_id,
                    "to_ooad_id": payload.destination_ooad_id}

        return move

    def unit_ids(self, request: ChangeRequest) -> set[int]:
        ids = {request.payload.destination_unit_id}
        if request.snapshot.get("unit_id") is not None:
            ids.add(int(request.snapshot["unit_id"]))
        return ids

    def row_columns(self, request: ChangeRequest, units: Mapping[int, Any]) -> dict[str, Any]:
        dest = units.get(request.payload.destination_unit_id)
        return {**self.motive_column(request),
                "destination_ooad": dest.ooad_name if dest else "",
                "destination_unit": dest.name if dest else "",
                "original": _unit_text(units, request.snapshot.get("unit_id")),
                "requested": dest.label if dest else ""}

    def requested_changes(self, request: ChangeRequest, units: Mapping[int, Any]
                          ) -> tuple[FieldChange, ...]:
        return (FieldChange("Unidad médica", _unit_text(units, request.snapshot.get("unit_id")),
                            _unit_text(units, request.payload.destination_unit_id)),)

    def outcome_unit_ids(self, outcome: Mapping[str, Any]) -> set[int]:
        return {int(outcome[k]) for k in ("from_unit_id", "to_unit_id")
                if outcome.get(k) is not None}

    def applied_changes(self, outcome: Mapping[str, Any], unit_names: Mapping[int, str]
                        ) -> tuple[FieldChange, ...]:
        before, after = outcome.get("from_unit_id"), outcome.get("to_unit_id")
        return (FieldChange("Unidad médica", unit_names.get(before, str(before)),
                            unit_names.get(after, str(after))),)


TYPE = UnitChangeType()

__all__ = ["DESTINATION_GONE", "TYPE", "UNIT_CHANGE_MOTIVES", "UnitChangePayload",
           "UnitChangeType"]
