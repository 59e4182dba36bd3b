"""The read side of one request: one read session (one connection, one read transaction) per
database, shared by every read model and read-only unit of work called while the request is
handled, and a memo of look-ups repeated within the request.

Its own module, importing nothing of the SQL helpers, so that the unit of work
(``database.py``) and the read models (``queries.py``) can both use it without importing
each other.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session, sessionmaker


class ReadScope:
    """The read side of one request: one read session (one connection, one read transaction)
    per session factory, opened on first use, and a memo of look-ups repeated within the
    request. A unit of work's commit ends it (``end_read_snapshot``), so a read after a write
    in the same request sees the write."""

    def __init__(self) -> None:
        self._open: dict[int, Session] = {}
        self.memo: dict[Any, Any] = {}

    def session(self, sessions: sessionmaker[Session]) -> Session:
        # Keyed by the connection pool: every read model on one database shares the session.
        key = id(sessions.kw["bind"].pool)
        s = self._open.get(key)
        if s is None:
            s = self._open[key] = _request_twins.get(sessions, sessions)()
        return s

    def is_read_session(self, session: Session) -> bool:
        return any(s is session for s in self._open.values())

    def end(self) -> None:
        self.memo.clear()
        open_, self._open = self._open, {}
        for s in open_.values():
            s.close()


_scope: ContextVar[ReadScope | None] = ContextVar("sql_read_scope", default=None)

# The sessions a request reads in, when they differ from the read side's own (PostgreSQL:
# autocommit, see ``database.read_sessions``); keyed by the read side's session factory.
_request_twins: WeakKeyDictionary[sessionmaker[Session], sessionmaker[Session]] = WeakKeyDictionary()


def register_request_sessions(read: sessionmaker[Session], request: sessionmaker[Session]) -> None:
    _request_twins[read] = request


def open_read_scope() -> Any:
    """``read_scope()`` without the context manager, for the per-request middleware: returns the
    token to hand to ``close_read_scope`` (in a ``finally``)."""
    return _scope.set(ReadScope())


def close_read_scope(token: Any) -> None:
    scope = _scope.get()
    _scope.reset(token)
    if scope is not None:
        scope.end()


@contextmanager
def read_scope() -> Iterator[ReadScope]:
    """Share one read session among the read models called inside the block (a request)."""
    scope = ReadScope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
        scope.end()


def current_read_scope() -> ReadScope | None:
    return _scope.get()


def data_version_key(pool: Any) -> tuple[str, int]:
    """Where a request's read scope keeps the data version it read on ``pool``'s database."""
    return ("data_version", id(pool))


def request_read_session(sessions: sessionmaker[Session]) -> Session | None:
    """The current request's read session (opened now if need be), or None outside a request."""
    scope = _scope.get()
    return scope.session(sessions) if scope is not None else None


def end_read_snapshot() -> None:
    """Called after a commit: later reads of this request start a fresh read transaction."""
    scope = _scope.get()
    if scope is not None:
        scope.end()


# --- memory first: the event loop serves what the process already holds --------------------

class NeedsDatabase(BaseException):
    """Raised inside ``memory_only()`` where a read would go past the process's caches (a miss,
    an uncached read) or a unit of work would write: the caller runs the work again in a
    worker thread. A ``BaseException``, so that no ``except Exception`` on the way swallows it."""


_memory_only: ContextVar[bool] = ContextVar("sql_memory_only", default=False)


@contextmanager
def memory_only() -> Iterator[None]:
    """Inside the block only the request's data version may be read from the database;
    anything else raises ``NeedsDatabase`` before it starts (nothing is half-done)."""
    token = _memory_only.set(True)
    try:
        yield
    finally:
        _memory_only.reset(token)


def needs_database() -> None:
    """Called where work would go to the database beyond the data version."""
    if _memory_only.get():
        raise NeedsDatabase()
