"""Business days for the review queue's ages: Monday to Friday except Mexico's federal
holidays (Ley Federal del Trabajo, art. 74), kept as data: the observed dates per year, so
that a new year is one line and nothing is computed from rules that changed over time."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from statistics import median
from typing import Iterable, Sequence

# Observed dates (the Mondays the law moves some holidays to), 2024-2030; 1 October only in
# the years of a presidential transmission of power (2024, 2030).
MEXICAN_FEDERAL_HOLIDAYS: frozenset[date] = frozenset(date.fromisoformat(d) for d in (
    "2024-01-01", "2024-02-05", "2024-03-18", "2024-05-01", "2024-09-16", "2024-10-01",
    "2024-11-18", "2024-12-25",
    "2025-01-01", "2025-02-03", "2025-03-17", "2025-05-01", "2025-09-16", "2025-11-17",
    "2025-12-25",
    "2026-01-01", "2026-02-02", "2026-03-16", "2026-05-01", "2026-09-16", "2026-11-16",
    "2026-12-25",
    "2027-01-01", "2027-02-01", "2027-03-15", "2027-05-01", "2027-09-16", "2027-11-15",
    "2027-12-25",
    "2028-01-01", "2028-02-07", "2028-03-20", "2028-05-01", "2028-09-16", "2028-11-20",
    "2028-12-25",
    "2029-01-01", "2029-02-05", "2029-03-19", "2029-05-01", "2029-09-16", "2029-11-19",
    "2029-12-25",
    "2030-01-01", "2030-02-04", "2030-03-18", "2030-05-01", "2030-09-16", "2030-10-01",
    "2030-11-18", "2030-12-25",
))

DEFAULT_TARGET_DAYS = 5
# Age bands of the statistics page: (label, lowest age, highest age or None)
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-2 días hábiles", 0, 2), ("3-5 días hábiles", 3, 5), ("6-10 días hábiles", 6, 10),
    ("Más de 10 días hábiles", 11, None))


def is_business_day(d: date, holidays: frozenset[date] = MEXICAN_FEDERAL_HOLIDAYS) -> bool:
    return d.weekday() < 5 and d not in holidays


def business_days_between(start: date, end: date,
                          holidays: frozenset[date] = MEXICAN_FEDERAL_HOLIDAYS) -> int:
    """Business days after ``start`` up to and including ``end`` (0 on the filing day, 1 the
    next business day; 0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    # whole weeks at once (5 weekdays each), then the rest by weekday arithmetic; the
    # weekday holidays in (start, end] subtracted by two bisections of a sorted list
    weeks, rest = divmod((end - start).days, 7)
    first = start.weekday()
    count = weeks * 5 + sum(1 for i in range(1, rest + 1) if (first + i) % 7 < 5)
    on_weekdays = _WEEKDAY_HOLIDAYS if holidays is MEXICAN_FEDERAL_HOLIDAYS else \
        _weekday_holidays(holidays)
    return count - (bisect_right(on_weekdays, end) - bisect_right(on_weekdays, start))


def _weekday_holidays(holidays: Iterable[date]) -> tuple[date, ...]:
    return tuple(sorted(h for h in holidays if h.weekday() < 5))


_WEEKDAY_HOLIDAYS = _weekday_holidays(MEXICAN_FEDERAL_HOLIDAYS)


class BusinessAges:
    """Ages in business days up to ``today``, each filing day counted once (a page's rows
    share their days: a list computes its ages once per request, not once per row)."""

    def __init__(self, today: date, holidays: frozenset[date] = MEXICAN_FEDERAL_HOLIDAYS
                 ) -> None:
        self.today = today
        self._holidays = holidays
        self._ages: dict[date, int] = {}

    def __call__(self, day: date) -> int:
        age = self._ages.get(day)
        if age is None:
            age = self._ages[day] = business_days_between(day, self.today, self._holidays)
        return age


def age_band(age: int) -> str:
    for label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    raise ValueError(f"negative age {age}")


def median_days(values: Iterable[int]) -> float | None:
    items: Sequence[int] = sorted(values)
    return float(median(items)) if items else None


__all__ = ["AGE_BANDS", "BusinessAges", "DEFAULT_TARGET_DAYS", "MEXICAN_FEDERAL_HOLIDAYS", "age_band",
           "business_days_between", "is_business_day", "median_days"]
