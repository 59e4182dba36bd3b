"""SQL helpers the contexts' repositories and read models share: IN lists in chunks, bulk
writes as executemany, and the base of a read model (one read session per request, or per
query outside a request; large results streamed, pages with their totals). The same code runs
on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import json
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool

from shared.adapters.sql.database import read_data_version, read_sessions
from shared.adapters.sql.read_scope import (  # noqa: F401 - re-exported
    ReadScope,
    _scope,
    data_version_key,
    end_read_snapshot,
    needs_database,
    read_scope,
    request_read_session,
)

T = TypeVar("T")
CHUNK = 2000  # ids per IN (...) list: well under SQLite's variable limit
STREAM_BATCH = 2000  # rows fetched at a time by ``SqlReadModel._stream``
MAX_OFFSET = 2**62  # well inside SQLite's and PostgreSQL's 64-bit OFFSET
PROCESS_CACHE_ENTRIES = 2048  # results kept per database by ``SqlReadModel._memo``
PROCESS_CACHE_ROWS = 100_000  # rows (or items) kept in all, per database
PROCESS_CACHE_ROWS_PER_ENTRY = 5_000  # larger results (exports, national lists) never are


def chunked(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for v in values:
        batch.append(v)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def among_ints(session: Any, column: Any, ids: Iterable[int]) -> Any:
    """``column IN ids`` with the ids bound as one value, however many: an array compared with
    ``= ANY`` on PostgreSQL, a JSON array read by ``json_each`` on SQLite (both use the
    column's index). Why: an IN list of thousands of parameters (the peers of a 2,857-row
    grid's products) was coerced and expanded by SQLAlchemy one value at a time on every
    execution, and past 2,000 needed chunks under SQLite's parameter limit."""
    values = [int(i) for i in ids]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(sa.Integer)))
    listed = sa.select(sa.column("value", sa.Integer)).select_from(
        sa.func.json_each(sa.bindparam(None, json.dumps(values), type_=sa.String)))
    return column.in_(listed)


def executemany(session: Any, stmt: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk writes as executemany (``conn.execute(insert(t), rows)``), never one VALUES list."""
    if rows:
        session.execute(stmt, list(rows))


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_tuples(session: Any, table: sa.Table, columns: Sequence[str],
                  rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany`` of an INSERT of plain values (no SQL defaults or type processing on
    these columns) given as tuples in ``columns`` order, straight to the driver: SQLAlchemy's
    per-row parameter processing was a third of writing a 2,857-row grid. Other parameter
    styles than SQLite's and psycopg's go through ``executemany``."""
    if not rows:
        return
    conn = session.connection()
    mark = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    if mark is None:
        executemany(session, sa.insert(table), [dict(zip(columns, r)) for r in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    conn.exec_driver_sql(sql, list(rows))


def update_tuples(session: Any, table: sa.Table, columns: Sequence[str], keys: Sequence[str],
                  rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany`` of an UPDATE setting ``columns`` on the row found by ``keys`` (a unique
    key, so an index finds it), each row given as a tuple of ``columns``' values then
    ``keys``' values; plain values straight to the driver, as ``insert_tuples``."""
    if not rows:
        return
    conn = session.connection()
    mark = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    if mark is None:
        stmt = sa.update(table).where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys)) \
            .values({c: sa.bindparam(f"s_{c}") for c in columns})
        names = [f"s_{c}" for c in columns] + [f"k_{k}" for k in keys]
        executemany(session, stmt, [dict(zip(names, r)) for r in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(c)} = {mark}' for c in columns)} "
           f"WHERE {' AND '.join(f'{quote(k)} = {mark}' for k in keys)}")
    conn.exec_driver_sql(sql, list(rows))


def delete_tuples(session: Any, table: sa.Table, keys: Sequence[str],
                  rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany`` of a DELETE of the row found by ``keys`` (a unique key), each row given
    as a tuple of ``keys``' values."""
    if not rows:
        return
    conn = session.connection()
    mark = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    if mark is None:
        stmt = sa.delete(table).where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
        executemany(session, stmt, [dict(zip((f"k_{k}" for k in keys), r)) for r in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"DELETE FROM {quote(table.name)} WHERE "
                         f"{' AND '.join(f'{quote(k)} = {mark}' for k in keys)}", list(rows))


def cached_read(method: Callable[..., T]) -> Callable[..., T]:
    """A read model method whose result a process serves again, for the same arguments, while
    the data version is unchanged (``SqlReadModel._memo``): no statement is even built. The
    arguments are the key (they are the query's whole input; the callers' scope checks run
    on every request). A list is kept as a tuple and handed out as a new list, a dict as a
    new dict; their items must be immutable (frozen attrs)."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: SqlReadModel, *args: Any, **kwargs: Any) -> Any:
        if _scope.get() is None:
            return method(self, *args, **kwargs)
        key = ("call", name, args, tuple(sorted(kwargs.items())) if kwargs else ())
        try:
            hash(key)
        except TypeError:
            return method(self, *args, **kwargs)

        def load() -> Any:
            value = method(self, *args, **kwargs)
            return tuple(value) if isinstance(value, list) else value

        value = self._memo(key, load)
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return list(value)
        return dict(value) if isinstance(value, dict) else value

    return wrapper  # type: ignore[return-value]


class SqlReadModel:
    """Reads straight from the tables (nothing is written), in the request's read session when
    there is one (``read_scope``), otherwise in a short session per query. Read sessions never
    take SQLite's write lock."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = read_sessions(sessions)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        needs_database()
        scope = _scope.get()
        if scope is not None:
            yield scope.session(self._sessions)
            return
        with self._sessions() as s:
            yield s

    def _memo(self, key: Any, load: Callable[[], T]) -> T:
        """``load()`` once per data version in this process, for ``key`` (reference rows and
        page sources that many requests read while nothing is written).

        Inside a request, the data version is read first, before any read it validates (once
        per request: by ``version_reader`` or here), and a result cached under that same
        version is served again; otherwise ``load()`` runs and its result is kept under it.
        Every unit of work's commit
        raises the version in its own transaction, in whatever process it runs, so a result is
        never served after a write it does not show. The key carries every argument of the
        query (institution, year, ...): the callers' scope checks run on every request as
        before, on the same values. Outside a request nothing is cached. Values must be
        immutable (frozen attrs, tuples): they are shared between requests and threads."""
        scope = _scope.get()
        if scope is None:
            return load()
        return _versioned_memo(scope, scope.session(self._sessions), (type(self).__name__, key), load)

    # ``params``: values of a statement built once with ``sa.bindparam`` (hot pages' queries).
    # Inside a request, the results of these three are cached by the process under the data
    # version (see ``_memo``), keyed by the statement and every value bound to it.
    def _all(self, q: Any, params: dict[str, Any] | None = None) -> Sequence[Any]:
        def run() -> tuple[Any, ...]:
            with self._read() as s:
                return tuple(s.execute(q, params).all())

        return list(self._statement_memo("all", q, params, run))

    def _first(self, q: Any, params: dict[str, Any] | None = None) -> Any:
        def run() -> Any:
            with self._read() as s:
                return s.execute(q, params).first()

        return self._statement_memo("first", q, params, run)

    def _scalar(self, q: Any, params: dict[str, Any] | None = None) -> Any:
        def run() -> Any:
            with self._read() as s:
                return s.execute(q, params).scalar()

        return self._statement_memo("scalar", q, params, run)

    def _statement_memo(self, kind: str, q: Any, params: dict[str, Any] | None,
                        run: Callable[[], T]) -> T:
        if _scope.get() is None:
            return run()
        key = _statement_key(q, params)
        if key is None:
            return run()
        return self._memo((kind, key), run)

    def _stream(self, q: Any) -> Iterator[Any]:
        """The rows of ``q`` fetched in batches (exports of national size stay in flat memory).
        A session of its own: the rows are consumed while the response streams."""
        needs_database()
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
        count_q, page_q = _count_of(counted), q.order_by(*order).offset(offset).limit(size)

        def run() -> tuple[tuple[Any, ...], int]:
            with self._read() as s:
                total = int(s.execute(count_q).scalar() or 0)
                if size == 0:
                    return (), total
                return tuple(s.execute(page_q).all()), total

        if _scope.get() is None:
            rows, total = run()
        else:
            keys = (_statement_key(count_q, None), _statement_key(page_q, None))
            rows, total = run() if None in keys else self._memo(("page", keys), run)
        return list(rows), total


def request_memo(session: Session, key: Any, load: Callable[[], T]) -> T:
    """``SqlReadModel._memo`` for a repository read in ``session``: cached only when
    ``session`` is the request's read session (a unit of work that writes reads its own
    uncommitted changes, which must never be shared); otherwise ``load()``."""
    scope = _scope.get()
    if scope is None or not scope.is_read_session(session):
        return load()
    return _versioned_memo(scope, session, key, load)


def _versioned_memo(scope: ReadScope, session: Session, key: Any, load: Callable[[], T]) -> T:
    if key in scope.memo:
        return scope.memo[key]  # type: ignore[no-any-return]
    pool = session.get_bind().pool
    stamp_key = data_version_key(pool)
    if stamp_key not in scope.memo:
        # read before anything it validates (unless ``version_reader`` already did)
        scope.memo[stamp_key] = read_data_version(session)
    stamp = scope.memo[stamp_key]
    cache = _process_caches.get(pool) if stamp is not None else None
    if stamp is not None and cache is None:
        cache = _process_caches.setdefault(pool, {})
    hit = cache.get(key) if cache is not None else None
    if hit is not None and hit[0] == stamp:
        value = hit[1]
    else:
        needs_database()  # a miss: the query runs in a worker thread, not the event loop
        value = load()
        size = _size(value)
        if cache is not None and size <= PROCESS_CACHE_ROWS_PER_ENTRY:
            rows = _cached_rows.get(pool, 0) + size
            if len(cache) >= PROCESS_CACHE_ENTRIES or rows > PROCESS_CACHE_ROWS:
                cache.clear()  # bounded memory; refilled by the next requests
                rows = size
            _cached_rows[pool] = rows
            cache[key] = (stamp, value)
    scope.memo[key] = value
    return value


# Per connection pool (one per database and engine): a disposed engine's results go with it.
_process_caches: WeakKeyDictionary[Pool, dict[Any, tuple[int, Any]]] = WeakKeyDictionary()
_cached_rows: WeakKeyDictionary[Pool, int] = WeakKeyDictionary()




def _size(value: Any) -> int:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], tuple):
        return len(value[0])  # a page and its total
    return len(value) if isinstance(value, (tuple, list, dict)) else 1


def _statement_key(q: Any, params: dict[str, Any] | None) -> Any:
    """The statement's structure and every value bound to it (hashable), or None when the
    statement cannot be cached (SQLAlchemy says so, or a value is not hashable)."""
    generate = getattr(q, "_generate_cache_key", None)
    ck = generate() if generate is not None else None
    if ck is None:
        return None
    try:
        values = tuple(_frozen(bp.effective_value) for bp in ck.bindparams)
        extra = tuple(sorted((k, _frozen(v)) for k, v in params.items())) if params else ()
        key = (ck.key, values, extra)
        hash(key)
    except TypeError:
        return None
    return key


def _frozen(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return (type(value).__name__, *(_frozen(v) for v in value))
    if isinstance(value, dict):
        return ("dict", *sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _count_of(q: sa.Select) -> sa.Select:
    return sa.select(sa.func.count()).select_from(q.subquery())
