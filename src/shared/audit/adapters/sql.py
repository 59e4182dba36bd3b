"""The audit log in SQL: an append-only, hash-chained table.

Appends are chained (``shared.audit.chain``) and serialized so that two writers never chain
from the same entry: on SQLite every writing transaction already holds the write lock
(``BEGIN IMMEDIATE``); on PostgreSQL a transaction-scoped advisory lock is taken right before
the append. Entries are buffered and appended just before the transaction commits, so the
lock is held only for the few inserts at the end: a transaction holding it never waits for
another lock, hence no deadlock. ``UNIQUE(prev_hash)`` makes a fork impossible even if
serialization failed (the second writer errors instead). Triggers refuse UPDATE, DELETE and
TRUNCATE on the table (migration 0009 creates them; ``create_all`` gets the same DDL here).
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from shared.adapters.sql.database import UtcDateTime, metadata
from shared.audit.chain import GENESIS, ChainLink, all_text, entry_hash
from shared.audit.domain import AuditEntry, AuditFilter, AuditRecord

# pg_advisory_xact_lock key of audit appends (any constant, unique within the product).
APPEND_LOCK_KEY = 0x5A0A_0D17

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
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_log_target", "target_type", "target_id"),
)

# --- append-only triggers (the same statements as migration 0009) ---------------------------
# No "%" in these texts: SQLAlchemy's DDL formats the statement with Python's "%" operator.
PG_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$
"""
PG_REFUSE_TRIGGER = """
CREATE TRIGGER audit_log_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
"""
SQLITE_REFUSE_UPDATE = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END
"""
# SQLite has no TRUNCATE; a DELETE without WHERE fires this trigger too (a table with a
# DELETE trigger never takes the truncate shortcut).
SQLITE_REFUSE_DELETE = """
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END
"""

for _ddl, _dialect in ((PG_REFUSE_FUNCTION, "postgresql"), (PG_REFUSE_TRIGGER, "postgresql"),
                       (SQLITE_REFUSE_UPDATE, "sqlite"), (SQLITE_REFUSE_DELETE, "sqlite")):
    event.listen(audit_log, "after_create", sa.DDL(_ddl).execute_if(dialect=_dialect))


class SqlAuditLog:
    """Write side, bound to one unit of work's session: ``record`` buffers, the session's
    commit appends (chained) in the same transaction, a rollback drops the buffer."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._pending: list[AuditEntry] = []
        self._hooked = False

    def record(self, entry: AuditEntry) -> None:
        # The session's hooks are set by the first entry: setting them cost more than a whole
        # read (every request's session check), and most units of work never audit.
        if not self._hooked:
            event.listen(self._session, "before_commit", self._append_pending)
            event.listen(self._session, "after_transaction_end", self._forget_on_end)
            self._hooked = True
        self._pending.append(entry)

    def _append_pending(self, session: Session) -> None:
        if not self._pending or session.in_nested_transaction():
            return  # a savepoint's release: the entries go with the outer commit
        entries, self._pending = self._pending, []
        append_entries(session, entries)

    def _forget_on_end(self, session: Session, transaction: Any) -> None:
        if transaction.parent is None:  # the outermost transaction ended (rolled back)
            self._pending.clear()


def append_entries(session: Any, entries: Sequence[AuditEntry]) -> None:
    """Append ``entries`` to the chain, in order, inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(APPEND_LOCK_KEY)))
    prev = session.execute(sa.select(audit_log.c.entry_hash).order_by(audit_log.c.id.desc())
                           .limit(1)).scalar() or GENESIS
    for entry in entries:
        stored = AuditEntry(entry.at, entry.actor, entry.action, entry.target_type,
                            entry.target_id, _jsonable(entry.before), _jsonable(entry.after),
                            entry.reason)
        digest = entry_hash(prev, stored)
        session.execute(sa.insert(audit_log).values(
            at=stored.at, actor=stored.actor, action=stored.action,
            target_type=stored.target_type, target_id=stored.target_id, before=stored.before,
            after=stored.after, reason=stored.reason, prev_hash=prev, entry_hash=digest))
        prev = digest


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
        return [AuditRecord(r["id"], _entry(r)) for r in rows]

    def chain(self) -> Iterator[ChainLink]:
        """Every entry in chain order, fetched in batches (flat memory on a long trail)."""
        q = sa.select(audit_log).order_by(audit_log.c.id).execution_options(yield_per=2000)
        with self._sessions() as s:
            for r in s.execute(q).mappings():
                yield ChainLink(r["id"], _entry(r), r["prev_hash"], r["entry_hash"])


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(r["at"], r["actor"], r["action"], r["target_type"], r["target_id"],
                      r["before"], r["after"], r["reason"])


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all_text(value):  # a grid save's ~2,857 record lines: no call per line
            return list(value)
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
