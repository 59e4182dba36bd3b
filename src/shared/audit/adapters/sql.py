from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.adapters.sql.database import UtcDateTime, metadata
from shared.audit.domain import AuditEntry, AuditFilter, AuditRecord

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(128), nullable=False, index=True),
    sa.Column("action", sa.String(96), nullable=False, index=True),
    sa.Column("target_type", sa.String(64), nullable=False),
    sa.Column("target_id", sa.String(128), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Index("ix_audit_log_target", "target_type", "target_id"),
)


class SqlAuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, entry: AuditEntry) -> None:
        self._session.execute(sa.insert(audit_log).values(
            at=entry.at, actor=entry.actor, action=entry.action, target_type=entry.target_type,
            target_id=entry.target_id, before=_jsonable(entry.before), after=_jsonable(entry.after),
            reason=entry.reason))


class SqlAuditQuery:
    def __init__(self, sessions: Any) -> None:
        self._sessions = sessions

    def list(self, flt: AuditFilter) -> Sequence[AuditRecord]:
        q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(max(1, min(flt.limit, 10000)))
        if flt.actor:
            q = q.where(audit_log.c.actor == flt.actor)
        if flt.action:
            q = q.where(audit_log.c.action.startswith(flt.action, autoescape=True))
        if flt.target_type:
            q = q.where(audit_log.c.target_type == flt.target_type)
        if flt.target_id:
            q = q.where(audit_log.c.target_id == flt.target_id)
        if flt.since:
            q = q.where(audit_log.c.at >= flt.since)
        if flt.until:
            q = q.where(audit_log.c.at < flt.until)
        with self._sessions() as s:
            rows = s.execute(q).mappings().all()
        return [AuditRecord(r["id"], AuditEntry(r["at"], r["actor"], r["action"], r["target_type"],
                                                r["target_id"], r["before"], r["after"], r["reason"]))
                for r in rows]


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
