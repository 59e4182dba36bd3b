"""The served app (``serve``'s factory) settles its start-up heap before the first request."""

from __future__ import annotations

import gc

from litestar.testing import TestClient


def test_the_served_app_freezes_its_start_up_heap_once_templates_are_compiled(
        monkeypatch, tmp_path) -> None:
    from entrypoints.http.app import app_from_env, settle_heap

    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("SECRET_KEY", "heap-test")
    app = app_from_env()
    assert settle_heap in app.on_startup
    env = app.template_engine.engine  # type: ignore[union-attr]
    assert not env.cache  # nothing compiled before start-up
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > 10_000  # the start-up heap, frozen
            assert len(env.cache) == len(env.list_templates())  # every template compiled
            assert client.get("/health").status_code in (200, 503)
    finally:
        gc.unfreeze()  # this test process builds many apps: let them be collected
