"""SQL helpers the contexts' repositories and read models share: IN lists in chunks, bulk
writes as executemany, and the base of a read model (one short session per query, large
results streamed, pages with their totals). The same code runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
CHUNK = 2000  # ids per IN (...) list: well under SQLite's variable limit
STREAM_BATCH = 2000  # rows fetched at a time by ``SqlReadModel._stream``


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
    """Reads straight from the tables, each in a session of its own (nothing is written)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def _all(self, q: Any) -> Sequence[Any]:
        with self._sessions() as s:
            return s.execute(q).all()

    def _first(self, q: Any) -> Any:
        with self._sessions() as s:
            return s.execute(q).first()

    def _scalar(self, q: Any) -> Any:
        with self._sessions() as s:
            return s.execute(q).scalar()

    def _stream(self, q: Any) -> Iterator[Any]:
        """The rows of ``q`` fetched in batches (exports of national size stay in flat memory)."""
        with self._sessions() as s:
            yield from s.execute(q.execution_options(yield_per=STREAM_BATCH))

    def _count(self, q: sa.Select) -> int:
        """How many rows ``q`` returns."""
        return int(self._scalar(_count_of(q)) or 0)

    def _page(self, q: sa.Select, order: Sequence[Any], offset: int, limit: int,
              cap: int | None = None) -> tuple[Sequence[Any], int]:
        """A page of ``q`` and its total, read in one session; with ``cap`` only the first
        ``cap`` rows count."""
        counted = q.order_by(*order).limit(cap) if cap is not None else q
        size = limit if cap is None else max(0, min(limit, cap - offset))
        with self._sessions() as s:
            total = int(s.execute(_count_of(counted)).scalar() or 0)
            if size == 0:
                return [], total
            return s.execute(q.order_by(*order).offset(offset).limit(size)).all(), total


def _count_of(q: sa.Select) -> sa.Select:
    return sa.select(sa.func.count()).select_from(q.subquery())
