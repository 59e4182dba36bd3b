"""Dates and instants as the users read them: ``dd/mm/aaaa hh:mm`` in the product's time zone.

Instants are stored as aware UTC datetimes (from the ``Clock`` port); pages, refusals and
reports show them in Mexico City time. No clock is read here: callers pass the instant. Every
context uses these, so they live in the kernel rather than in one context's domain.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PRODUCT_TIME_ZONE = "America/Mexico_City"
# Mexico City has kept UTC-6 all year since 2022: a safe fallback without a tz database.
_FALLBACK_TZ = timezone(timedelta(hours=-6), "CST")


@lru_cache(maxsize=1)
def local_tz() -> tzinfo:
    """The product's civil time zone (resolved lazily, so importing this module reads nothing)."""
    try:
        return ZoneInfo(PRODUCT_TIME_ZONE)
    except ZoneInfoNotFoundError:
        return _FALLBACK_TZ


def as_utc(at: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how the adapters store them)."""
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def format_datetime(at: datetime, tz: tzinfo | None = None) -> str:
    """``dd/mm/aaaa hh:mm`` in local time, the wording of the refusals and reports."""
    return as_utc(at).astimezone(tz or local_tz()).strftime("%d/%m/%Y %H:%M")


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")
