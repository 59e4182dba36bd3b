"""Quantities, causes and the single-record rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.domain.records import (
    Cause,
    Modality,
    Record,
    RecordKind,
    parse_quantity,
)
from excedentes.domain.rules import (
    MAX_QUANTITY,
    CauseRequiresShortage,
    FaltanteRequiresCause,
    QuantityAtLeastOne,
    QuantityMustBeWholeNumber,
    ShortageRequiresCause,
)
from shared.kernel.errors import ValidationError

from .strategies import causes, clues, quantities

SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(quantities, st.sampled_from(["", " ", "  "]), st.sampled_from(["", " ", "\t"]))
def test_whole_numbers_from_1_parse_with_surrounding_spaces(n, left, right):
    parsed = parse_quantity(f"{left}{n}{right}")
    assert parsed.ok and parsed.value == n


@SETTINGS
@given(quantities)
def test_thousands_commas_are_accepted(n):
    assert parse_quantity(f"{n:,}").value == n


@given(st.sampled_from(["", "   ", None, "\t"]))
def test_empty_means_nothing_not_zero(raw):
    parsed = parse_quantity(raw)
    assert parsed.ok and parsed.value is None


@SETTINGS
@given(st.integers(max_value=0))
def test_zero_and_negatives_say_cantidad_minima_1(n):
    parsed = parse_quantity(str(n))
    assert parsed.value is None
    assert parsed.error == "Cantidad mínima 1."


@SETTINGS
@given(st.integers(min_value=MAX_QUANTITY + 1))
def test_absurd_quantities_are_refused(n):
    assert "Cantidad máxima" in (parse_quantity(str(n)).error or "")


@SETTINGS
@given(st.one_of(
    st.floats(allow_nan=True).map(str).filter(lambda s: "." in s or "n" in s),
    st.text(min_size=1).filter(lambda s: s.strip() and not s.strip().lstrip("+-").isdigit()),
))
def test_non_integers_are_refused_with_the_minimum_in_the_message(raw):
    parsed = parse_quantity(raw)
    if parsed.ok:  # e.g. "1,000" typed as text: a legitimately grouped number
        assert parsed.value is not None and "," in raw
    else:
        assert parsed.value is None
        assert "cantidad mínima 1" in parsed.error.lower()


def test_whole_number_rule_alone():
    assert QuantityMustBeWholeNumber("1.5").is_broken()
    assert QuantityMustBeWholeNumber("12a").is_broken()
    assert QuantityMustBeWholeNumber("1,20").is_broken()  # not a thousands grouping
    assert not QuantityMustBeWholeNumber(" 1,200 ").is_broken()
    assert not QuantityMustBeWholeNumber("").is_broken()  # empty is no record, not an error
    assert QuantityAtLeastOne(0).is_broken() and not QuantityAtLeastOne(1).is_broken()


@SETTINGS
@given(causes, st.sampled_from([str.upper, str.lower, str.title, lambda s: f"  {s} "]))
def test_causes_are_found_by_label_ignoring_case_and_spacing(cause, transform):
    assert Cause.lookup(transform(cause.value)) is cause
    assert Cause.parse(cause.name) is cause


def test_cause_lookup_ignores_accents_and_unknown_causes_are_refused():
    assert Cause.lookup("FALTA DE EQUIPO") is Cause.LACK_OF_EQUIPMENT
    assert Cause.lookup("Otra") is None
    with pytest.raises(ValidationError) as err:
        Cause.parse("Otra")
    assert "Carencia de Servicio" in err.value.message


def test_the_four_causes_of_the_guides():
    assert [c.value for c in Cause] == [
        "Carencia de Servicio", "Falta de Equipo", "Falta de Insumos", "Falta de Personal"]


@SETTINGS
@given(clues, st.integers(1, 10**6), st.sampled_from(list(Modality)), quantities, quantities,
       causes)
def test_a_shortage_needs_a_cause_and_a_surplus_has_none(c, pid, modality, events, patients,
                                                        cause):
    shortage = Record(c, pid, RecordKind.SHORTAGE, modality, events, patients, cause)
    assert shortage.cause is cause
    with pytest.raises(ValidationError) as err:
        Record(c, pid, RecordKind.SHORTAGE, modality, events, patients, None)
    assert err.value.message == ShortageRequiresCause.message
    with pytest.raises(ValidationError) as err:
        Record(c, pid, RecordKind.SURPLUS, modality, events, patients, cause)
    assert err.value.message == CauseRequiresShortage.message
    assert Record(c, pid, RecordKind.SURPLUS, modality, events, patients).cause is None


@SETTINGS
@given(clues, st.sampled_from(list(RecordKind)), st.integers(max_value=0), quantities)
def test_record_quantities_are_at_least_one(c, kind, bad, good):
    cause = Cause.LACK_OF_STAFF if kind is RecordKind.SHORTAGE else None
    with pytest.raises(ValidationError, match="Cantidad mínima 1"):
        Record(c, 1, kind, Modality.OUTPATIENT, bad, good, cause)
    with pytest.raises(ValidationError, match="Cantidad mínima 1"):
        Record(c, 1, kind, Modality.OUTPATIENT, good, bad, cause)


def test_records_refuse_bad_clues_and_non_integer_quantities():
    with pytest.raises(ValidationError, match="CLUES no válida"):
        Record("BCSSA0011", 1, RecordKind.SURPLUS, Modality.INPATIENT, 1, 1)
    for not_whole in (1.5, True, "3"):
        with pytest.raises(ValidationError):
            Record("BCSSA001152", 1, RecordKind.SURPLUS, Modality.INPATIENT, not_whole, 1)


def test_clues_are_normalized_and_the_alias_names_the_same_rule():
    r = Record(" bcssa001152 ", 7, "excedente", "hospitalario", 3, 4)
    assert r.clues == "BCSSA001152" and r.kind is RecordKind.SURPLUS
    assert r.modality is Modality.INPATIENT and r.slot == ("BCSSA001152", 7, Modality.INPATIENT)
    assert FaltanteRequiresCause is ShortageRequiresCause


@SETTINGS
@given(st.sampled_from(["BCSSA001152", " bcssa001152", "BCSSA0011", "BCSSA001152\n"]),
       st.sampled_from([1, 7, True, "3"]),
       st.sampled_from([*RecordKind, "faltante", "excedente", "otro"]),
       st.sampled_from([*Modality, "ambulatorio", "hospitalario", "x"]),
       st.sampled_from([1, 12, MAX_QUANTITY, 0, -1, MAX_QUANTITY + 1, 1.5, True]),
       st.sampled_from([1, 3, 0, MAX_QUANTITY + 1, "2"]),
       st.sampled_from([None, *Cause, "Falta de Equipo", "Otra", ""]))
def test_checked_records_equal_constructed_ones_or_fail_the_same_way(
        c, pid, kind, modality, events, patients, cause):
    """``Record.checked`` (the bulk paths' constructor) gives the same record, or the same
    error, as ``Record(...)``."""
    try:
        expected = Record(c, pid, kind, modality, events, patients, cause)
    except (ValidationError, ValueError) as exc:
        with pytest.raises(type(exc)) as err:
            Record.checked(c, pid, kind, modality, events, patients, cause)
        assert str(err.value) == str(exc)
    else:
        got = Record.checked(c, pid, kind, modality, events, patients, cause)
        assert got == expected and type(got.kind) is RecordKind and type(got.modality) is Modality
        assert got.cause is expected.cause
