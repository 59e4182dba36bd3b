"""The Paso 6 grid: raw rows as typed in the form -> normalized ``Record``s, or every error.

Model
-----
The grid of one unit and one service group (and especialidad troncal) shows one row per
catalog product with seven inputs, kept as the raw strings the user typed (so a refused save
can show them back unchanged)::

    GridRow(product_id, shortage_outpatient, shortage_inpatient, cause,
            surplus_outpatient, surplus_inpatient, monthly_patients)

The four event columns are the monthly events of a (kind, modality) pair. A valid row becomes
one ``Record`` per filled event column, all sharing the row's monthly patients, and the cause
for the shortages only. Because a product cannot be a shortage and a surplus in the same
modality, a row yields at most one record per modality: 0, 1 or 2 records (e.g. "Faltante
Ambulatoria" + "Excedente Hospitalaria"). A blank row yields none, which on save deletes what
the unit had stored for that product (clearing a row deletes its record).

``validate_grid`` checks every row and returns a ``GridValidation``: either all the records
(``ok``) or every ``FieldError`` of every row (index, product, field, Spanish message) and no
record at all: a save is all-or-nothing. ``rows_from_records`` is the inverse used to show the
stored values again; ``validate_grid(rows_from_records(r))`` gives back ``r``.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from typing import Any, Collection, Iterable, Mapping, Sequence

import attrs

from excedentes.domain.catalog import check_clues, normalize_clues
from excedentes.domain.errors import GridInvalid
from excedentes.domain.records import (
    Cause,
    Modality,
    Record,
    RecordKind,
    parse_quantity,
    quantity_value,
)
from excedentes.domain.rules import (
    CLUES_RE,
    MAX_QUANTITY,
    MIN_QUANTITY,
    CauseMustBeKnown,
    CauseRequiresShortage,
    MonthlyPatientsRequireEvents,
    NotShortageAndSurplusInSameModality,
    ProductMustBelongToGrid,
    ProductOnlyOnceInGrid,
    ShortageRequiresCause,
    ShortageRequiresMonthlyPatients,
    SurplusRequiresMonthlyPatients,
)
from shared.kernel.errors import ValidationError
from shared.kernel.frozen import assembler
from shared.kernel.rules import BusinessRule
from shared.kernel.text import count_text


class GridField(str, enum.Enum):
    """The grid's inputs; ``value`` is the attribute of ``GridRow``, ``label`` the heading."""

    PRODUCT = "product_id"
    SHORTAGE_OUTPATIENT = "shortage_outpatient"
    SHORTAGE_INPATIENT = "shortage_inpatient"
    CAUSE = "cause"
    SURPLUS_OUTPATIENT = "surplus_outpatient"
    SURPLUS_INPATIENT = "surplus_inpatient"
    MONTHLY_PATIENTS = "monthly_patients"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def form_key(self) -> str:
        """The Spanish input name the legacy forms used (accepted by ``GridRow.from_mapping``)."""
        return _FORM_KEYS[self]


_LABELS = {
    GridField.PRODUCT: "Producto",
    GridField.SHORTAGE_OUTPATIENT: "Faltante Ambulatoria",
    GridField.SHORTAGE_INPATIENT: "Faltante Hospitalaria",
    GridField.CAUSE: "Causa",
    GridField.SURPLUS_OUTPATIENT: "Excedente Ambulatoria",
    GridField.SURPLUS_INPATIENT: "Excedente Hospitalaria",
    GridField.MONTHLY_PATIENTS: "Pacientes Mensuales",
}
_FORM_KEYS = {
    GridField.PRODUCT: "product_id",
    GridField.SHORTAGE_OUTPATIENT: "faltante_ambulatoria",
    GridField.SHORTAGE_INPATIENT: "faltante_hospitalaria",
    GridField.CAUSE: "causa",
    GridField.SURPLUS_OUTPATIENT: "excedente_ambulatoria",
    GridField.SURPLUS_INPATIENT: "excedente_hospitalaria",
    GridField.MONTHLY_PATIENTS: "pacientes_mensuales",
}
_FIELD_ORDER = {f: i for i, f in enumerate(GridField)}

# Which event column holds which (kind, modality).
EVENT_FIELDS: Mapping[tuple[RecordKind, Modality], GridField] = {
    (RecordKind.SHORTAGE, Modality.OUTPATIENT): GridField.SHORTAGE_OUTPATIENT,
    (RecordKind.SHORTAGE, Modality.INPATIENT): GridField.SHORTAGE_INPATIENT,
    (RecordKind.SURPLUS, Modality.OUTPATIENT): GridField.SURPLUS_OUTPATIENT,
    (RecordKind.SURPLUS, Modality.INPATIENT): GridField.SURPLUS_INPATIENT,
}
QUANTITY_FIELDS = (*EVENT_FIELDS.values(), GridField.MONTHLY_PATIENTS)


def _raw(value: Any) -> str:
    return "" if value is None else str(value)



@attrs.frozen
class GridRow:
    """One product's inputs exactly as typed (strings; empty means nothing)."""

    product_id: int
    shortage_outpatient: str = attrs.field(default="", converter=_raw)
    shortage_inpatient: str = attrs.field(default="", converter=_raw)
    cause: str = attrs.field(default="", converter=_raw)
    surplus_outpatient: str = attrs.field(default="", converter=_raw)
    surplus_inpatient: str = attrs.field(default="", converter=_raw)
    monthly_patients: str = attrs.field(default="", converter=_raw)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "GridRow":
        """From a form/JSON row keyed by the English attributes or the Spanish form keys."""
        values: dict[str, Any] = {}
        for f in GridField:
            for key in (f.value, f.form_key):
                if key in data:
                    values[f.value] = data[key]
                    break
        try:
            values["product_id"] = int(str(values.get("product_id", "")).strip())
        except ValueError:
            raise ValidationError("Producto no válido.",
                                  log_message=f"bad product id {values.get('product_id')!r}")
        return cls(**values)

    @classmethod
    def of_texts(cls, product_id: int, shortage_outpatient: str, shortage_inpatient: str,
                 cause: str, surplus_outpatient: str, surplus_inpatient: str,
                 monthly_patients: str) -> "GridRow":
        """``GridRow(...)`` for inputs that are already strings (a posted form's): the same
        row without six converter calls (2,857 rows on the Cirugía grid's save)."""
        if not (type(shortage_outpatient) is type(shortage_inpatient) is type(cause)
                is type(surplus_outpatient) is type(surplus_inpatient)
                is type(monthly_patients) is str):
            return cls(product_id, shortage_outpatient, shortage_inpatient, cause,
                       surplus_outpatient, surplus_inpatient, monthly_patients)
        return _assemble_row(product_id, shortage_outpatient, shortage_inpatient, cause,
                             surplus_outpatient, surplus_inpatient, monthly_patients)

    def raw(self, field: GridField) -> str:
        return str(getattr(self, field.value))

    def filled(self, field: GridField) -> bool:
        return bool(self.raw(field).strip())

    @property
    def is_blank(self) -> bool:
        # the six inputs by name: read for every row of a 2,857-row grid
        return not (self.shortage_outpatient.strip() or self.shortage_inpatient.strip()
                    or self.cause.strip() or self.surplus_outpatient.strip()
                    or self.surplus_inpatient.strip() or self.monthly_patients.strip())


_assemble_row = assembler(GridRow, [a.name for a in attrs.fields(GridRow)])


@attrs.frozen
class FieldError:
    index: int  # position of the row in the submitted list (0-based)
    product_id: int
    field: GridField
    message: str

    @property
    def row_number(self) -> int:
        return self.index + 1

    def describe(self) -> str:
        return f"Fila {self.row_number}, {self.field.label}: {self.message}"


@attrs.frozen
class GridValidation:
    """Either ``records`` (when ``ok``) or ``errors``; never records from a refused grid."""

    clues: str
    rows: tuple[GridRow, ...]
    records: tuple[Record, ...]
    errors: tuple[FieldError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def product_ids(self) -> frozenset[int]:
        return frozenset(r.product_id for r in self.rows)

    def errors_by_row(self) -> dict[int, dict[GridField, tuple[str, ...]]]:
        """``{row index: {field: messages}}``: what a template needs to mark the inputs."""
        out: dict[int, dict[GridField, list[str]]] = defaultdict(lambda: defaultdict(list))
        for e in self.errors:
            out[e.index][e.field].append(e.message)
        return {i: {f: tuple(m) for f, m in fields.items()} for i, fields in out.items()}

    @property
    def summary(self) -> str:
        return grid_summary(self.errors) if self.errors else "Sin errores."

    def raise_if_invalid(self) -> None:
        if not self.ok:
            raise GridInvalid(self.summary, log_message=f"grid refused: {len(self.errors)} errors",
                              details=self.errors)


def grid_summary(errors: Sequence[FieldError]) -> str:
    """The refusal's first line: how many errors and on which rows (numbers agreeing)."""
    rows = sorted({e.row_number for e in errors})
    shown = ", ".join(f"{n:,}" for n in rows[:20]) + (" …" if len(rows) > 20 else "")
    counted = count_text(len(errors), "error señalado", "errores señalados")
    where = "fila" if len(rows) == 1 else "filas"
    return f"No se guardó ningún dato: corrija {counted} en la tabla ({where} {shown})."


def _broken(rule: BusinessRule) -> str | None:
    return rule.get_message() if rule.is_broken() else None


def validate_row(clues: str, row: GridRow) -> tuple[list[Record], list[tuple[GridField, str]]]:
    """One row's records, or its errors as (field, message) in column order.

    Requirements use what was *typed*, valid or not, so that a bad number shows one error
    (its own) instead of also a missing-cause or missing-patients error beside it.
    """
    records = _plainly_valid(clues, row)
    if records is not None:
        return records, []
    return _judge_row(clues, row)


def _plainly_valid(clues: str, row: GridRow, *, clues_checked: bool = False
                   ) -> list[Record] | None:
    """The records of a row that breaks none of ``_judge_row``'s rules, tested with plain
    comparisons (a 2,857-row grid built nine rule objects per row); None when the row might
    break one, and ``_judge_row`` then decides and words every error. The unit tests check
    both agree on every combination of typed values.

    ``clues_checked``: ``clues`` is a valid CLUES (``validate_grid`` checked it once), so the
    records are built without ``Record.checked``'s per-record tests: every other invariant of
    a ``Record`` is what this function has just established."""
    so, si, xo, xi = (row.shortage_outpatient.strip(), row.shortage_inpatient.strip(),
                      row.surplus_outpatient.strip(), row.surplus_inpatient.strip())
    patients_raw, cause_raw = row.monthly_patients.strip(), row.cause.strip()
    has_shortage = bool(so or si)
    if not (has_shortage or xo or xi):
        return [] if not (patients_raw or cause_raw) else None
    if not patients_raw or (so and xo) or (si and xi) or has_shortage is not bool(cause_raw):
        return None
    cause = Cause.lookup(cause_raw) if cause_raw else None
    if cause_raw and cause is None:
        return None
    patients = quantity_value(patients_raw)
    if patients is None:
        return None
    pid = row.product_id
    make = Record.trusted if clues_checked and type(pid) is int else Record.checked
    records = []
    for text, kind, modality in ((so, _SHORTAGE_KIND, _OUTPATIENT), (si, _SHORTAGE_KIND, _INPATIENT),
                                 (xo, _SURPLUS_KIND, _OUTPATIENT), (xi, _SURPLUS_KIND, _INPATIENT)):
        if text:
            value = quantity_value(text)
            if value is None:
                return None
            records.append(make(clues, pid, kind, modality, value, patients,
                                cause if kind is _SHORTAGE_KIND else None))
    return records


_SHORTAGE_KIND, _SURPLUS_KIND = RecordKind.SHORTAGE, RecordKind.SURPLUS
_OUTPATIENT, _INPATIENT = Modality.OUTPATIENT, Modality.INPATIENT
def _judge_row(clues: str, row: GridRow) -> tuple[list[Record], list[tuple[GridField, str]]]:
    """``validate_row`` rule by rule: every error of the row, in column order."""
    errors: list[tuple[GridField, str]] = []
    parsed = {f: parse_quantity(row.raw(f)) for f in QUANTITY_FIELDS}
    errors += [(f, p.error) for f, p in parsed.items() if p.error]

    cause_raw = row.cause.strip()
    cause = Cause.lookup(cause_raw) if cause_raw else None
    has_shortage = row.filled(GridField.SHORTAGE_OUTPATIENT) or row.filled(
        GridField.SHORTAGE_INPATIENT)
    has_surplus = row.filled(GridField.SURPLUS_OUTPATIENT) or row.filled(
        GridField.SURPLUS_INPATIENT)
    has_patients = row.filled(GridField.MONTHLY_PATIENTS)

    checks: list[tuple[GridField, BusinessRule]] = [
        (GridField.CAUSE, CauseMustBeKnown(cause_raw, cause is not None)),
        (GridField.CAUSE, ShortageRequiresCause(has_shortage, bool(cause_raw))),
        (GridField.CAUSE, CauseRequiresShortage(bool(cause_raw), has_shortage)),
        (GridField.MONTHLY_PATIENTS, ShortageRequiresMonthlyPatients(has_shortage, has_patients)),
        (GridField.MONTHLY_PATIENTS, SurplusRequiresMonthlyPatients(has_surplus, has_patients)),
        (GridField.MONTHLY_PATIENTS,
         MonthlyPatientsRequireEvents(has_patients, has_shortage or has_surplus)),
    ]
    for modality in Modality:
        surplus_field = EVENT_FIELDS[(RecordKind.SURPLUS, modality)]
        checks.append((surplus_field, NotShortageAndSurplusInSameModality(
            modality.grid_label,
            row.filled(EVENT_FIELDS[(RecordKind.SHORTAGE, modality)]),
            row.filled(surplus_field))))
    errors += [(f, msg) for f, rule in checks if (msg := _broken(rule))]

    if errors:
        errors.sort(key=lambda e: _FIELD_ORDER[e[0]])
        return [], errors
    patients = parsed[GridField.MONTHLY_PATIENTS].value
    records = [
        Record(clues=clues, product_id=row.product_id, kind=kind, modality=modality,
               monthly_events=events, monthly_patients=patients,  # type: ignore[arg-type]
               cause=cause if kind is RecordKind.SHORTAGE else None)
        for (kind, modality), f in EVENT_FIELDS.items()
        if (events := parsed[f].value) is not None
    ]
    return records, []


def validate_grid(clues: str, rows: Iterable[GridRow],
                  product_ids: Collection[int] | None = None) -> GridValidation:
    """Validate a whole grid of one unit at once.

    ``product_ids``: the products this grid may contain (its group/specialty); rows of other
    products are errors. A product may appear only once.
    """
    clues = check_clues(normalize_clues(clues))
    rows = tuple(rows)
    allowed = frozenset(product_ids) if product_ids is not None else None
    records: list[Record] = []
    errors: list[FieldError] = []
    seen: set[int] = set()
    clues_checked = CLUES_RE.fullmatch(clues) is not None  # Record's own test, once
    for index, row in enumerate(rows):
        pid = row.product_id
        if (allowed is not None and pid not in allowed) or pid in seen:  # the rules word it
            for rule in (ProductMustBelongToGrid(pid, allowed),
                         ProductOnlyOnceInGrid(pid, seen)):
                if rule.is_broken():
                    errors.append(FieldError(index, pid, GridField.PRODUCT,
                                             rule.get_message()))
        seen.add(pid)
        plain = _plainly_valid(clues, row, clues_checked=clues_checked)
        if plain is not None:
            records += plain
            continue
        row_records, row_errors = _judge_row(clues, row)
        records += row_records
        errors += [FieldError(index, row.product_id, f, m) for f, m in row_errors]
    if errors:
        return GridValidation(clues, rows, (), tuple(errors))
    return GridValidation(clues, rows, tuple(records), ())


def rows_from_records(records: Iterable[Record]) -> dict[int, GridRow]:
    """The stored records of one unit shown back as grid rows, keyed by product id.

    Records made by the grid share their row's monthly patients; should stored records of one
    product disagree (older imports), the shortage's value is shown.
    """
    records = list(records)
    if len({r.clues for r in records}) > 1:
        raise ValueError("rows_from_records takes the records of one unit")
    return rows_from_stored((r.product_id, r.kind, r.modality, r.monthly_events,
                             r.monthly_patients, r.cause) for r in records)


# (kind, modality) -> the GridRow attribute; found by member or by stored value alike
_EVENT_ATTRS = {(k.value, m.value): f.value for (k, m), f in EVENT_FIELDS.items()}
_SHORTAGE = RecordKind.SHORTAGE.value


def rows_from_stored(values: Iterable[tuple[int, Any, Any, int, int, Any]]
                     ) -> dict[int, GridRow]:
    """``rows_from_records`` over the stored columns of one unit's records, ``(product_id,
    kind, modality, monthly_events, monthly_patients, cause)``: the grid page shows thousands
    and needs no ``Record`` to do it."""
    by_product: dict[int, list[tuple[int, Any, Any, int, int, Any]]] = defaultdict(list)
    for v in values:
        by_product[v[0]].append(v)
    rows: dict[int, GridRow] = {}
    for product_id, recs in by_product.items():
        if len(recs) > 1:  # shortages first, then outpatient before inpatient
            recs.sort(key=lambda v: (v[1] != _SHORTAGE, v[2]))
        fields = {_EVENT_ATTRS[(v[1], v[2])]: str(v[3]) for v in recs}
        cause = next((v[5] for v in recs if v[5]), None)
        rows[product_id] = GridRow(product_id=product_id,
                                   cause=getattr(cause, "value", cause) or "",
                                   monthly_patients=str(recs[0][4]), **fields)
    return rows


def stored_quantities(stored: list[tuple[Any, ...]]) -> list[tuple[GridField, int]]:
    """The quantities of one unit's row of one product, from its stored records ``(product_id,
    kind, modality, events, patients, cause)``: what ``rows_from_stored`` shows, read back
    with ``parse_quantity``, without the strings (each event column's value, then the monthly
    patients of the first record, shortages and outpatient first; a value out of range counts
    as none). The save judges peers by it; a unit test checks both agree."""
    if len(stored) > 1:
        stored = sorted(stored, key=lambda v: (v[1] != _SHORTAGE, v[2]))
    found = {_EVENT_FIELD[(v[1], v[2])]: v[3] for v in stored}
    found[GridField.MONTHLY_PATIENTS] = stored[0][4]
    return [(f, found[f]) for f in QUANTITY_FIELDS
            if f in found and MIN_QUANTITY <= found[f] <= MAX_QUANTITY]


# (kind, modality) as stored -> the event column
_EVENT_FIELD = {(k.value, m.value): f for (k, m), f in EVENT_FIELDS.items()}


def grid_rows(product_ids: Sequence[int], records: Iterable[Record]) -> list[GridRow]:
    """One row per product of the grid, in catalog order; blank where nothing is stored."""
    stored = rows_from_records(records)
    return [stored.get(p) or GridRow(product_id=p) for p in product_ids]


def _canonical(row: GridRow, field: GridField) -> str:
    """A field as a comparable token: "1,200" and "1200" are the same value, "desabasto" and
    "Desabasto" the same cause; anything unparseable compares as typed (it is a change)."""
    return _canonical_text(row.raw(field), field)


def _canonical_text(raw: str, field: GridField) -> str:
    text = raw.strip()
    if not text:
        return ""
    if field is GridField.CAUSE:
        cause = Cause.lookup(text)
        return cause.value if cause is not None else text
    value = quantity_value(text)
    return str(value) if value is not None else text


# the six inputs of a row, in ``GridRow``'s order after the product
INPUT_FIELDS = tuple(f for f in GridField if f is not GridField.PRODUCT)


def inputs_changed(typed: Sequence[str], start: Sequence[str]) -> bool:
    """Whether a row's six inputs as typed (in ``INPUT_FIELDS`` order) differ in value from
    the six it started from: the same text is the same value, and only differing texts are
    compared as values."""
    for f, a, b in zip(INPUT_FIELDS, typed, start):
        if a != b:
            if f is not GridField.CAUSE and _own_canonical(a) and _own_canonical(b):
                return True  # two different texts that are each their own canonical text
            if _canonical_text(a, f) != _canonical_text(b, f):
                return True
    return False


def _own_canonical(text: str) -> bool:
    """Whether a quantity input's text is its own ``_canonical_text`` without computing it:
    empty, or ASCII digits without a leading zero (what the page itself writes)."""
    return not text or (text.isdigit() and text.isascii() and text[0] != "0")


def row_changed(row: GridRow, original: GridRow | None) -> bool:
    """Whether the user changed this row from the value it started from (None: blank)."""
    start = original or GridRow(product_id=row.product_id)
    return inputs_changed([getattr(row, f.value) for f in INPUT_FIELDS],
                          [getattr(start, f.value) for f in INPUT_FIELDS])


def changed_rows(rows: Iterable[GridRow], originals: Mapping[int, GridRow]) -> list[GridRow]:
    """Only the rows the user changed: an untouched row is never sent to ``save_grid``, so a
    blank copy of a record saved by someone else after the page was drawn cannot delete it."""
    return [r for r in rows if row_changed(r, originals.get(r.product_id))]


def differing_fields(typed: GridRow, current: GridRow | None) -> frozenset[GridField]:
    """The inputs where what the user typed differs from what is stored now (a stale save's
    page shows the current value beside each of them)."""
    now = current or GridRow(product_id=typed.product_id)
    return frozenset(f for f in GridField
                     if f is not GridField.PRODUCT and _canonical(typed, f) != _canonical(now, f))
