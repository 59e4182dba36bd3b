"""A record: one faltante (shortage) or excedente (surplus) of one product, in one modality,
at one medical unit.

``Record`` is the normalized, stored form (what reports, exports and the exchange matching
read). Its constructor enforces the rules that hold for a single record: monthly events and
monthly patients are whole numbers from 1 to ``MAX_QUANTITY``; a shortage has a ``Cause``
among the four of the guides; a surplus has none. Rules across records (one record per unit,
product and modality) belong to ``EntityReport``; the raw Paso 6 row lives in ``grid``.

``parse_quantity`` turns what a user typed into a whole number or a Spanish error; empty means
"no record", never zero.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from excedentes.domain.catalog import check_clues, normalize_clues
from excedentes.domain.rules import (
    CauseMustBeKnown,
    CauseRequiresShortage,
    QuantityAtLeastOne,
    QuantityAtMostMax,
    QuantityMustBeWholeNumber,
    ShortageRequiresCause,
)
from shared.kernel.errors import ValidationError
from shared.kernel.rules import BusinessRule, check_rule
from shared.kernel.text import fold_text


class Cause(str, enum.Enum):
    """Causa principal of a shortage; the value is the guides' wording."""

    LACK_OF_SERVICE = "Carencia de Servicio"
    LACK_OF_EQUIPMENT = "Falta de Equipo"
    LACK_OF_SUPPLIES = "Falta de Insumos"
    LACK_OF_STAFF = "Falta de Personal"

    @property
    def label(self) -> str:
        return self.value

    @classmethod
    def lookup(cls, raw: Any) -> "Cause | None":
        """The cause named by its label or its code, ignoring case and accents; else None."""
        if isinstance(raw, Cause):
            return raw
        key = fold_text(str(raw or ""))
        for cause in cls:
            if key in (fold_text(cause.value), fold_text(cause.name)):
                return cause
        return None

    @classmethod
    def parse(cls, raw: Any) -> "Cause":
        cause = cls.lookup(raw)
        if cause is None:
            rule = CauseMustBeKnown(str(raw or "?"), known=False)
            raise ValidationError(rule.get_message(), log_message=f"unknown cause {raw!r}")
        return cause


class RecordKind(str, enum.Enum):
    SHORTAGE = "faltante"
    SURPLUS = "excedente"

    @property
    def label(self) -> str:
        return "Faltante" if self is RecordKind.SHORTAGE else "Excedente"

    @property
    def plural_label(self) -> str:
        """The report's table titles: "Faltantes", "Excedentes"."""
        return self.label + "s"


class Modality(str, enum.Enum):
    OUTPATIENT = "ambulatorio"
    INPATIENT = "hospitalario"

    @property
    def label(self) -> str:
        """The reports' "Ambulatorio/Hospitalario" column."""
        return "Ambulatorio" if self is Modality.OUTPATIENT else "Hospitalario"

    @property
    def grid_label(self) -> str:
        """The Paso 6 column headings say "Ambulatoria" / "Hospitalaria"."""
        return "Ambulatoria" if self is Modality.OUTPATIENT else "Hospitalaria"


@attrs.frozen
class QuantityParse:
    """``value`` is None for an empty field or on ``error``."""

    value: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_quantity(raw: Any) -> QuantityParse:
    """A typed quantity: empty -> no value; else a whole number 1..MAX_QUANTITY or an error.

    Accepts surrounding spaces and thousands commas ("1,200"); refuses decimals, text, zero
    and negatives with the guides' wording ("cantidad mínima 1").
    """
    text = "" if raw is None else str(raw).strip()
    if not text:
        return QuantityParse(None)
    broken = _first_broken(QuantityMustBeWholeNumber(text))
    if broken:
        return QuantityParse(None, broken)
    value = int(text.replace(",", ""))
    broken = _first_broken(QuantityAtLeastOne(value), QuantityAtMostMax(value))
    return QuantityParse(None, broken) if broken else QuantityParse(value)


def _first_broken(*rules: BusinessRule) -> str | None:
    for rule in rules:
        if rule.is_broken():
            return rule.get_message()
    return None


def _quantity(_inst: object, attribute: attrs.Attribute, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(QuantityMustBeWholeNumber.message,
                              log_message=f"{attribute.name} is not an int: {value!r}")
    check_rule(QuantityAtLeastOne(value))
    check_rule(QuantityAtMostMax(value))


def _product_id(_inst: object, _attribute: attrs.Attribute, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError("Producto no válido.", log_message=f"bad product id {value!r}")


@attrs.frozen
class Record:
    clues: str = attrs.field(converter=normalize_clues)
    product_id: int = attrs.field(validator=_product_id)
    kind: RecordKind = attrs.field(converter=RecordKind)
    modality: Modality = attrs.field(converter=Modality)
    monthly_events: int = attrs.field(validator=_quantity)
    monthly_patients: int = attrs.field(validator=_quantity)
    cause: Cause | None = attrs.field(default=None, converter=attrs.converters.optional(Cause))

    def __attrs_post_init__(self) -> None:
        check_clues(self.clues)
        is_shortage = self.kind is RecordKind.SHORTAGE
        check_rule(ShortageRequiresCause(is_shortage, self.cause is not None))
        check_rule(CauseRequiresShortage(self.cause is not None, is_shortage))

    @property
    def key(self) -> tuple[str, int, RecordKind, Modality]:
        return (self.clues, self.product_id, self.kind, self.modality)

    @property
    def slot(self) -> tuple[str, int, Modality]:
        """At most one record per unit, product and modality (a shortage or a surplus)."""
        return (self.clues, self.product_id, self.modality)

    @property
    def sort_key(self) -> tuple[str, int, int, int]:
        """Unit, product, shortages before surpluses, outpatient before inpatient."""
        return (self.clues, self.product_id, self.kind is RecordKind.SURPLUS,
                self.modality is Modality.INPATIENT)
