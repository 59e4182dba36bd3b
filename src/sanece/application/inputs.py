"""Parsing what people type (forms, CLI options, import cells) into the domain's values, with
the domain rules' Spanish messages when it does not parse."""

from __future__ import annotations

from datetime import date, datetime
from typing import Mapping

from shared.kernel.errors import ValidationError
from shared.kernel.rules import check_rule

from sanece.domain.rules import (
    DrugQuantityAtLeastOne,
    DrugQuantityWithinLimit,
    PeriodMonthsInRange,
)

# Upper bounds of every number a person types (forms, API, CLI). Records are numbered by the
# databases' 32-bit integer columns: a larger id cannot name one (it is simply not found)
# instead of reaching the database, where it would overflow (PostgreSQL) or not even bind
# (SQLite). Ages in days are bounded far above any real queue (page numbers are clamped by
# ``shared.kernel.pagination``: a page past the end is the last page).
ID_MAX = 2_147_483_647
DAYS_MAX = 36_500
DAYS_TOO_MANY = f"La antigüedad debe ser un número de días de 0 a {DAYS_MAX:,}."


def _as_int(raw: object) -> object:
    """An int for digits ("12", " 12 ", 12, 12.0); the raw value otherwise (the rule then
    refuses it)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = str(raw if raw is not None else "").strip()
    if text.isascii() and text.lstrip("-").isdigit():
        return int(text)
    return text


def parse_quantity(raw: object, key: str) -> int:
    """Cantidad of a clave: a whole number >= 1."""
    value = _as_int(raw)
    check_rule(DrugQuantityAtLeastOne(key, value))
    check_rule(DrugQuantityWithinLimit(key, value))  # type: ignore[arg-type]
    return value  # type: ignore[return-value]


def known_id(raw: object) -> int:
    """A record id as the lookups use it: 0 (which no record has, so it is not found like
    any missing one) for an id no integer column can hold."""
    value = _as_int(raw)
    return value if isinstance(value, int) and not isinstance(value, bool) \
        and 0 < value <= ID_MAX else 0


def optional_id(raw: object) -> int | None:
    """``known_id`` of a filter that may be empty (None: no filter)."""
    return None if raw is None or raw == "" else known_id(raw)


def check_age_days(days: int | None) -> int | None:
    """Antigüedad (días) of the review queue's filter: 0 to ``DAYS_MAX``."""
    if days is not None and not 0 <= int(days) <= DAYS_MAX:
        raise ValidationError(DAYS_TOO_MANY, log_message="age in days out of range")
    return days


def parse_months(raw: object) -> int:
    """Periodo (meses): a whole number from 1 to 60."""
    value = _as_int(raw)
    check_rule(PeriodMonthsInRange(value))
    return value  # type: ignore[return-value]


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")


def typed_date(text: str) -> date | None:
    """The date in one of ``DATE_FORMATS``, or None when the text is not a date."""
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_date(raw: object, label: str) -> date:
    """dd/mm/aaaa (as the guides print dates) or aaaa-mm-dd; ``label`` names the field."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    found = typed_date(text)
    if found is not None:
        return found
    if not text:
        raise ValidationError(f"Indica la {label}.", log_message=f"missing {label}")
    raise ValidationError(f"La {label} «{text}» no es una fecha válida (usa dd/mm/aaaa).",
                          log_message=f"bad date for {label}: {text!r}")


def parse_optional_date(raw: object, label: str) -> date | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_date(raw, label)


def parse_modifications(raw: Mapping[str, object]) -> dict[str, object]:
    """A Validado con modificación's values as typed (forms, API, CLI): blanks are "not
    modified", cantidades whole numbers >= 1; the type checks the rest."""
    out: dict[str, object] = {}
    for name, value in raw.items():
        text = str(value).strip() if value is not None else ""
        if not text:
            continue
        if name.startswith("quantity"):
            key = str(raw.get("key" + name[len("quantity"):]) or "").strip() or name
            out[name] = parse_quantity(text, key)
        else:
            out[name] = text
    return out
