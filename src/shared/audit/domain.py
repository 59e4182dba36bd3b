"""An audit entry: who did what to which thing, when, with before -> after and a reason."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Protocol, Sequence

import attrs

from shared.kernel.clock import Clock
from shared.kernel.scope import Actor

if TYPE_CHECKING:
    from shared.audit.chain import ChainLink


@attrs.frozen
class AuditEntry:
    at: datetime
    actor: str  # username, or "system" / "cli:<user>" for unattended work
    action: str  # dotted verb, e.g. "identity.login_failed", "excedentes.finalize"
    target_type: str
    target_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str | None = None


@attrs.frozen
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # prefix match: "identity." lists every identity event
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100


@attrs.frozen
class AuditRecord:
    id: int
    entry: AuditEntry


class AuditLog(Protocol):
    """Write side: records an entry inside the caller's unit of work (same transaction)."""

    def record(self, entry: AuditEntry) -> None: ...


def record_action(log: AuditLog, clock: Clock, actor: Actor, action: str, target_type: str,
                  target_id: str, *, before: Mapping[str, Any] | None = None,
                  after: Mapping[str, Any] | None = None, reason: str | None = None) -> None:
    """Record what ``actor`` did now, inside the caller's transaction (``log`` is the unit of
    work's audit log)."""
    log.record(AuditEntry(at=clock.now(), actor=actor.username, action=action,
                          target_type=target_type, target_id=target_id, before=before,
                          after=after, reason=reason))


class AuditQuery(Protocol):
    def list(self, flt: AuditFilter) -> Sequence[AuditRecord]: ...

    def chain(self) -> "Iterator[ChainLink]":
        """Every entry with its chain columns, in chain order (``shared.audit.chain``)."""
        ...
