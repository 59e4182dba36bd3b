"""Optimistic concurrency of SAnECE saves: a page (or an API client) says which version of the
folio or patient record it was drawn from; a save from a stale page changes nothing and is
refused with ``StaleVersion``, which names who made the current version and when, and carries
the current values so that the page can show them beside what the user typed.

The use case compares the version it loaded (locked for update) with the expected one, so the
loser of a race learns who won; the write itself is then conditioned on the expected version in
the database (``UPDATE … WHERE version = :expected``), so no interleaving can slip through.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.kernel.errors import Conflict, ValidationError

LOCAL_TIME_ZONE = "America/Mexico_City"
VERSION_INVALID = "La versión del registro no es válida; vuelve a abrir la página."
VERSION_MAX = 2_147_483_647


@lru_cache(maxsize=1)
def _local_tz() -> tzinfo:
    try:
        return ZoneInfo(LOCAL_TIME_ZONE)
    except ZoneInfoNotFoundError:  # no tz database: the product's standard offset
        return timezone(timedelta(hours=-6), "CST")


def format_moment(at: datetime | None) -> str:
    """dd/mm/aaaa hh:mm in the product's local time ("" when unknown)."""
    if at is None:
        return ""
    aware = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return aware.astimezone(_local_tz()).strftime("%d/%m/%Y %H:%M")


def parse_version(raw: object) -> int | None:
    """The version a form or an ``If-Match`` carried (None when absent)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().strip('"')
        if text.startswith("W/"):
            text = text[2:].strip('"')
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            raise ValidationError(VERSION_INVALID, log_message="malformed version")
        value = int(text)
    if not 0 <= value <= VERSION_MAX:
        raise ValidationError(VERSION_INVALID, log_message="version out of range")
    return value


class StaleVersion(Conflict):
    """The record changed since the page was drawn: nothing was saved."""

    code = "stale_version"

    def __init__(self, what: str, *, version: int, changed_by: str | None,
                 changed_at: datetime | None, current: dict[str, Any]) -> None:
        who = f" por {changed_by}" if changed_by else " por otro usuario"
        when = f" el {format_moment(changed_at)}" if changed_at else ""
        super().__init__(
            f"{what} fue modificado{who}{when} después de que abriste la página, así que tus "
            "datos no se guardaron. Revisa los valores actuales y, si aún aplica, vuelve a "
            "enviarlos.",
            log_message=f"stale version (current {version})",
            details={"version": version, "changed_by": changed_by,
                     "changed_at": changed_at.isoformat() if changed_at else None,
                     "current": current})
        self.version = version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current = current


def check_version(what: str, entity: Any, expected: int | None,
                  current: dict[str, Any]) -> None:
    """``StaleVersion`` when the page's version is not the record's (None: not checked, for
    callers without a page, such as the CLI and imports)."""
    if expected is not None and entity.version != expected:
        raise StaleVersion(what, version=entity.version, changed_by=entity.changed_by,
                           changed_at=entity.changed_at, current=current)
