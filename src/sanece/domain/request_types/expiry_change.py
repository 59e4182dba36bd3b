"""Cambio de fecha de vencimiento (S9), by its two subtypes: Baja de folio (a vigente folio is
cancelled on the fecha de baja) and Ampliación / prórroga (a Validada folio gets the Fecha final
the reviewer sets at approval)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

import attrs

from shared.kernel.rules import BusinessRule, check_rule

from sanece.domain.model import Folio
from sanece.domain.request_types.base import (
    OTHER,
    Apply,
    ChangeRequest,
    FieldChange,
    FolioRequestType,
    Subtype,
    check_filing,
    check_rules,
    day_text,
    iso,
    iso_day,
    parse_detail,
    parse_motive,
)
from sanece.domain.rules import (
    CancellationDateInRange,
    ExtensionNeedsValidatedFolio,
    FolioMustBeInForce,
    MotiveMustBeFromList,
    NewExpiryMustBeLater,
    NewExpiryNotInThePast,
    NewExpiryRequired,
    NewExpiryWithinLongestPeriod,
    PeriodMonthsInRange,
    recheck,
)
from sanece.domain.values import (
    Attachment,
    EvaluationStatus,
    ExpiryChangeKind,
    add_months,
    format_date,
)

EXTENSION_MOTIVES: tuple[str, ...] = (
    "Desabasto",
    "Retraso en el inicio del tratamiento",
    "Suspensión temporal del tratamiento",
    "Diferimiento de la cita con el médico tratante",
    OTHER,
)
CANCELLATION_MOTIVES: tuple[str, ...] = (
    "Reacción adversa al medicamento",
    "Falta de respuesta al tratamiento",
    "Cambio de tratamiento",
    "Término del tratamiento",
    "Abandono del tratamiento",
    "Defunción",
    "Pérdida de vigencia de derechos",
    OTHER,
)
CANCELLATION_ACTION = "La baja de folio"
EXTENSION_FINAL_PENDING = "(la fija la Jefatura de área de Catálogo II al validar)"


def _motives(kind: ExpiryChangeKind) -> tuple[str, ...]:
    return EXTENSION_MOTIVES if kind is ExpiryChangeKind.EXTENSION else CANCELLATION_MOTIVES


@attrs.frozen(kw_only=True)
class ExpiryChangePayload:
    """Baja de folio or ampliación (prórroga) de fecha de vencimiento."""

    kind: ExpiryChangeKind = attrs.field(converter=ExpiryChangeKind)
    motive: str
    detail: str = attrs.field(converter=parse_detail)

    def __attrs_post_init__(self) -> None:
        check_rule(MotiveMustBeFromList(self.motive, _motives(self.kind)))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "motive": self.motive, "detail": self.detail}


def extension_window(current_expiry: date | None, today: date) -> tuple[date, date]:
    """(earliest, latest) Fecha final an ampliación may set: after the current fecha de
    vencimiento and not before today; at most the longest evaluation period (60 months) after
    the current fecha de vencimiento, or after today when that date already passed."""
    base = max(current_expiry, today) if current_expiry is not None else today
    earliest = max(current_expiry + timedelta(days=1), today) if current_expiry else today
    return earliest, add_months(base, PeriodMonthsInRange.MAX)


class ExpiryChangeType(FolioRequestType):
    member = "EXPIRY_CHANGE"
    code = "expiry_change"
    slug = "fecha-vencimiento"
    cli_name = "fecha-vencimiento"
    label = "Cambio de fecha de vencimiento"
    section_title = "Cambio de fecha de vencimiento"
    description = "Baja de folio o ampliación de fecha de vencimiento."
    payload_class = ExpiryChangePayload
    subtypes = (
        Subtype(ExpiryChangeKind.EXTENSION.value, ExpiryChangeKind.EXTENSION.label, "ampliacion"),
        Subtype(ExpiryChangeKind.CANCELLATION.value, ExpiryChangeKind.CANCELLATION.label,
                "baja"),
    )
    action = CANCELLATION_ACTION

    def subtype_of(self, payload: Any) -> Any:
        return payload.kind

    def motives(self, subtype: Any = None) -> tuple[str, ...]:
        if subtype is None:
            raise ValueError("an expiry change needs its kind to list motives")
        return _motives(ExpiryChangeKind(subtype))

    def state_rule(self, folio: Folio, today: date, subtype: Any) -> BusinessRule:
        """Ampliación: a Validada folio; baja: a vigente one."""
        if subtype is None:
            raise ValueError("an expiry change needs its kind")
        if ExpiryChangeKind(subtype) is ExpiryChangeKind.EXTENSION:
            return ExtensionNeedsValidatedFolio(folio)
        return FolioMustBeInForce(folio, today, CANCELLATION_ACTION)

    def snapshot_fields(self, folio: Folio) -> dict[str, Any]:
        return {"expiry_date": iso(folio.expiry_date)}

    def file(self, folio: Folio, kind: ExpiryChangeKind, *, motive: str, detail: str,
             attachments: Sequence[Attachment], existing: Iterable[ChangeRequest],
             today: date, filed_by: str, filed_at: datetime,
             unit_id: int | None = None) -> ChangeRequest:
        """Motive from the kind's list, detail, 1-3 attachments."""
        kind = ExpiryChangeKind(kind)
        check_filing(filed_by)
        check_rules(self.filing_rules(folio, existing=existing, today=today, subtype=kind))
        payload = ExpiryChangePayload(kind=kind, motive=parse_motive(motive, _motives(kind)),
                                      detail=detail)
        return self.new_request(folio, payload, attachments, filed_by, filed_at, unit_id)

    def check_folio_approval(self, request: ChangeRequest, folio: Folio, today: date,
                             targets: Mapping[str, Any]) -> Apply:
        """``new_expiry``: the Fecha final the reviewer sets (an extension);
        ``cancellation_date``: the fecha de baja (default: today)."""
        payload: ExpiryChangePayload = request.payload
        new_expiry: date | None = targets.get("new_expiry")
        if payload.kind is ExpiryChangeKind.EXTENSION:
            recheck(ExtensionNeedsValidatedFolio(folio))
            self.check_unchanged(request, folio)
            check_rule(NewExpiryRequired(new_expiry))
            assert new_expiry is not None
            check_rule(NewExpiryMustBeLater(folio.expiry_date, new_expiry))
            check_rule(NewExpiryNotInThePast(new_expiry, today))
            check_rule(NewExpiryWithinLongestPeriod(
                new_expiry, folio.expiry_date, today,
                extension_window(folio.expiry_date, today)[1]))

            def extend() -> dict[str, Any]:
                previous = folio.expiry_date
                folio.extend(new_expiry)
                return {"kind": payload.kind.value, "previous_expiry": iso(previous),
                        "new_expiry": iso(new_expiry)}

            return extend
        recheck(FolioMustBeInForce(folio, today, CANCELLATION_ACTION))
        self.check_unchanged(request, folio)
        cancellation_date: date | None = targets.get("cancellation_date")
        on = cancellation_date if cancellation_date is not None else today
        check_rule(CancellationDateInRange(on, folio.evaluation_date, today))

        def cancel() -> dict[str, Any]:
            previous_status, previous_expiry = folio.status, folio.expiry_date
            folio.cancel(on)
            return {"kind": payload.kind.value, "previous_status": previous_status.value,
                    "previous_expiry": iso(previous_expiry), "cancellation_date": iso(on)}

        return cancel

    def final_date(self, request: ChangeRequest) -> date | None:
        if request.outcome is None:
            return None
        return iso_day(request.outcome.get("new_expiry")
                       or request.outcome.get("cancellation_date"))

    def row_columns(self, request: ChangeRequest, units: Mapping[int, Any]) -> dict[str, Any]:
        original_expiry = iso_day(request.snapshot.get("expiry_date"))
        return {**self.motive_column(request), "original_expiry": original_expiry,
                "original": format_date(original_expiry),
                "requested": self.requested_text(request)}

    def requested_text(self, request: ChangeRequest) -> str:
        """Datos solicitados: the final date once decided; before, what was asked (an
        ampliación's date is set by the reviewer, a baja ends the folio)."""
        if request.final_date is not None:
            return format_date(request.final_date)
        payload: ExpiryChangePayload = request.payload
        if payload.kind is ExpiryChangeKind.EXTENSION:
            return f"Ampliación de la fecha de vencimiento {EXTENSION_FINAL_PENDING}"
        return "Baja del folio (fecha de baja al validar)"

    def requested_changes(self, request: ChangeRequest, units: Mapping[int, Any]
                          ) -> tuple[FieldChange, ...]:
        snap = request.snapshot
        before = format_date(iso_day(snap.get("expiry_date")))
        if request.payload.kind is ExpiryChangeKind.EXTENSION:
            final = format_date(request.final_date) if request.final_date else (
                EXTENSION_FINAL_PENDING if request.is_pending else "")
            return (FieldChange("Fecha de vencimiento", before, final),)
        return (FieldChange("Estatus", EvaluationStatus(snap["status"]).label,
                            EvaluationStatus.CANCELLED.label),
                FieldChange("Fecha de baja", "", format_date(request.final_date)))

    def applied_changes(self, outcome: Mapping[str, Any], unit_names: Mapping[int, str]
                        ) -> tuple[FieldChange, ...]:
        if outcome.get("kind") == ExpiryChangeKind.EXTENSION.value:
            return (FieldChange("Fecha de vencimiento", day_text(outcome.get("previous_expiry")),
                                day_text(outcome.get("new_expiry"))),)
        return (FieldChange("Estatus", "Validada", "Baja"),
                FieldChange("Fecha de baja", "", day_text(outcome.get("cancellation_date"))))


TYPE = ExpiryChangeType()

__all__ = ["CANCELLATION_ACTION", "CANCELLATION_MOTIVES", "EXTENSION_MOTIVES", "TYPE",
           "ExpiryChangePayload", "ExpiryChangeType", "extension_window"]
