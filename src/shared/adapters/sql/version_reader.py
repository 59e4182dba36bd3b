"""The request's data version read without blocking the event loop (PostgreSQL) or with
little more than the read itself (SQLite).

Every logged-in request first reads the data version (``read_data_version``): the process's
cached reads are served again only under the version they were computed at. On PostgreSQL that
read is a network round trip, and a page served from memory in the event loop
(``memory_first``) waited for it with the loop blocked: nothing else was served meanwhile.
`bench/http.py` printed the PostgreSQL pages at 0.41-0.54 of the bare page against 0.55-0.94
on SQLite. On SQLite the read itself is a few microseconds; the session, pooled connection,
BEGIN and ROLLBACK around it were not (``SqliteVersionReader``).

``AsyncVersionReader`` reads it on an asynchronous connection of its own, in rounds: a request
joins the next round that has not started yet (never one already in flight, which might have
read before a write that committed before the request arrived), and one round answers every
request that joined it. So the guarantee is the synchronous read's: the version a request
sees was read after the request arrived. The round's answer is put in the request's read
scope, where ``_versioned_memo`` finds it instead of reading it again.

Any failure (server restarted, connection lost, a round over ``ROUND_TIMEOUT_SECONDS``)
leaves the request without a prefetched version: its first read then asks the engine's pool,
as before, and the next round opens a new connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

from sqlalchemy.engine import Engine

from shared.adapters.sql.database import STAMP_SQL
from shared.adapters.sql.read_scope import current_read_scope, data_version_key

ROUND_TIMEOUT_SECONDS = 5.0


class AsyncVersionReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._conn: Any = None
        self._waiting: asyncio.Future[int | None] | None = None  # the round not started yet
        self._running = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new event loop (a server restarted in the same process, as tests do): the rounds
        and the connection of the old one are left behind, never awaited from this one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.pgconn.finish()
        self._loop, self._waiting, self._running = loop, None, False

    async def prefetch(self) -> None:
        """Put the current data version in the request's read scope, read after now."""
        wanted = _unread(self._engine)
        if wanted is None:
            return
        scope, key = wanted
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._adopt(loop)
        fut = self._waiting
        if fut is None:
            fut = self._waiting = loop.create_future()
            fut.add_done_callback(_retrieve)
            if not self._running:
                self._start()
        try:
            # shielded: one request's cancellation (its client left) must not end the round
            # the other requests wait for
            version = await asyncio.shield(fut)
        except Exception:  # noqa: BLE001 - the request's own read (the pool's) takes over
            return
        scope.memo[key] = version

    def _start(self) -> None:
        fut, self._waiting = self._waiting, None
        assert fut is not None
        self._running = True
        asyncio.get_running_loop().create_task(self._round(fut))

    async def _round(self, fut: asyncio.Future[int | None]) -> None:
        try:
            version = await asyncio.wait_for(self._read(), ROUND_TIMEOUT_SECONDS)
        except BaseException as err:  # noqa: BLE001 - handed to the round's requests
            await self._drop()
            if not fut.done():
                fut.set_exception(err if isinstance(err, Exception) else RuntimeError(str(err)))
            if not isinstance(err, Exception):
                raise
        else:
            if not fut.done():
                fut.set_result(version)
        finally:
            self._running = False
            if self._waiting is not None:
                self._start()

    async def _read(self) -> int | None:
        if self._conn is None or self._conn.closed:
            import psycopg  # PostgreSQL only: SQLite deployments never import it

            self._conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        cur = await self._conn.execute(STAMP_SQL)
        row = await cur.fetchone()
        return int(row[0]) if row is not None and row[0] is not None else None

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # noqa: BLE001 - already broken; a new one is opened next round
                pass

    async def close(self) -> None:
        """At the server's shutdown (``on_shutdown``)."""
        if self._loop is asyncio.get_running_loop():
            await self._drop()


def _unread(engine: Engine) -> tuple[Any, tuple[str, int]] | None:
    """The request's read scope and where its data version goes, when it has none yet."""
    scope = current_read_scope()
    if scope is None:
        return None
    key = data_version_key(engine.pool)
    return None if key in scope.memo else (scope, key)


def _retrieve(fut: asyncio.Future[Any]) -> None:
    # a round whose every request left: its error is not "never retrieved"
    if not fut.cancelled():
        fut.exception()


class SqliteVersionReader:
    """SQLite: the version read on a plain ``sqlite3`` connection of the reading thread's own
    (the event loop's), in autocommit: one indexed row of the file as last committed, which is
    what the request's own first read would see, without a pooled connection, a session, and
    the BEGIN and ROLLBACK around it (that bookkeeping was most of a cached page's database
    time). Any error leaves the request to its own read through the pool."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._path = engine.url.database
        self._local = threading.local()

    async def prefetch(self) -> None:
        wanted = _unread(self._engine)
        if wanted is None:
            return
        scope, key = wanted
        try:
            scope.memo[key] = self._read()
        except sqlite3.Error:
            self._local.conn = None

    def _read(self) -> int | None:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # a WAL reader waits for no writer; the short timeout is for the rare moments
            # (recovery, a checkpoint resetting the log) when SQLite asks readers to wait
            conn = self._local.conn = sqlite3.connect(self._path, isolation_level=None,
                                                      check_same_thread=False, timeout=1.0)
        # fetchall: the statement runs to its end, so no read snapshot stays open on this
        # connection (a later read would see it instead of the last commit)
        rows = conn.execute(STAMP_SQL).fetchall()
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    async def close(self) -> None:
        conn, self._local.conn = getattr(self._local, "conn", None), None
        if conn is not None:
            conn.close()


def async_version_reader(engine: Engine) -> AsyncVersionReader | SqliteVersionReader | None:
    """The reader for ``engine``'s database (None for an in-memory SQLite database)."""
    if engine.dialect.name == "postgresql":
        return AsyncVersionReader(engine)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return SqliteVersionReader(engine)
    return None
