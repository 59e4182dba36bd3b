"""The hash chain that makes the audit trail tamper-evident.

Each entry stores ``prev_hash`` (the hash of the entry before it, ``GENESIS`` for the first)
and ``entry_hash = SHA-256(prev_hash + "\\n" + canonical content)``. Changing, removing or
inserting an entry anywhere but at the end breaks the chain from that entry on, which
``verify_chain`` reports by id. The head hash (the last ``entry_hash``) can be kept outside the
database to detect a rewrite of the whole tail too.

The canonical content is format version 1: keep it stable, existing chains depend on it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Iterable

import attrs

from shared.audit.domain import AuditEntry

GENESIS = "0" * 64


def canonical(entry: AuditEntry) -> str:
    """The entry as one JSON text: sorted keys, no spaces, UTC timestamp with microseconds."""
    return json.dumps({
        "v": 1,
        "at": _utc(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": _plain(entry.before),
        "after": _plain(entry.after),
        "reason": entry.reason,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode("utf-8")).hexdigest()


def _utc(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def all_text(values: Any) -> bool:
    """Whether every item is a plain string (a list then needs no conversion item by item)."""
    return all(type(v) is str for v in values)


def _plain(value: Any) -> Any:
    # Mappings stored as JSON come back as dicts; Mapping proxies/attrs values are made plain.
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all_text(value):  # a grid save's ~2,857 record lines: no call per line
            return list(value)
        return [_plain(v) for v in value]
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@attrs.frozen
class ChainLink:
    """One stored entry with its chain columns, as read back from the database."""

    id: int
    entry: AuditEntry
    prev_hash: str
    entry_hash: str


@attrs.frozen
class ChainReport:
    checked: int  # entries walked (up to and including the first broken one)
    head: str  # the last good entry_hash (GENESIS when the trail is empty)
    broken_id: int | None = None
    problem: str | None = None  # Spanish, for the CLI

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def verify_chain(links: Iterable[ChainLink]) -> ChainReport:
    """Walk the entries in id order; stop at the first one whose link or content is wrong."""
    prev = GENESIS
    checked = 0
    for link in links:
        checked += 1
        if link.prev_hash != prev:
            return ChainReport(checked, prev, link.id,
                               f"la entrada {link.id} no enlaza con la anterior (falta o se "
                               "alteró una entrada previa)")
        if entry_hash(prev, link.entry) != link.entry_hash:
            return ChainReport(checked, prev, link.id,
                               f"el contenido de la entrada {link.id} no coincide con su hash "
                               "(fue modificada)")
        prev = link.entry_hash
    return ChainReport(checked, prev)
