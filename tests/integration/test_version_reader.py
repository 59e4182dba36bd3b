"""The data version read off the event loop's back on PostgreSQL (issue 12,
``AsyncVersionReader``; SQLite's ``SqliteVersionReader`` below): one round answers every request that joined it, a request never takes
the answer of a round that started before it arrived, and any failure leaves the request to its
own read through the pool."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from shared.adapters.sql.database import _BUMP, create_engine, read_data_version
from shared.adapters.sql.read_scope import current_read_scope, data_version_key, read_scope
from shared.adapters.sql.version_reader import (
    AsyncVersionReader,
    SqliteVersionReader,
    async_version_reader,
)


@pytest.fixture
def engine(pg_database: str):  # -> Engine
    engine = create_engine(pg_database)
    yield engine
    engine.dispose()


def _bump(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(_BUMP)


def _stored(engine: sa.Engine) -> int:
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        value = read_data_version(s)
        assert value is not None
        return value


class CountingReader(AsyncVersionReader):
    """The real reader; counts its rounds and can hold one after it read (``hold``)."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self.rounds = 0
        self.hold: asyncio.Event | None = None

    async def _read(self) -> int | None:
        self.rounds += 1
        value = await super()._read()
        if self.hold is not None:
            await self.hold.wait()
        return value


async def _prefetched(reader: AsyncVersionReader, engine: sa.Engine) -> int | None:
    with read_scope():
        await reader.prefetch()
        scope = current_read_scope()
        assert scope is not None
        return scope.memo.get(data_version_key(engine.pool))


def test_sqlite_reads_the_last_committed_version_on_a_plain_connection(tmp_path) -> None:  # noqa: ANN001
    from entrypoints.persistence import load_all_tables

    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        load_all_tables().create_all(engine)
        reader = async_version_reader(engine)
        assert isinstance(reader, SqliteVersionReader)

        async def main() -> None:
            first = await _prefetched(reader, engine)
            assert first == _stored(engine)
            _bump(engine)  # committed by another connection before the next request
            assert await _prefetched(reader, engine) == first + 1
            await reader.close()

        asyncio.run(main())
        memory = create_engine("sqlite://")
        assert async_version_reader(memory) is None
        memory.dispose()
    finally:
        engine.dispose()


def test_sqlite_errors_leave_the_request_to_its_own_read(tmp_path) -> None:  # noqa: ANN001
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no data_version table
    try:
        reader = async_version_reader(engine)
        assert asyncio.run(_prefetched(reader, engine)) is None
    finally:
        engine.dispose()


def test_concurrent_requests_share_rounds_and_see_every_earlier_commit(engine) -> None:  # noqa: ANN001
    reader = CountingReader(engine)

    async def main() -> None:
        first = await _prefetched(reader, engine)
        assert first == _stored(engine)
        _bump(engine)
        # a commit before the request arrived is always seen
        assert await _prefetched(reader, engine) == first + 1
        reader.rounds = 0
        values = await asyncio.gather(*(_prefetched(reader, engine) for _ in range(20)))
        assert values == [first + 1] * 20
        assert reader.rounds <= 2  # one round in flight and one that the rest joined
        await reader.close()

    asyncio.run(main())


def test_a_request_never_takes_a_round_that_started_before_it(engine) -> None:  # noqa: ANN001
    reader = CountingReader(engine)

    async def main() -> None:
        before = _stored(engine)
        reader.hold = asyncio.Event()
        early = asyncio.create_task(_prefetched(reader, engine))
        while reader.rounds == 0:  # the first round has read, and is held
            await asyncio.sleep(0.01)
        _bump(engine)  # committed while that round is in flight
        late = asyncio.create_task(_prefetched(reader, engine))
        await asyncio.sleep(0.05)
        assert not late.done()
        reader.hold.set()
        assert await early == before
        assert await late == before + 1  # read by a round of its own, after its arrival
        await reader.close()

    asyncio.run(main())


def test_a_request_that_leaves_does_not_end_the_round_of_the_others(engine) -> None:  # noqa: ANN001
    reader = CountingReader(engine)

    async def main() -> None:
        reader.hold = asyncio.Event()
        leaving = asyncio.create_task(_prefetched(reader, engine))
        staying = asyncio.create_task(_prefetched(reader, engine))
        while reader.rounds == 0:
            await asyncio.sleep(0.01)
        leaving.cancel()
        reader.hold.set()
        assert await staying == _stored(engine)
        with pytest.raises(asyncio.CancelledError):
            await leaving
        await reader.close()

    asyncio.run(main())


def test_a_failure_leaves_the_request_to_its_own_read_and_the_next_round_reconnects(
        engine) -> None:  # noqa: ANN001
    reader = AsyncVersionReader(engine)

    async def main() -> None:
        assert await _prefetched(reader, engine) == _stored(engine)
        # the server ends the reader's connection (a restart, an idle timeout)
        pid = reader._conn.info.backend_pid
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        # that round fails: nothing is put in the scope (the pool's read takes over), no error
        assert await _prefetched(reader, engine) is None
        assert await _prefetched(reader, engine) == _stored(engine)  # a new connection
        await reader.close()

    asyncio.run(main())


def test_an_unreachable_server_is_no_error(engine) -> None:  # noqa: ANN001
    reader = AsyncVersionReader(engine)
    reader._conninfo = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"

    async def main() -> None:
        assert await _prefetched(reader, engine) is None

    asyncio.run(main())


def test_a_new_event_loop_starts_afresh(engine) -> None:  # noqa: ANN001
    """Tests (and a restarted server in one process) run several loops one after another: the
    old loop's connection and rounds are left behind, never awaited from the new one."""
    reader = AsyncVersionReader(engine)
    assert asyncio.run(_prefetched(reader, engine)) == _stored(engine)
    _bump(engine)
    assert asyncio.run(_prefetched(reader, engine)) == _stored(engine)
