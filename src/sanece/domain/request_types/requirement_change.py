"""Cambio de requerimiento (S11): the requested claves and cantidades *replace* the folio's
(no clave 2 removes it) and the requested requerimiento replaces its text; claves of the
folio's genérico, something must really change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

import attrs

from shared.kernel.rules import check_rule

from sanece.domain.model import Folio, Medicine
from sanece.domain.request_types.base import (
    OTHER,
    Apply,
    ApprovalSource,
    ChangeRequest,
    FieldChange,
    FolioRequestType,
    check_filing,
    check_rules,
    keys_label,
    parse_detail,
    parse_motive,
)
from sanece.domain.rules import (
    DrugKeyMustBelongToMedicine,
    DrugKeysMustDiffer,
    MotiveMustBeFromList,
    RequirementChangeMustChangeSomething,
    TextRequired,
    recheck,
)
from sanece.domain.values import Attachment, DrugQuantity, clean_text

REQUIREMENT_CHANGE_MOTIVES: tuple[str, ...] = (
    "Ajuste de dosis",
    "Cambio de presentación",
    "Corrección del requerimiento registrado",
    OTHER,
)
REQUIREMENT_LINES = (("key1", "Clave 1"), ("quantity1", "Cantidad clave 1"),
                     ("key2", "Clave 2"), ("quantity2", "Cantidad clave 2"),
                     ("requirement", "Requerimiento"))


@attrs.frozen(kw_only=True)
class RequirementChangePayload:
    """Cambio de requerimiento: the requested claves and cantidades *replace* the folio's
    (key2=None removes a clave 2) and the requested requerimiento replaces its text."""

    motive: str
    detail: str = attrs.field(converter=parse_detail)
    key1: DrugQuantity
    key2: DrugQuantity | None = None
    requirement: str = attrs.field(converter=lambda v: clean_text(v, "requerimiento"))

    def __attrs_post_init__(self) -> None:
        check_rule(MotiveMustBeFromList(self.motive, REQUIREMENT_CHANGE_MOTIVES))
        check_rule(DrugKeysMustDiffer(self.key1.key, self.key2.key if self.key2 else None))
        check_rule(TextRequired(self.requirement, "El requerimiento es obligatorio."))

    def requirement_data(self) -> dict[str, Any]:
        return {
            "key1": self.key1.key, "quantity1": self.key1.quantity,
            "key2": self.key2.key if self.key2 else None,
            "quantity2": self.key2.quantity if self.key2 else None,
            "requirement": self.requirement,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"motive": self.motive, "detail": self.detail, **self.requirement_data()}


def _check_folio_medicine(folio: Folio, medicine: Medicine | None) -> Medicine:
    if medicine is None:
        raise ValueError(f"the genérico of folio {folio.number} is needed")
    if medicine.id != folio.medicine_id:
        raise ValueError(f"medicine {medicine.id} is not the genérico of folio {folio.number}")
    return medicine


def _check_requested_keys(payload: RequirementChangePayload, medicine: Medicine, *,
                          at_decision: bool) -> None:
    for k in (payload.key1, payload.key2):
        if k is None:
            continue
        rule = DrugKeyMustBelongToMedicine(k.key, medicine.key_codes, medicine.name)
        if at_decision:
            recheck(rule)
        else:
            check_rule(rule)


def _lines(before: Mapping[str, Any], after: Mapping[str, Any], *, only_changed: bool
           ) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(label, str(before.get(k) or ""), str(after.get(k) or ""))
                 for k, label in REQUIREMENT_LINES
                 if not only_changed or before.get(k) != after.get(k))


class RequirementChangeType(FolioRequestType):
    member = "REQUIREMENT_CHANGE"
    code = "requirement_change"
    slug = "requerimiento"
    cli_name = "requerimiento"
    label = "Cambio de requerimiento"
    section_title = "Cambio de requerimiento"
    description = "Corrección de dosis y/o requerimiento."
    payload_class = RequirementChangePayload
    action = "El cambio de requerimiento"
    files_from_fields = False  # its filing loads the folio's genérico
    modifiable = ("key1", "quantity1", "key2", "quantity2", "requirement")

    def field_label(self, name: str) -> str:
        return dict(REQUIREMENT_LINES).get(name, name)

    def parse_payload(self, data: Mapping[str, Any]) -> Any:
        d = dict(data)
        key2 = (DrugQuantity(d["key2"], d["quantity2"]) if d.get("key2") is not None else None)
        return RequirementChangePayload(motive=d["motive"], detail=d["detail"],
                                        key1=DrugQuantity(d["key1"], d["quantity1"]), key2=key2,
                                        requirement=d["requirement"])

    def motives(self, subtype: Any = None) -> tuple[str, ...]:
        return REQUIREMENT_CHANGE_MOTIVES

    def snapshot_fields(self, folio: Folio) -> dict[str, Any]:
        return folio.requirement_data()

    def file(self, folio: Folio, medicine: Medicine, *, key1: DrugQuantity, requirement: str,
             motive: str, detail: str, attachments: Sequence[Attachment],
             existing: Iterable[ChangeRequest], today: date, filed_by: str,
             filed_at: datetime, key2: DrugQuantity | None = None,
             unit_id: int | None = None) -> ChangeRequest:
        """A vigente folio; claves among the folio's genérico's, quantities >= 1,
        requerimiento text; something must really change."""
        check_filing(filed_by)
        _check_folio_medicine(folio, medicine)
        check_rules(self.filing_rules(folio, existing=existing, today=today))
        payload = RequirementChangePayload(
            motive=parse_motive(motive, REQUIREMENT_CHANGE_MOTIVES), detail=detail,
            key1=key1, key2=key2, requirement=requirement)
        _check_requested_keys(payload, medicine, at_decision=False)
        check_rule(RequirementChangeMustChangeSomething(folio.requirement_data(),
                                                        payload.requirement_data()))
        return self.new_request(folio, payload, attachments, filed_by, filed_at, unit_id)

    def more_targets(self, request: ChangeRequest, folio: Folio, source: ApprovalSource
                     ) -> dict[str, Any]:
        return {"medicine": source.medicine(folio.medicine_id)}

    def check_folio_approval(self, request: ChangeRequest, folio: Folio, today: date,
                             targets: Mapping[str, Any]) -> Apply:
        """``medicine``: the folio's genérico."""
        payload: RequirementChangePayload = request.applied_payload
        medicine = _check_folio_medicine(folio, targets.get("medicine"))
        recheck(self.state_rule(folio, today, None))
        self.check_unchanged(request, folio)
        # a clave the reviewer authorized is that reviewer's input (a plain refusal), one the
        # director asked for is checked again (a conflict)
        _check_requested_keys(payload, medicine, at_decision=not request.modified)

        def change() -> dict[str, Any]:
            before = folio.requirement_data()
            folio.change_requirement(medicine=medicine, key1=payload.key1, key2=payload.key2,
                                     requirement=payload.requirement)
            return {"before": before, "after": folio.requirement_data()}

        return change

    def row_columns(self, request: ChangeRequest, units: Mapping[int, Any]) -> dict[str, Any]:
        snap, payload = request.snapshot, request.payload
        original = snap.get("requirement") or ""
        return {**self.motive_column(request), "original_requirement": original,
                "original_keys": keys_label(snap), "requested_requirement": payload.requirement,
                "requested_keys": keys_label(payload.requirement_data()),
                "original": original, "requested": payload.requirement}

    def requested_changes(self, request: ChangeRequest, units: Mapping[int, Any]
                          ) -> tuple[FieldChange, ...]:
        return _lines(request.snapshot, request.payload.requirement_data(), only_changed=False)

    def applied_changes(self, outcome: Mapping[str, Any], unit_names: Mapping[int, str]
                        ) -> tuple[FieldChange, ...]:
        return _lines(outcome.get("before", {}), outcome.get("after", {}), only_changed=True)


TYPE = RequirementChangeType()

__all__ = ["REQUIREMENT_CHANGE_MOTIVES", "TYPE", "RequirementChangePayload",
           "RequirementChangeType"]
