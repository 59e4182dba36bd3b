"""Dates and instants as the users read them (the kernel's civil time, named here for the
excedentes domain's modules)."""

from __future__ import annotations

from shared.kernel.civil_time import (  # noqa: F401 - this context's names for them
    PRODUCT_TIME_ZONE,
    as_utc,
    format_date,
    format_datetime,
    local_tz,
)
