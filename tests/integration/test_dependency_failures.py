"""A session store or a storage that stops answering mid-use: the user gets the product's
Spanish error page with the request's id (never a bare plain-text 500), the API a problem."""

from __future__ import annotations

from dependency_injector import providers
from litestar.stores.redis import RedisStore
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from shared.kernel.scope import Role
from tests.helpers import login, make_user


def _spanish_error_page(r) -> None:
    rid = r.headers["x-request-id"]
    assert r.status_code >= 500 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="es-MX">' in r.text and "Error interno" in r.text
    assert f"Folio de la solicitud: <code>{rid}</code>" in r.text


def test_a_dead_session_store_gives_the_spanish_error_page(container):
    make_user(container, "lalo", Role.ADMIN)
    with TestClient(app=create_app(container), base_url="http://testserver.local") as up:
        login(up, "lalo")
        cookies = up.cookies
    container.session_store.override(providers.Factory(
        RedisStore.with_client, url="redis://127.0.0.1:1/0", namespace="down"))  # nothing listens
    with TestClient(app=create_app(container), base_url="http://testserver.local") as down:
        down.cookies = cookies
        _spanish_error_page(down.get("/"))
        _spanish_error_page(down.get("/trabajos"))


def test_a_dead_storage_gives_the_spanish_error_page_on_a_download(container, client, tmp_path):
    from shared.jobs.domain import JobStatus, Requester
    from shared.storage.adapters.local import LocalFileStorage
    from shared.storage.adapters.selector import ConfiguredStorageSelector

    from tests.integration.jobs.conftest import run_queue
    from tests.integration.excedentes.support import YEAR, load_world

    load_world(container.excedentes)
    admin = make_user(container, "ana", Role.ADMIN)
    view = container.start_job()(Requester(admin.id, "ana", "admin"), "national-export",
                                 {"period": YEAR})
    run_queue(container)
    assert container.operator_jobs().show(view.id).status is JobStatus.DONE
    login(client, "ana")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the files root should be")
    broken = LocalFileStorage(blocker / "files", lambda: None)
    container.storage.override(providers.Object(ConfiguredStorageSelector(
        {"local": lambda: broken}, "local", {})))
    r = client.get(f"/trabajos/{view.id}/archivo")
    assert r.status_code in (404, 500)
    assert r.headers["content-type"].startswith("text/html") and '<html lang="es-MX">' in r.text
    assert r.headers["x-request-id"] in r.text
