"""Fixtures shared by every layer of tests.

``db_url`` runs a test on SQLite and on PostgreSQL (127.0.0.1:5432, database ``test``).
PostgreSQL tests skip with the reason when the server does not answer, except under
``REQUIRE_POSTGRES=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from hypothesis import settings as hypothesis_settings

from shared.kernel.clock import FixedClock

# No example is judged by its speed: hypothesis's deadline is a timing assertion, and the
# machine is shared (two test processes, browsers and servers run at once under `make test`).
hypothesis_settings.register_profile("product", deadline=None)
hypothesis_settings.load_profile("product")

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"
START = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)  # 10:00 in Mexico City


def _pg_problem() -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away database for this test session on the local PostgreSQL."""
    import sqlalchemy as sa

    problem = _pg_problem()
    if problem:
        msg = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {problem}"
        if REQUIRE_PG:
            pytest.fail(msg + " (REQUIRE_POSTGRES=1)")
        pytest.skip(msg)
    name = f"sanece_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}"
    from entrypoints.persistence import load_all_tables
    from shared.adapters.sql.database import create_engine

    engine = create_engine(url)
    load_all_tables().create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    import sqlalchemy as sa

    from entrypoints.persistence import load_all_tables
    from shared.adapters.sql.database import DATA_VERSION_ROW, data_version, data_version_seed

    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in load_all_tables().sorted_tables)
    with engine.begin() as conn:
        # audit_log refuses TRUNCATE (append-only trigger); as the superuser, the test cleanup
        # switches ordinary triggers off for this transaction only.
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        # The data version row is part of an empty database (migrations and create_all seed it).
        conn.execute(data_version.insert().values(id=DATA_VERSION_ROW, version=data_version_seed()))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        from entrypoints.persistence import load_all_tables
        from shared.adapters.sql.database import create_engine

        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = create_engine(url)
        load_all_tables().create_all(engine)
        engine.dispose()
        yield url
    else:
        url = request.getfixturevalue("pg_database")
        yield url
        _truncate_pg(url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(tmp_path: Path, db_url: str):  # -> Settings
    from shared.config import Settings

    env = {"VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": db_url, "SECRET_KEY": "test-secret",
           "LOG_JSON": "1", "LOG_LEVEL": "WARNING"}
    return Settings.from_env(env)


@pytest.fixture
def container(settings, clock):  # -> Container
    from dependency_injector import providers

    from entrypoints.container import build_container
    from shared.identity.adapters.hashing import Argon2Hasher

    c = build_container(settings)
    c.clock.override(providers.Object(clock))
    # Real argon2id, lighter parameters: tests hash many passwords.
    c.hasher.override(providers.Singleton(Argon2Hasher, time_cost=1, memory_cost=1024, parallelism=1))
    yield c
    c.engine().dispose()


@pytest.fixture
def app(container):  # -> Litestar
    from entrypoints.http.app import create_app

    return create_app(container)


@pytest.fixture
def client(app):  # -> TestClient
    from litestar.testing import TestClient

    with TestClient(app=app, base_url="http://testserver.local") as c:
        yield c


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # `make test` must never pass by running nothing: "no tests collected" is a failure.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
