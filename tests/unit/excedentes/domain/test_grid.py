"""The Paso 6 grid: every row's errors at once, or the normalized records."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.domain.errors import GridInvalid
from excedentes.domain.grid import (
    EVENT_FIELDS,
    GridField,
    GridRow,
    grid_rows,
    rows_from_records,
    validate_grid,
    validate_row,
)
from excedentes.domain.records import Cause, Modality, RecordKind
from excedentes.domain.rules import (
    CauseRequiresShortage,
    MonthlyPatientsRequireEvents,
    ProductMustBelongToGrid,
    ProductOnlyOnceInGrid,
    ShortageRequiresCause,
    ShortageRequiresMonthlyPatients,
    SurplusRequiresMonthlyPatients,
)

from .strategies import unit_records

UNIT = "BCSSA001152"
SETTINGS = settings(max_examples=120, deadline=None)

quantity_tokens = st.one_of(
    st.sampled_from(["", "", "", " ", "0", "-1", "1", "12", "1,200", "abc", "1.5", "99999999",
                     "012", "00", " 12", "１２", "1234567890123"]),
    st.integers(1, 500).map(str),
)
cause_tokens = st.sampled_from(["", "", "Falta de Equipo", "falta de insumos",
                                "CARENCIA DE SERVICIO", "Falta de Personal", "Otra"])


@st.composite
def raw_rows(draw: st.DrawFn, product_id: int) -> GridRow:
    return GridRow(product_id, draw(quantity_tokens), draw(quantity_tokens), draw(cause_tokens),
                   draw(quantity_tokens), draw(quantity_tokens), draw(quantity_tokens))


@st.composite
def raw_grids(draw: st.DrawFn) -> list[GridRow]:
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=12))
    return [draw(raw_rows(pid)) for pid in ids]


def errors_of(row: GridRow) -> dict[GridField, list[str]]:
    _records, errors = validate_row(UNIT, row)
    out: dict[GridField, list[str]] = {}
    for f, m in errors:
        out.setdefault(f, []).append(m)
    return out


# ------------------------------------------------------------------ properties


@SETTINGS
@given(raw_rows(7), st.one_of(st.none(), raw_rows(7)))
def test_a_row_changed_exactly_when_one_of_its_values_differs(row, start):
    from excedentes.domain.grid import _canonical, row_changed

    base = start or GridRow(product_id=7)
    expected = any(_canonical(row, f) != _canonical(base, f)
                   for f in GridField if f is not GridField.PRODUCT)
    assert row_changed(row, start) is expected


@SETTINGS
@given(raw_rows(7))
def test_a_row_is_blank_exactly_when_none_of_its_inputs_is_filled(row):
    assert row.is_blank is not any(row.filled(f) for f in GridField if f is not GridField.PRODUCT)


@SETTINGS
@given(unit_records(unit=UNIT))
def test_stored_records_shown_as_rows_validate_back_to_the_same_records(records):
    rows = list(rows_from_records(records).values())
    result = validate_grid(UNIT, rows)
    assert result.ok, result.errors
    assert set(result.records) == set(records)


@SETTINGS
@given(raw_grids())
def test_a_grid_reports_every_rows_errors_at_once_and_saves_nothing_on_error(rows):
    result = validate_grid(UNIT, rows)
    expected = [(i, f, m) for i, row in enumerate(rows) for f, m in validate_row(UNIT, row)[1]]
    assert [(e.index, e.field, e.message) for e in result.errors] == expected
    if expected:
        assert result.records == ()
        assert not result.ok
        assert {i for i, _f, _m in expected} == set(result.errors_by_row())
    else:
        per_row = [r for row in rows for r in validate_row(UNIT, row)[0]]
        assert list(result.records) == per_row


@SETTINGS
@given(raw_grids())
def test_valid_rows_obey_every_record_rule(rows):
    result = validate_grid(UNIT, rows)
    by_row = {row.product_id: row for row in rows}
    for record in result.records:
        row = by_row[record.product_id]
        assert record.clues == UNIT
        # a row's records share its monthly patients; the cause belongs to shortages only
        assert str(record.monthly_patients) == row.monthly_patients.strip().replace(",", "")
        assert (record.cause is not None) == (record.kind is RecordKind.SHORTAGE)
        if record.cause is not None:
            assert record.cause is Cause.lookup(row.cause)
    slots = [r.slot for r in result.records]
    assert len(slots) == len(set(slots))  # never shortage and surplus in the same modality
    per_product = {}
    for r in result.records:
        per_product[r.product_id] = per_product.get(r.product_id, 0) + 1
    assert all(n <= 2 for n in per_product.values())


@SETTINGS
@given(raw_grids())
def test_blank_rows_never_produce_records_nor_errors(rows):
    blank = [GridRow(r.product_id, " ", "", "", "", "", "") for r in rows]
    result = validate_grid(UNIT, blank)
    assert result.ok and result.records == ()


@SETTINGS
@given(unit_records(unit=UNIT), st.lists(st.integers(41, 60), unique=True, max_size=5))
def test_grid_rows_show_stored_values_and_blank_rows_in_catalog_order(records, extra):
    shown = sorted({r.product_id for r in records}) + extra
    rows = grid_rows(shown, records)
    assert [r.product_id for r in rows] == shown
    assert all(r.is_blank for r in rows if r.product_id in extra)
    assert set(validate_grid(UNIT, rows).records) == set(records)


# ------------------------------------------------------------------ each rule, by example


def test_shortage_needs_cause_and_monthly_patients():
    errors = errors_of(GridRow(1, shortage_outpatient="3"))
    assert errors == {GridField.CAUSE: [ShortageRequiresCause.message],
                      GridField.MONTHLY_PATIENTS: [ShortageRequiresMonthlyPatients.message]}


def test_surplus_needs_monthly_patients():
    errors = errors_of(GridRow(1, surplus_inpatient="3"))
    assert errors == {GridField.MONTHLY_PATIENTS: [SurplusRequiresMonthlyPatients.message]}


def test_a_cause_without_a_shortage_is_an_error():
    errors = errors_of(GridRow(1, cause="Falta de Equipo", surplus_outpatient="2",
                               monthly_patients="5"))
    assert errors == {GridField.CAUSE: [CauseRequiresShortage.message]}


def test_patients_alone_are_an_error_not_silently_dropped():
    assert errors_of(GridRow(1, monthly_patients="5")) == {
        GridField.MONTHLY_PATIENTS: [MonthlyPatientsRequireEvents.message]}


@pytest.mark.parametrize("modality", list(Modality))
def test_same_product_cannot_be_shortage_and_surplus_in_the_same_modality(modality):
    values = {EVENT_FIELDS[(RecordKind.SHORTAGE, modality)].value: "2",
              EVENT_FIELDS[(RecordKind.SURPLUS, modality)].value: "3"}
    errors = errors_of(GridRow(1, cause="Falta de Personal", monthly_patients="4", **values))
    field = EVENT_FIELDS[(RecordKind.SURPLUS, modality)]
    assert list(errors) == [field]
    assert modality.grid_label in errors[field][0]


def test_shortage_in_one_modality_and_surplus_in_the_other_make_two_records():
    records, errors = validate_row(UNIT, GridRow(
        9, shortage_outpatient="3", cause="falta de equipo", surplus_inpatient="1,200",
        monthly_patients="10"))
    assert errors == []
    assert {(r.kind, r.modality, r.monthly_events, r.monthly_patients, r.cause)
            for r in records} == {
        (RecordKind.SHORTAGE, Modality.OUTPATIENT, 3, 10, Cause.LACK_OF_EQUIPMENT),
        (RecordKind.SURPLUS, Modality.INPATIENT, 1200, 10, None)}


def test_a_bad_number_shows_its_own_error_only():
    errors = errors_of(GridRow(1, shortage_inpatient="0", cause="Falta de Insumos",
                               monthly_patients="abc"))
    assert errors == {GridField.SHORTAGE_INPATIENT: ["Cantidad mínima 1."],
                      GridField.MONTHLY_PATIENTS:
                          ["Escriba un número entero (cantidad mínima 1)."]}


def test_unknown_cause():
    errors = errors_of(GridRow(1, shortage_inpatient="2", cause="Otra", monthly_patients="1"))
    assert list(errors) == [GridField.CAUSE] and "Falta de Equipo" in errors[GridField.CAUSE][0]


def test_products_must_belong_to_the_grid_and_appear_once():
    rows = [GridRow(1), GridRow(2), GridRow(1, surplus_outpatient="1", monthly_patients="1")]
    result = validate_grid(UNIT, rows, product_ids={1, 3})
    assert [(e.index, e.field, e.message) for e in result.errors] == [
        (1, GridField.PRODUCT, ProductMustBelongToGrid.message),
        (2, GridField.PRODUCT, ProductOnlyOnceInGrid.message)]


def test_errors_are_shaped_for_the_template_and_raise_with_all_details():
    rows = [GridRow(1, shortage_outpatient="1"), GridRow(2), GridRow(3, monthly_patients="x")]
    result = validate_grid(UNIT, rows)
    by_row = result.errors_by_row()
    assert set(by_row) == {0, 2}
    assert by_row[0][GridField.CAUSE] == (ShortageRequiresCause.message,)
    assert result.errors[0].describe().startswith("Fila 1, Causa:")
    with pytest.raises(GridInvalid) as err:
        result.raise_if_invalid()
    assert err.value.details == result.errors
    assert "No se guardó ningún dato" in err.value.message and "filas 1, 3" in err.value.message


def test_rows_from_a_form_with_spanish_or_english_keys():
    row = GridRow.from_mapping({"product_id": "12", "faltante_ambulatoria": "3",
                                "causa": "Falta de Equipo", "pacientes_mensuales": "4",
                                "surplus_inpatient": None})
    assert row == GridRow(12, shortage_outpatient="3", cause="Falta de Equipo",
                          monthly_patients="4")
    assert [f.label for f in GridField][1:] == [
        "Faltante Ambulatoria", "Faltante Hospitalaria", "Causa", "Excedente Ambulatoria",
        "Excedente Hospitalaria", "Pacientes Mensuales"]


def test_typed_values_are_kept_as_typed():
    row = GridRow(1, shortage_outpatient=" 0012 ", monthly_patients=7)  # type: ignore[arg-type]
    assert row.shortage_outpatient == " 0012 " and row.monthly_patients == "7"


def test_the_cirugia_grid_of_2857_products_validates():
    rows = [GridRow(i, shortage_outpatient=str(i % 50 + 1) if i % 3 == 0 else "",
                    cause="Falta de Equipo" if i % 3 == 0 else "",
                    surplus_inpatient="5" if i % 7 == 0 else "",
                    monthly_patients="9" if i % 3 == 0 or i % 7 == 0 else "")
            for i in range(1, 2858)]
    result = validate_grid(UNIT, rows, product_ids=range(1, 2858))
    assert result.ok


@settings(max_examples=600, deadline=None)
@given(raw_rows(7))
def test_the_plain_path_and_the_rules_agree_on_every_row(row):
    """``validate_row`` takes a shortcut for plainly valid rows; whatever it accepts, the
    rule-by-rule judgement accepts with the same records (and what it refuses, the rules
    word)."""
    from excedentes.domain.grid import _judge_row, _plainly_valid

    judged_records, judged_errors = _judge_row(UNIT, row)
    plain = _plainly_valid(UNIT, row)
    if plain is not None:
        assert not judged_errors and plain == judged_records
    # the records a whole grid builds once its CLUES is checked are the same records
    assert _plainly_valid(UNIT, row, clues_checked=True) == plain
    assert validate_row(UNIT, row) == (judged_records, judged_errors)


def test_the_plain_path_takes_the_usual_rows():
    from excedentes.domain.grid import _plainly_valid

    row = GridRow(1, shortage_outpatient=" 12 ", cause="falta de equipo",
                  surplus_inpatient="1,200", monthly_patients="3")
    records = _plainly_valid(UNIT, row)
    assert records is not None and len(records) == 2
    assert records[0].cause is Cause.LACK_OF_EQUIPMENT and records[1].monthly_events == 1200
    assert _plainly_valid(UNIT, GridRow(1)) == []
    assert _plainly_valid(UNIT, GridRow(1, cause="Falta de Equipo")) is None  # the rules say why


@SETTINGS
@given(unit_records(unit=UNIT))
def test_rows_from_stored_columns_equal_rows_from_records(records):
    """The grid page builds its rows straight from the stored columns (plain strings)."""
    from excedentes.domain.grid import rows_from_stored

    stored = [(r.product_id, r.kind.value, r.modality.value, r.monthly_events,
               r.monthly_patients, r.cause.value if r.cause else None) for r in records]
    assert rows_from_stored(stored) == rows_from_records(records)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=16), st.integers(-10, 10**14).map(str),
                 st.sampled_from(["12", " 12 ", "1,200", "0", "007", "999999999999", "１２",
                                  "²", "", "  ", "1.5", "-3"])))
def test_quantity_value_is_parse_quantity_value(raw):
    """The save's shortcut for the usual "12" reads every text as ``parse_quantity`` does."""
    from excedentes.domain.records import parse_quantity, quantity_value

    assert quantity_value(raw) == parse_quantity(raw).value


@SETTINGS
@given(unit_records(unit=UNIT), st.integers(-5, 10**8))
def test_peer_values_from_stored_columns_equal_the_shown_row(records, odd):
    """The save judges peers by their stored columns: the values their row would show."""
    from excedentes.domain.grid import QUANTITY_FIELDS, rows_from_stored, stored_quantities
    from excedentes.domain.records import parse_quantity

    stored = [(r.product_id, r.kind.value, r.modality.value, r.monthly_events,
               r.monthly_patients, r.cause.value if r.cause else None) for r in records]
    if stored:  # a legacy value out of range is no value
        stored[0] = (*stored[0][:3], odd, *stored[0][4:])
    for pid, row in rows_from_stored(stored).items():
        shown = [(f, v) for f in QUANTITY_FIELDS
                 if (v := parse_quantity(row.raw(f)).value) is not None]
        assert stored_quantities([v for v in stored if v[0] == pid]) == shown


@SETTINGS
@given(st.integers(1, 10_000), st.lists(st.one_of(quantity_tokens, cause_tokens, st.none(),
                                                   st.integers(0, 99)), min_size=6, max_size=6))
def test_a_row_of_texts_is_the_row_the_constructor_builds(pid, values):
    """``GridRow.of_texts`` (a posted form's strings, no converter calls) equals ``GridRow``,
    strings or not."""
    made, fast = GridRow(pid, *values), GridRow.of_texts(pid, *values)
    assert fast == made and hash(fast) == hash(made)
    assert [getattr(fast, f.value) for f in GridField] == [getattr(made, f.value) for f in GridField]
