"""PostgreSQL connections of the read side and the pool (issue 12): a request's reads send no
BEGIN/ROLLBACK, and a pooled connection is pinged only after it waited in the pool, so that a
busy server does not pay a round trip per request while a restart is still survived."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from psycopg.pq import TransactionStatus

from shared.adapters.sql import database
from shared.adapters.sql.database import create_engine
from shared.adapters.sql.queries import read_scope


@pytest.fixture
def pg_url(pg_database: str) -> str:
    return pg_database


def _status(session) -> TransactionStatus:  # noqa: ANN001
    return session.connection().connection.dbapi_connection.pgconn.transaction_status


def test_a_requests_reads_open_no_transaction(pg_url: str) -> None:
    """Under READ COMMITTED each statement reads its own snapshot: a transaction around a page's
    reads only cost BEGIN and ROLLBACK. The request's read session runs in autocommit, so the
    server sees the SELECTs alone; a use case's unit of work keeps its transaction."""
    from sqlalchemy.orm import sessionmaker

    from shared.adapters.sql.read_scope import request_read_session

    engine = create_engine(pg_url)
    try:
        sessions = sessionmaker(bind=engine)
        with read_scope():
            s = request_read_session(database.read_sessions(sessions))
            assert s is not None
            assert s.execute(sa.text("SELECT 1")).scalar() == 1
            assert _status(s) == TransactionStatus.IDLE  # no BEGIN was sent
        with sessions() as writer:
            writer.execute(sa.text("SELECT 1"))
            assert _status(writer) == TransactionStatus.INTRANS  # writes stay transactional
        # A stream (server-side cursor) outside the request keeps its transaction too.
        with database.read_sessions(sessions)() as streaming:
            rows = streaming.execute(sa.select(sa.literal(1)).execution_options(yield_per=10))
            assert [r[0] for r in rows] == [1]
    finally:
        engine.dispose()


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    killer = sa.create_engine(database.normalize_url(url), poolclass=sa.pool.NullPool)
    with killer.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    killer.dispose()


def test_a_connection_that_waited_in_the_pool_is_checked_before_use(pg_url: str,
                                                                    monkeypatch) -> None:
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        _terminate(pg_url, first)  # as a server restart or an idle timeout would
        monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)  # it "waited" long enough
        second = _backend_pid(engine)  # no error: pinged, found dead, replaced
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_back_in_the_pool_a_moment_ago_is_lent_without_a_ping(pg_url: str,
                                                                          monkeypatch) -> None:
    """The trade-off, pinned: a connection that died within the last second fails the one
    request that uses it, and the pool is renewed at once for the next."""
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        monkeypatch.setattr(database, "PING_IDLE_SECONDS", 3600.0)
        first = _backend_pid(engine)
        _terminate(pg_url, first)
        with pytest.raises(sa.exc.OperationalError) as err:
            _backend_pid(engine)
        assert err.value.connection_invalidated
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
