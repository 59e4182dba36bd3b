"""Unexpected errors never show a stack trace; every log line and error carries the request id;
cookies are Secure when the product runs behind HTTPS."""

from __future__ import annotations

import io
import json
import logging

import pytest
from litestar import get
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from entrypoints.http.observability import JsonFormatter
from entrypoints.http.rendering import HttpModule
from entrypoints.modules import http_modules
from shared.config import Settings
from shared.kernel.scope import Role
from tests.helpers import login, make_user


class _SecretFailure(RuntimeError):
    pass


@get("/falla", opt={"public": True}, sync_to_thread=False)
def broken_page() -> str:
    raise _SecretFailure("detalle-interno-que-no-debe-salir")


@get("/api/falla", opt={"public": True}, sync_to_thread=False)
def broken_api() -> dict[str, str]:
    raise _SecretFailure("detalle-interno-que-no-debe-salir")


@pytest.fixture
def failing_client(container):
    modules = [*http_modules(container), HttpModule(name="broken", route_handlers=[broken_page, broken_api])]
    with TestClient(app=create_app(container, modules), base_url="http://testserver.local") as c:
        yield c


@pytest.fixture
def log_lines():
    """JSON log lines written while the test runs, as the production formatter writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("sanece")  # parent of sanece.http and sanece.errors
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_an_unexpected_error_is_a_spanish_page_without_stack_trace(failing_client, log_lines):
    page = failing_client.get("/falla")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "Error interno" in page.text and "Ocurrió un error inesperado" in page.text
    rid = page.headers["x-request-id"]
    assert rid in page.text  # the user can quote it to the administrator
    for leak in ("Traceback", "_SecretFailure", "detalle-interno-que-no-debe-salir"):
        assert leak not in page.text
    lines = [line for line in log_lines() if line["request_id"] == rid]
    # the stack trace goes to the log, tied to the request, not to the user
    assert any(line["msg"] == "unhandled error" and "_SecretFailure" in line.get("exc", "") for line in lines)
    access = [line for line in lines if line["msg"] == "request"]
    assert access and access[0]["path"] == "/falla" and access[0]["status"] == 500


def test_an_unexpected_api_error_is_problem_json_with_the_request_id(failing_client):
    r = failing_client.get("/api/falla")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["title"] == "Error interno" and body["type"] == "urn:sanece:problem:internal_error"
    assert body["request_id"] == r.headers["x-request-id"]
    assert "detalle-interno" not in r.text and "Traceback" not in r.text


def test_every_request_logs_one_json_line_with_its_id(client, container, log_lines):
    make_user(container, "lola", Role.ADMIN)
    login(client, "lola")
    r = client.get("/", headers={"X-Request-ID": "peticion-de-prueba-01"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "peticion-de-prueba-01"
    mine = [line for line in log_lines() if line["request_id"] == "peticion-de-prueba-01"]
    assert len(mine) == 1
    assert mine[0]["method"] == "GET" and mine[0]["path"] == "/" and mine[0]["status"] == 200
    assert mine[0]["user"] == "lola" and isinstance(mine[0]["ms"], float)
    # an id that could inject into logs is replaced by a fresh one
    odd = client.get("/", headers={"X-Request-ID": "x\nfalso"})
    assert odd.headers["x-request-id"] != "x\nfalso" and len(odd.headers["x-request-id"]) == 16


def test_cookies_are_secure_behind_https(tmp_path, db_url, container):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path / "var-https"), "DATABASE_URL": db_url,
                                  "SECRET_KEY": "test-secret", "COOKIE_SECURE": "true"})
    assert settings.cookie_secure is True
    container.settings.override(settings)
    make_user(container, "sofia.https", Role.ADMIN)
    with TestClient(app=create_app(container), base_url="https://testserver.local") as c:
        r = login(c, "sofia.https")
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_answers_outside_the_routes_carry_and_log_their_request_id(client, log_lines):
    """The id and the log line come from the outermost layer: an unrouted 404, a refused
    anonymous request and /health (answered there while its last check is fresh) have them too,
    with the status actually sent."""
    answers = [client.get("/no-existe"), client.get("/api/auth/me"), client.get("/health"),
               client.get("/health")]
    assert [r.status_code for r in answers] == [404, 401, 200, 200]
    logged = {line["request_id"]: line for line in log_lines() if line["msg"] == "request"}
    for r in answers:
        line = logged[r.headers["x-request-id"]]
        assert line["status"] == r.status_code and line["path"] == r.url.path
