"""Engine, session factory, the one MetaData of the product, and the unit-of-work base.

SQLite (the default, a file under var/) and PostgreSQL (psycopg 3) run the same code.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from typing import Any, Callable, Self
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from shared.adapters.sql.read_scope import (
    end_read_snapshot,
    needs_database,
    register_request_sessions,
    request_read_session,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

# The data version: one row whose number every unit of work's commit raises in its own
# transaction. A read model's results cached by a process (``SqlReadModel._memo``) are served
# again only while the number read in the request's read transaction is the one they were
# computed under, so a write committed by any process (another worker, the CLI, a job runner)
# invalidates them with no message between processes; the check is one indexed read per request.
data_version = sa.Table(
    "data_version", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)
DATA_VERSION_ROW = 1


def data_version_seed() -> int:
    """The first number of a new database: random, so that a database made again from scratch
    (tests, a restored backup) never repeats numbers a running process has cached results under."""
    return secrets.randbits(52)


@event.listens_for(data_version, "after_create")
def _seed_data_version(target: sa.Table, connection: Any, **_kw: Any) -> None:
    connection.execute(target.insert().values(id=DATA_VERSION_ROW, version=data_version_seed()))


_BUMP = data_version.update().where(data_version.c.id == DATA_VERSION_ROW).values(
    version=data_version.c.version + 1)


STAMP_SQL = f"SELECT version FROM data_version WHERE id = {DATA_VERSION_ROW}"


def read_data_version(session: Session) -> int | None:
    """The current data version in ``session``'s transaction (None when the row is missing,
    e.g. after a test truncated every table: nothing is then served from a process cache).

    A request whose version no ``version_reader`` gave (one without a session, a failed
    round) and work outside HTTP ask here: plain SQL to the session's own connection (same
    transaction: ``session.connection()`` begins it as any statement would, deferred BEGIN on
    the read side), skipping the ORM's statement handling; the engine's events (statement
    logging, the tests' statement counts) still see it."""
    row = session.connection().exec_driver_sql(STAMP_SQL).first()
    return int(row[0]) if row is not None and row[0] is not None else None


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite would otherwise hand back naive values."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them to psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def create_engine(url: str, *, echo: bool = False, **kw: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        if ":memory:" not in url and url.rstrip("/") not in ("sqlite:", "sqlite+pysqlite:"):
            # A request holds one read connection from its session check to its last byte:
            # under load more are open at once than SQLAlchemy's default 5 (+10 overflow), and
            # every overflow connection was opened (4 PRAGMAs) and closed again per request.
            kw.setdefault("pool_size", 20)
            kw.setdefault("max_overflow", 20)
        engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 30}, **kw)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # Sized for the requests in flight on one worker (each holds its read connection to the
    # end): an overflow connection is a new PostgreSQL backend per request, and is closed
    # again. 25 per worker keeps four workers inside PostgreSQL's default 100.
    kw.setdefault("pool_size", 20)
    kw.setdefault("max_overflow", 5)
    ping_idle = kw.pop("pool_pre_ping", None) is None
    engine = sa.create_engine(url, echo=echo, **kw)
    if ping_idle:
        _ping_when_idle(engine)
    return engine


PING_IDLE_SECONDS = 1.0  # a pooled connection unused for longer is checked before it is lent


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping``, only for connections that sat in the pool for a while.

    The stock pre-ping costs a round trip (two on psycopg: BEGIN and SELECT 1) on every
    checkout, that is on every request. A connection handed back a moment ago is as alive as
    the server: a restart, an idle timeout or a network cut shows on connections that waited,
    and those are pinged. A restart in the middle of a busy second fails the requests in
    flight once; SQLAlchemy then invalidates the whole pool (a disconnect error), so the next
    requests get fresh connections."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()
        except Exception as err:  # noqa: BLE001 - any failure: the pool opens a new one
            raise exc.DisconnectionError() from err


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy manage transactions (pysqlite's own BEGIN handling is broken).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


READ_ONLY = "sanece_read_only"  # execution option of the read side's bind (see ``read_sessions``)


def _sqlite_on_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front: two writers then queue instead of failing
    # half-way with "database is locked" on upgrade from a read to a write transaction.
    # The read side never writes, so it takes a deferred BEGIN: a snapshot that, under WAL,
    # neither waits for nor blocks a writer (page views no longer queue on the write lock).
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The sessions of the read side: same engine and pool, deferred BEGIN on SQLite.

    Only read models use it; every unit of work keeps ``BEGIN IMMEDIATE`` up front, because a
    use case that reads and then writes must hold the write lock from its first read.

    Made once per ``sessions`` and reused: read-only units of work are built on every request."""
    twin = _read_twins.get(sessions)
    if twin is None:
        bind = sessions.kw["bind"]
        twin = _read_twins[sessions] = sessionmaker(bind=bind.execution_options(**{READ_ONLY: True}),
                                                    expire_on_commit=False, autoflush=False)
        if bind.dialect.name != "sqlite":
            # A request's read session on PostgreSQL: no transaction at all. Under READ
            # COMMITTED (the default, kept) every statement already reads its own snapshot,
            # so BEGIN and ROLLBACK bought nothing but two round trips per request. Streams
            # (server-side cursors need a transaction) keep the transactional twin above.
            register_request_sessions(twin, sessionmaker(
                bind=bind.execution_options(**{READ_ONLY: True}, isolation_level="AUTOCOMMIT"),
                expire_on_commit=False, autoflush=False))
    return twin


_read_twins: WeakKeyDictionary[sessionmaker[Session], sessionmaker[Session]] = WeakKeyDictionary()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


class SqlUnitOfWork:
    """One transaction. Repositories are attached in ``_attach``; they never commit.

    Leaving the block without ``commit()`` rolls back, so nothing is half-written.
    """

    # Whether a commit raises the data version (every result a process cached is then read
    # again). Only a unit of work over tables that no cached read reads may say no.
    changes_cached_reads = True

    def __init__(self, sessions: sessionmaker[Session], *, audit: Callable[[Session], Any],
                 read_only: bool = False) -> None:
        # ``audit``: the audit log's adapter, built on the unit's session (so that an audit
        # entry commits or rolls back with the change it records); injected by the container.
        # ``read_only``: for use cases that only read (deferred BEGIN on SQLite); ``commit``
        # is refused so that such a unit can never write without the write lock.
        self._audit = audit
        self._sessions = read_sessions(sessions) if read_only else sessions
        self._read_only = read_only
        self._borrowed = False
        self.session: Session | None = None

    def __enter__(self) -> Self:
        if not self._read_only:
            needs_database()  # a write never runs in the event loop (see ``memory_only``)
        if self._read_only:
            # Inside a request, a read-only unit reads in the request's read session (one
            # connection and one read transaction for the whole page, see ``read_scope``).
            shared = request_read_session(self._sessions)
            if shared is not None:
                self._borrowed = True
                self.session = shared
                self._attach(shared)
                return self
        self.session = self._sessions()
        self._attach(self.session)
        return self

    def _attach(self, session: Session) -> None:
        self.audit = self._audit(session)

    def __exit__(self, *exc: object) -> None:
        assert self.session is not None
        if self._borrowed:  # the request's session: closed when the request ends
            self._borrowed = False
            self.session = None
            return
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        assert self.session is not None
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        # Last statement of the transaction, so that the row is locked (PostgreSQL) only for the
        # instant before COMMIT: writers never wait on each other here for longer than that.
        if self.changes_cached_reads:
            self.session.execute(_BUMP)
        self.session.commit()
        # Reads later in the same request must see this write: end the request's read snapshot.
        end_read_snapshot()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()

    def _analyze(self, table_prefix: str) -> None:
        """ANALYZE a context's tables (those named ``<prefix>…``) after bulk loads, so that the
        planner of PostgreSQL, or SQLite's, knows their sizes. Same SQL on both databases."""
        assert self.session is not None
        for table in metadata.sorted_tables:
            if table.name.startswith(table_prefix):
                self.session.execute(sa.text(f"ANALYZE {table.name}"))
