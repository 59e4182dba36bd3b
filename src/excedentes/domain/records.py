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
    CLUES_RE,
    MAX_QUANTITY,
    MIN_QUANTITY,
    CauseMustBeKnown,
    CauseRequiresShortage,
    QuantityAtLeastOne,
    QuantityAtMostMax,
    QuantityMustBeWholeNumber,
    ShortageRequiresCause,
)
from shared.kernel.errors import ValidationError
from shared.kernel.frozen import assembler
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
        exact = _CAUSES.get(raw) if type(raw) is str else None
        return exact if exact is not None else _CAUSE_KEYS.get(fold_text(str(raw or "")))

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
    if text.isascii() and text.isdigit() and len(text) <= 12:  # the usual "12": no rule objects
        value = int(text)
        if MIN_QUANTITY <= value <= MAX_QUANTITY:
            return QuantityParse(value)
    broken = _first_broken(QuantityMustBeWholeNumber(text))
    if broken:
        return QuantityParse(None, broken)
    value = int(text.replace(",", ""))
    broken = _first_broken(QuantityAtLeastOne(value), QuantityAtMostMax(value))
    return QuantityParse(None, broken) if broken else QuantityParse(value)


def quantity_value(raw: str) -> int | None:
    """``parse_quantity(raw).value``: the usual "12" without a ``QuantityParse`` (a 2,857-row
    grid's save reads two or three per row, several times)."""
    if raw.isdigit() and raw.isascii() and len(raw) <= 12:
        value = int(raw)
        return value if MIN_QUANTITY <= value <= MAX_QUANTITY else None
    return parse_quantity(raw).value


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

    @classmethod
    def checked(cls, clues: str, product_id: int, kind: Any, modality: Any,
                monthly_events: int, monthly_patients: int, cause: Any = None) -> "Record":
        """The constructor's checks as plain comparisons, for the bulk paths (a 2,857-row
        grid, an entity's stored records) where building a rule object per field was most
        of the time. Anything the fast test does not accept goes through ``Record(...)``,
        which normalizes it or raises the rule's own error: same result, same messages."""
        k = _KINDS.get(kind)
        m = _MODALITIES.get(modality)
        c = None if cause is None else _CAUSES.get(cause)
        if (k is None or m is None or (cause is not None and c is None)
                or type(product_id) is not int or type(monthly_events) is not int
                or type(monthly_patients) is not int
                or not MIN_QUANTITY <= monthly_events <= MAX_QUANTITY
                or not MIN_QUANTITY <= monthly_patients <= MAX_QUANTITY
                or (k is RecordKind.SHORTAGE) is (c is None)
                or type(clues) is not str or not CLUES_RE.fullmatch(clues)):
            return cls(clues=clues, product_id=product_id, kind=kind, modality=modality,
                       monthly_events=monthly_events, monthly_patients=monthly_patients,
                       cause=cause)
        return cls.trusted(clues, product_id, k, m, monthly_events, monthly_patients, c)

    @classmethod
    def trusted(cls, clues: str, product_id: int, kind: RecordKind, modality: Modality,
                monthly_events: int, monthly_patients: int, cause: Cause | None) -> "Record":
        """A record whose invariants the caller has established (``checked``'s fast test, or
        the grid's row checks): the fields set without the constructor's converters."""
        return _assemble_record(clues, product_id, kind, modality, monthly_events,
                                monthly_patients, cause)

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


# ``Record.checked``: members found by member or by value (a str enum hashes as its value).
_KINDS: dict[Any, RecordKind] = {k.value: k for k in RecordKind}
_MODALITIES: dict[Any, Modality] = {m.value: m for m in Modality}
_CAUSES: dict[Any, Cause] = {c.value: c for c in Cause}
# ``Cause.lookup``: each cause by its label and its code, folded once here instead of per row.
_CAUSE_KEYS: dict[str, Cause] = {fold_text(t): c for c in Cause for t in (c.value, c.name)}
_assemble_record = assembler(Record, [a.name for a in attrs.fields(Record)])
