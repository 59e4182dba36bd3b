"""Completeness and timeliness of a collection: who answered, finalized, signed, was accepted,
and who finalized on time (on or before the window's last day, in the product's civil time).

Pure counting over ``EntityProgress`` facts; the read model supplies them per period,
institution and entity. "Días de retraso" is the median, over the entities that finalized
after the window's end, of the days between that end and the (current) finalization date.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime
from typing import Iterable

import attrs

from excedentes.domain.dates import as_utc, local_tz


def finalized_day(at: datetime) -> date:
    """The civil date (product time zone) a finalization happened."""
    return as_utc(at).astimezone(local_tz()).date()


def days_late(finalized_at: datetime | None, window_end: date | None) -> int | None:
    """Days after the window's end the entity finalized; 0 on time; None if not finalized."""
    if finalized_at is None:
        return None
    if window_end is None:
        return 0
    return max((finalized_day(finalized_at) - window_end).days, 0)


@attrs.frozen
class EntityProgress:
    """One entity in one period."""

    answered: bool = False
    finalized_at: datetime | None = None
    window_end: date | None = None
    signed: bool = False
    accepted: bool = False

    @property
    def finalized(self) -> bool:
        return self.finalized_at is not None

    @property
    def days_late(self) -> int | None:
        return days_late(self.finalized_at, self.window_end)

    @property
    def on_time(self) -> bool:
        return self.days_late == 0


def _pct(n: int, of: int) -> float | None:
    return round(100.0 * n / of, 1) if of else None


@attrs.frozen
class Completeness:
    """The figures of a set of entities (one institution, one period, the country…)."""

    expected: int
    answered: int
    finalized: int
    signed: int
    accepted: int
    on_time: int
    late: int
    median_days_late: float | None

    @classmethod
    def of(cls, items: Iterable[EntityProgress]) -> "Completeness":
        items = list(items)
        lates = [d for d in (i.days_late for i in items) if d]
        return cls(
            expected=len(items), answered=sum(i.answered for i in items),
            finalized=sum(i.finalized for i in items), signed=sum(i.signed for i in items),
            accepted=sum(i.accepted for i in items), on_time=sum(i.on_time for i in items),
            late=len(lates),
            median_days_late=float(statistics.median(lates)) if lates else None)

    @property
    def finalized_pct(self) -> float | None:
        return _pct(self.finalized, self.expected)

    @property
    def on_time_pct(self) -> float | None:
        return _pct(self.on_time, self.expected)

    @property
    def accepted_pct(self) -> float | None:
        return _pct(self.accepted, self.expected)

    def as_dict(self) -> dict[str, object]:
        return {"expected": self.expected, "answered": self.answered,
                "finalized": self.finalized, "signed": self.signed, "accepted": self.accepted,
                "finalized_on_time": self.on_time, "finalized_late": self.late,
                "median_days_late": self.median_days_late,
                "finalized_pct": self.finalized_pct, "on_time_pct": self.on_time_pct,
                "accepted_pct": self.accepted_pct}
