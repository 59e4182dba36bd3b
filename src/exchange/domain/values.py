"""Small values every layer of the exchange context uses.

Exchange keeps its own copies rather than importing the collection's (contexts are
islands); they are a few lines each and describe the same stored data.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIN_YEAR, MAX_YEAR = 2000, 2100  # the capture periods' years
MAX_ID = 2_147_483_647  # INTEGER primary keys on SQLite and PostgreSQL

PRODUCT_TIME_ZONE = "America/Mexico_City"
# Mexico City has kept UTC-6 all year since 2022: a safe fallback without a tz database.
_FALLBACK_TZ = timezone(timedelta(hours=-6), "CST")
_SPACES = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """Trim and collapse whitespace: names come from spreadsheets and forms."""
    return _SPACES.sub(" ", str(value or "")).strip()


def known_id(value: Any) -> bool:
    """Whether ``value`` could be the id of a stored row."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def split_entity_key(ref: str | None) -> tuple[str, str] | None:
    """``"SS:BC"`` (a capturista's scope reference) -> ``("SS", "BC")``; None if malformed."""
    inst, sep, code = (ref or "").partition(":")
    if not sep or not clean_text(inst) or not clean_text(code):
        return None
    return clean_text(inst).upper(), clean_text(code)


@lru_cache(maxsize=1)
def local_tz() -> tzinfo:
    """The product's civil time zone (resolved lazily: importing this module reads nothing)."""
    try:
        return ZoneInfo(PRODUCT_TIME_ZONE)
    except ZoneInfoNotFoundError:
        return _FALLBACK_TZ


def as_utc(at: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how the adapters store them)."""
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def format_datetime(at: datetime, tz: tzinfo | None = None) -> str:
    """``dd/mm/aaaa hh:mm`` in local time, the wording of the reports."""
    return as_utc(at).astimezone(tz or local_tz()).strftime("%d/%m/%Y %H:%M")
