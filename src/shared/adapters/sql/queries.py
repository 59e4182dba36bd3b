"""SQL helpers the contexts' repositories and read models share: IN lists in chunks, bulk
writes as executemany, and the base of a read model (one read session per request, or per
query outside a request; large results streamed, pages with their totals). The same code runs
on SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from shared.adapters.sql.database import read_sessions
from shared.adapters.sql.read_scope import (  # noqa: F401 - re-exported
    ReadScope,
    _scope,
    end_read_snapshot,
    read_scope,
    request_read_session,
)

T = TypeVar("T")
CHUNK = 2000  # ids per IN (...) list: well under SQLite's variable limit
STREAM_BATCH = 2000  # rows fetched at a time by ``SqlReadModel._stream``
MAX_OFFSET = 2**62  # well inside SQLite's and PostgreSQL's 64-bit OFFSET


def chunked(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for v in values:
        batch.append(v)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def executemany(session: Any, stmt: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk writes as executemany (``conn.execute(insert(t), rows)``), never one VALUES list."""
    if rows:
        session.execute(stmt, list(rows))


class SqlReadModel:
    """Reads straight from the tables (nothing is written), in the request's read session when
    there is one (``read_scope``), otherwise in a short session per query. Read sessions never
    take SQLite's write lock."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = read_sessions(sessions)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        scope = _scope.get()
        if scope is not None:
            yield scope.session(self._sessions)
            return
        with self._sessions() as s:
            yield s

    def _memo(self, key: Any, load: Callable[[], T]) -> T:
        """``load()`` once per request for ``key`` (reference rows read several times by a page)."""
        scope = _scope.get()
        if scope is None:
            return load()
        key = (type(self).__name__, key)
        if key not in scope.memo:
            scope.memo[key] = load()
        return scope.memo[key]  # type: ignore[no-any-return]

    # ``params``: values of a statement built once with ``sa.bindparam`` (hot pages' queries)
    def _all(self, q: Any, params: dict[str, Any] | None = None) -> Sequence[Any]:
        with self._read() as s:
            return s.execute(q, params).all()

    def _first(self, q: Any, params: dict[str, Any] | None = None) -> Any:
        with self._read() as s:
            return s.execute(q, params).first()

    def _scalar(self, q: Any, params: dict[str, Any] | None = None) -> Any:
        with self._read() as s:
            return s.execute(q, params).scalar()

    def _stream(self, q: Any) -> Iterator[Any]:
        """The rows of ``q`` fetched in batches (exports of national size stay in flat memory).
        A session of its own: the rows are consumed while the response streams."""
        with self._sessions() as s:
            yield from s.execute(q.execution_options(yield_per=STREAM_BATCH))

    def _count(self, q: sa.Select) -> int:
        """How many rows ``q`` returns."""
        return int(self._scalar(_count_of(q)) or 0)

    def _page(self, q: sa.Select, order: Sequence[Any], offset: int, limit: int,
              cap: int | None = None) -> tuple[Sequence[Any], int]:
        """A page of ``q`` and its total, read in one session; with ``cap`` only the first
        ``cap`` rows count."""
        # Bounded like ``PageRequest``: an offset past a 64-bit integer is an overflow in the
        # driver (a 500), while one past the end is simply an empty page.
        offset = max(0, min(int(offset), MAX_OFFSET))
        counted = q.order_by(*order).limit(cap) if cap is not None else q
        size = limit if cap is None else max(0, min(limit, cap - offset))
        with self._read() as s:
            total = int(s.execute(_count_of(counted)).scalar() or 0)
            if size == 0:
                return [], total
            return s.execute(q.order_by(*order).offset(offset).limit(size)).all(), total


def _count_of(q: sa.Select) -> sa.Select:
    return sa.select(sa.func.count()).select_from(q.subquery())
