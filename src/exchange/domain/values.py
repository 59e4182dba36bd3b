"""Small values every layer of the exchange context uses.

Exchange keeps its own rather than importing the collection's (contexts are islands); text
cleaning and civil time are the kernel's, shared by every context.
"""

from __future__ import annotations

from typing import Any

from shared.kernel.civil_time import (  # noqa: F401 - exchange's names for them
    PRODUCT_TIME_ZONE,
    as_utc,
    format_datetime,
    local_tz,
)
from shared.kernel.text import clean_text

MIN_YEAR, MAX_YEAR = 2000, 2100  # the capture periods' years
MAX_ID = 2_147_483_647  # INTEGER primary keys on SQLite and PostgreSQL


def known_id(value: Any) -> bool:
    """Whether ``value`` could be the id of a stored row."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def split_entity_key(ref: str | None) -> tuple[str, str] | None:
    """``"SS:BC"`` (a capturista's scope reference) -> ``("SS", "BC")``; None if malformed."""
    inst, sep, code = (ref or "").partition(":")
    if not sep or not clean_text(inst) or not clean_text(code):
        return None
    return clean_text(inst).upper(), clean_text(code)
