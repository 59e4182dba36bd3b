from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


class SystemClock:
    """The real clock: UTC instants, civil dates in the product's time zone."""

    def __init__(self, tz: str = "America/Mexico_City") -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return datetime.now(self.tz).date()
