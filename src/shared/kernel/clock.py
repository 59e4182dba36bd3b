"""Time comes from a port so that rules about expiry, lockouts and windows are testable."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware datetime in UTC."""
        ...

    def today(self) -> date:
        """The civil date where the product is used (local time zone)."""
        ...


class FixedClock:
    """A clock that only moves when told to (tests, reproducible demo data)."""

    def __init__(self, at: datetime, local_offset: timedelta = timedelta(hours=-6)) -> None:
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        self._at = at
        self._offset = local_offset

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return (self._at + self._offset).date()

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta

    def set(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
