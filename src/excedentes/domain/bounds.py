"""Domain bounds of the numbers that name things in excedentes (ids, years, versions).

Every id is an INTEGER on both databases and every year of a capture period is 2000–2100
(``catalog.MIN_YEAR``/``MAX_YEAR``): a number outside those can name nothing, so a look-up
answers it exactly like a missing one (the same Spanish ``NotFound``) instead of sending
PostgreSQL a parameter it refuses ("integer out of range": a 500). Quantities have their own
bound (``rules.MAX_QUANTITY``).
"""

from __future__ import annotations

from typing import Any

from excedentes.domain.catalog import MAX_YEAR, MIN_YEAR
from shared.kernel.errors import ValidationError

MAX_ID = 2_147_483_647  # INTEGER primary keys on SQLite and PostgreSQL


def known_id(value: Any) -> bool:
    """Whether ``value`` could be the id of a stored row."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def known_year(value: Any) -> bool:
    """Whether ``value`` could be the year of a capture period."""
    return (isinstance(value, int) and not isinstance(value, bool)
            and MIN_YEAR <= value <= MAX_YEAR)


def check_year(value: Any) -> int:
    """A year typed for a new period: 2000–2100, or a Spanish ``ValidationError``."""
    if not known_year(value):
        raise ValidationError(f"El año del periodo debe estar entre {MIN_YEAR} y {MAX_YEAR}.",
                              log_message=f"year out of range: {str(value)[:40]}")
    return int(value)
