from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shared.kernel.errors import ValidationError

from sanece.domain.values import (
    Attachment,
    DrugQuantity,
    MedicalAggregate,
    add_months,
    add_years,
    folio_number_date,
    parse_aggregate,
    parse_folio_number,
    parse_name,
    parse_nss,
)

from .factories import dates


def _valid_date(s: str) -> bool:
    try:
        date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return False
    return True


# ---- folio number ----------------------------------------------------------------------------

@given(dates, st.integers(0, 999))
def test_folio_number_is_date_and_sequence(day: date, seq: int) -> None:
    raw = f"{day:%Y%m%d}{seq:03d}"
    assert parse_folio_number(f"  {raw} ") == raw
    assert folio_number_date(raw) == day


@given(st.text(alphabet="0123456789 a١-", max_size=14))
@example("20250414214")
@example("2025041421")
@example("202504142145")
@example("20251314001")
@example("2025041421١")
def test_folio_number_accepted_iff_eleven_ascii_digits_with_a_date(raw: str) -> None:
    stripped = raw.strip()
    ok = re.fullmatch(r"[0-9]{11}", stripped) is not None and _valid_date(stripped)
    if ok:
        assert parse_folio_number(raw) == stripped
    else:
        with pytest.raises(ValidationError) as exc:
            parse_folio_number(raw)
        if re.fullmatch(r"[0-9]{11}", stripped):
            assert exc.value.code == "folio_number_must_start_with_valid_date"
            assert "fecha válida" in exc.value.message
        else:
            assert exc.value.code == "folio_number_must_have_eleven_digits"
            assert "exactamente 11 dígitos" in exc.value.message


# ---- NSS -------------------------------------------------------------------------------------

@given(st.text(alphabet="0123456789 x²", max_size=12))
@example("1111111111")
@example("111111111²")
def test_nss_accepted_iff_ten_ascii_digits(raw: str) -> None:
    stripped = raw.strip()
    if re.fullmatch(r"[0-9]{10}", stripped):
        assert parse_nss(raw) == stripped
    else:
        with pytest.raises(ValidationError, match="exactamente 10 dígitos"):
            parse_nss(raw)


# ---- agregado médico ---------------------------------------------------------------------------

aggregate_parts = st.tuples(st.integers(0, 9), st.sampled_from("FMfm"), st.integers(0, 9999),
                            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                                    min_size=2, max_size=2))


@given(aggregate_parts)
@example((1, "F", 1980, "OR"))
@example((5, "m", 1953, "pe"))
def test_aggregate_is_normalized_to_upper_case(parts: tuple[int, str, int, str]) -> None:
    digit, sex, year, regime = parts
    raw = f"{digit}{sex}{year:04d}{regime}"
    value = parse_aggregate(f" {raw} ")
    assert value == raw.upper()
    agg = MedicalAggregate.parse(raw)
    assert (agg.digit, agg.sex, agg.birth_year, agg.regime) == (digit, sex.upper(), year,
                                                                 regime.upper())
    assert str(agg) == value


@given(st.text(alphabet="0123456789FMXorpeﬀß ", max_size=10))
@example("1F1980ﬀ")  # a ligature whose upper case would look valid
@example("1X1980OR")
@example("1F80OR")
def test_aggregate_accepted_iff_pattern(raw: str) -> None:
    stripped = raw.strip()
    if re.fullmatch(r"[0-9][FMfm][0-9]{4}[A-Za-z]{2}", stripped):
        assert parse_aggregate(raw) == stripped.upper()
    else:
        with pytest.raises(ValidationError, match="agregado médico"):
            parse_aggregate(raw)


# ---- names -----------------------------------------------------------------------------------

@given(st.text(alphabet="abcñáéÁ '.-\t", max_size=20))
def test_names_are_collapsed_upper_case_letters(raw: str) -> None:
    collapsed = " ".join(raw.split()).upper()
    if collapsed and any(c.isalpha() for c in collapsed):
        assert parse_name(raw, "nombre") == collapsed
    else:
        with pytest.raises(ValidationError, match="nombre"):
            parse_name(raw, "nombre")


@pytest.mark.parametrize("raw", ["", "   ", "JUAN2", "A" * 81, "ANA;DROP"])
def test_invalid_names(raw: str) -> None:
    with pytest.raises(ValidationError, match="apellido paterno"):
        parse_name(raw, "apellido paterno")


def test_name_keeps_accents_and_ene() -> None:
    assert parse_name("  maría   del rocío  ", "nombre") == "MARÍA DEL ROCÍO"
    assert parse_name("peña", "nombre") == "PEÑA"


# ---- drug quantities and keys --------------------------------------------------------------

@given(st.integers(-5, 5))
def test_quantity_at_least_one(q: int) -> None:
    if q >= 1:
        assert DrugQuantity("5795", q).quantity == q
    else:
        with pytest.raises(ValidationError, match="al menos 1"):
            DrugQuantity("5795", q)


def test_quantity_must_be_an_integer() -> None:
    with pytest.raises(ValidationError):
        DrugQuantity("5795", True)
    with pytest.raises(ValidationError):
        DrugQuantity("5795", 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["", "57a5", "5795.", ".5795", "1" * 21])
def test_invalid_drug_keys(key: str) -> None:
    with pytest.raises(ValidationError, match="clave del medicamento"):
        DrugQuantity(key, 1)


def test_full_drug_key() -> None:
    assert DrugQuantity(" 010.000.5795.00 ", 2).key == "010.000.5795.00"
    assert str(DrugQuantity("5795", 12)) == "5795 (12)"


# ---- attachments -----------------------------------------------------------------------------

@given(st.sampled_from(["application/pdf", "image/png", "image/jpeg", "text/html",
                        "application/zip", "image/gif", ""]), st.integers(-1, 10))
def test_attachments_are_pdf_or_image_and_not_empty(ctype: str, size: int) -> None:
    if ctype in {"application/pdf", "image/png", "image/jpeg"} and size >= 1:
        a = Attachment("k", ctype, "x.pdf", size)
        assert Attachment.from_dict(a.to_dict()) == a
    else:
        with pytest.raises(ValidationError, match="«x.pdf»"):
            Attachment("k", ctype, "x.pdf", size)


# ---- calendar arithmetic ---------------------------------------------------------------------

@given(dates, st.integers(0, 120))
def test_add_months(d: date, months: int) -> None:
    r = add_months(d, months)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == months
    assert r.day <= d.day
    assert r.day == d.day or r.day >= 28
    assert add_months(r, -months) <= d


@given(dates, dates, st.integers(0, 60))
def test_add_months_is_monotonic(a: date, b: date, months: int) -> None:
    if a <= b:
        assert add_months(a, months) <= add_months(b, months)


def test_add_months_examples() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 4, 14), 6) == date(2025, 10, 14)
    assert add_years(date(2024, 2, 29), -3) == date(2021, 2, 28)
