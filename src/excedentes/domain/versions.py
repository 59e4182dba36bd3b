"""Optimistic concurrency: the version a page or API client was drawn from.

Everything two people can edit carries a ``VersionStamp`` (a counter plus who saved it and
when). A save names the version it started from; the adapter bumps the counter with one
``UPDATE … WHERE version = :expected`` and a save whose expected version is no longer current
changes nothing and raises ``StaleVersion`` with the current stamp, so the user sees who saved
before them instead of silently losing (or erasing) that work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from excedentes.domain.bounds import MAX_ID
from excedentes.domain.dates import format_datetime
from excedentes.domain.errors import StaleVersion, VersionRequired

# A version fits the INTEGER columns on both databases (the bound of an id); anything larger
# is not a version we ever issued (and must not reach PostgreSQL as an out-of-range parameter).
MAX_VERSION = MAX_ID


@attrs.frozen
class VersionStamp:
    version: int = 0  # 0: never saved
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def etag(self) -> str:
        """The HTTP entity tag of this version (a quoted token)."""
        return f'"{self.version}"'

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "updated_by": self.updated_by,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


NEVER_SAVED = VersionStamp()


def parse_version(raw: Any) -> int | None:
    """A version from a form field or an ``If-Match`` value (``"3"``, ``W/"3"``, ``3``);
    None when it is not one we could have issued (the caller treats that as stale)."""
    text = "" if raw is None else str(raw).strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip().strip('"').strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_VERSION else None


# A save that did not say which version it changes: the use case refuses it with
# ``VersionRequired`` after its scope and lock checks (so a foreign id is still a 404 and a
# finalized entity still says why it is locked).
VERSION_MISSING = -1


def version_required(what: str = "la tabla") -> VersionRequired:
    return VersionRequired(f"No se indicó la versión de {what} que se modificó; vuelva a "
                           "abrir la página e intente de nuevo.",
                           log_message="save without expected version")


def require_version(raw: Any, what: str = "la tabla") -> int:
    """The expected version of a form save: ``VERSION_MISSING`` when absent; garbage ->
    ``StaleVersion`` (it can never match a version we issued)."""
    if raw is None or not str(raw).strip():
        return VERSION_MISSING
    value = parse_version(raw)
    if value is None:
        raise StaleVersion(f"La versión de {what} no es válida; vuelva a abrir la página.",
                           log_message=f"unparseable version {str(raw)[:40]!r}")
    return value


def stale_message(stamp: VersionStamp, what: str = "esta tabla") -> str:
    """'Otra persona guardó esta tabla el 06/12/2026 10:42 (capturista.ss.bc2)…'."""
    when = f" el {format_datetime(stamp.updated_at)}" if stamp.updated_at else ""
    who = f" ({stamp.updated_by})" if stamp.updated_by else ""
    return (f"Otra persona guardó {what}{when}{who} después de que usted abrió la página; "
            "no se guardó ninguno de sus cambios. Revise los valores actuales junto a los que "
            "usted escribió y vuelva a guardar.")


def stale(stamp: VersionStamp, what: str = "esta tabla") -> StaleVersion:
    return StaleVersion(stale_message(stamp, what), details=stamp.as_dict(),
                        log_message=f"stale save: current version {stamp.version}")
