"""Sessions live in a store that several workers share: the file store and Redis."""

from __future__ import annotations

import os
import uuid

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from shared.kernel.scope import Role
from tests.helpers import login, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# CI starts Redis beside PostgreSQL: there a missing Redis is a failure, not a skip.
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1" or os.environ.get("REQUIRE_POSTGRES") == "1"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        msg = f"Redis not reachable at {REDIS_URL}: {exc}"
        if REQUIRE_REDIS:
            pytest.fail(msg + " (REQUIRE_REDIS=1 or REQUIRE_POSTGRES=1)")
        pytest.skip(msg)


@pytest.fixture(params=["file", "redis"])
def store_factory(request, container):
    if request.param == "file":
        return None
    _redis_or_skip()
    from litestar.stores.redis import RedisStore

    namespace = f"test-{uuid.uuid4().hex[:8]}"
    return providers.Factory(RedisStore.with_client, url=REDIS_URL, namespace=namespace)


def test_a_session_started_on_one_worker_is_valid_on_another(container, store_factory):
    if store_factory is not None:
        container.session_store.override(store_factory)
    make_user(container, "multi", Role.ADMIN, full_name="Usuaria Multi")
    worker_a = create_app(container)
    worker_b = create_app(container)  # a second app object: another worker's memory
    with TestClient(app=worker_a, base_url="http://testserver.local") as a:
        assert login(a, "multi").status_code == 303
        cookie = a.cookies.get("sanece_session")
    with TestClient(app=worker_b, base_url="http://testserver.local") as b:
        b.cookies.set("sanece_session", cookie)
        page = b.get("/", follow_redirects=False)
        assert page.status_code == 200 and "Usuaria Multi" in page.text
    with TestClient(app=create_app(container), base_url="http://testserver.local") as c:
        c.cookies.set("sanece_session", "forged-" + cookie)
        assert c.get("/", follow_redirects=False).status_code == 303


def test_redis_store_is_chosen_when_configured(tmp_path):
    from litestar.stores.redis import RedisStore

    from entrypoints.container import build_container
    from shared.config import Settings

    s = Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k", "REDIS_URL": REDIS_URL})
    assert isinstance(build_container(s).session_store(), RedisStore)


def test_ending_sessions_reaches_every_worker(container, store_factory):
    """A password change on one worker ends the user's other sessions on another; the store
    keeps no data of the ended sessions and no session for an anonymous login page."""
    from tests.helpers import PASSWORD, page_csrf

    if store_factory is not None:
        container.session_store.override(store_factory)
    make_user(container, "rev", Role.ADMIN)
    worker_a, worker_b = create_app(container), create_app(container)
    with TestClient(app=worker_a, base_url="http://testserver.local") as a, \
            TestClient(app=worker_b, base_url="http://testserver.local") as b:
        assert "sanece_session" not in a.get("/login").headers.get("set-cookie", "")
        login(a, "rev")
        login(b, "rev")
        listed = b.get("/api/auth/sessions").json()
        assert len(listed) == 2  # each worker's session is read from the shared store
        new = "Nueva-Clave-2027"
        r = b.post("/cuenta/contrasena", data={"current": PASSWORD, "new": new, "confirm": new,
                                                "csrf_token": page_csrf(b)}, follow_redirects=False)
        assert r.status_code == 303
        assert b.get("/", follow_redirects=False).status_code == 200
        assert a.get("/", follow_redirects=False).status_code == 303
        assert len(b.get("/api/auth/sessions").json()) == 1


def test_local_file_store_keeps_litestar_file_format_and_expiry(tmp_path):
    """The product's file store reads and writes in the event loop but keeps Litestar's format:
    a session written by one store object is read by another (another worker), by the stock
    ``FileStore`` too; expired entries read as missing and are removed."""
    import asyncio

    from litestar.stores.file import FileStore

    from entrypoints.http.stores import LocalFileStore

    async def run() -> None:
        ours, other = LocalFileStore(tmp_path / "s", create_directories=True), LocalFileStore(tmp_path / "s")
        stock = FileStore(tmp_path / "s")
        assert await ours.get("k") is None and not await ours.exists("k")
        await ours.set("k", '{"user_id": 7}', expires_in=60)
        assert await other.get("k") == b'{"user_id": 7}'
        assert await stock.get("k") == b'{"user_id": 7}'
        await stock.set("j", b"from-stock", expires_in=60)
        assert await ours.get("j") == b"from-stock"
        assert 0 < (await ours.expires_in("k") or 0) <= 60
        await ours.set("gone", "x", expires_in=-1)
        assert await other.get("gone") is None
        assert not await ours.exists("gone")  # expired: removed on read
        await other.delete("k")
        await other.delete("k")  # deleting twice is not an error
        assert await ours.get("k") is None
        assert [p.name for p in (tmp_path / "s").iterdir() if ".tmp" in p.name] == []

    asyncio.run(run())
