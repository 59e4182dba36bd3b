"""Login, lockout, CSRF, logout, session expiry, password change, role guard, errors."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import TestClient

from entrypoints.http.app import create_app

from shared.audit.domain import AuditFilter
from shared.kernel.scope import Role
from tests.helpers import PASSWORD, api_csrf, csrf_from, login, make_user, page_csrf


def test_login_page_uses_the_guide_wording(client):
    r = client.get("/login")
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    for text in ("Debes ingresar con tu usuario autorizado", "Nombre de usuario", "Contraseña",
                 "Iniciar sesión", "¿Olvidaste tu contraseña?"):
        assert text in html
    forgot = client.get("/olvide-contrasena").text
    assert "administrador" in forgot


def test_login_shows_header_and_logout_ends_session(client, container):
    make_user(container, "ana.admin", Role.ADMIN, full_name="Ana Administradora")
    r = login(client, "ana.admin")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = client.get("/")
    assert "Ana Administradora" in home.text and "Administrador" in home.text
    assert "Información al:" in home.text and "10-03-2026 10:00" in home.text
    token = csrf_from(home.text)
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    again = client.get("/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")
    actions = [r.entry.action for r in container.audit_query().list(AuditFilter(actor="ana.admin"))]
    assert "identity.login" in actions and "identity.logout" in actions


def test_wrong_user_and_wrong_password_get_the_same_message(client, container):
    make_user(container, "beto")
    unknown = login(client, "nadie")
    wrong = login(client, "beto", "Otra-Clave-999")
    assert unknown.status_code == wrong.status_code == 401

    def message(html: str) -> str:
        return html.split('role="alert">', 1)[1].split("<", 1)[0]

    assert message(unknown.text) == message(wrong.text)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, container, clock):
    make_user(container, "carla")
    for _ in range(5):
        assert login(client, "carla", "equivocada-1").status_code == 401
    # locked: even the right password is refused, with the same message
    assert login(client, "carla", PASSWORD).status_code == 401
    locked = container.audit_query().list(AuditFilter(action="identity.account_locked"))
    assert len(locked) == 1
    clock.advance(timedelta(minutes=14, seconds=59))
    assert login(client, "carla", PASSWORD).status_code == 401
    clock.advance(timedelta(seconds=2))
    assert login(client, "carla", PASSWORD).status_code == 303


def test_post_without_csrf_token_is_refused(client, container):
    make_user(container, "dora")
    login(client, "dora")
    r = client.post("/cuenta/contrasena", data={"current": PASSWORD, "new": "Nueva-Clave-2027",
                                                 "confirm": "Nueva-Clave-2027"})
    assert r.status_code == 403
    assert "CSRF" in r.text
    api = client.post("/api/auth/password", json={"current": PASSWORD, "new": "Nueva-Clave-2027",
                                                  "confirm": "Nueva-Clave-2027"})
    assert api.status_code == 403
    assert api.headers["content-type"].startswith("application/problem+json")
    # the password did not change
    client.cookies.clear()
    assert login(client, "dora").status_code == 303


def test_login_form_without_token_is_refused(client, container):
    make_user(container, "eva")
    r = client.post("/login", data={"username": "eva", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_session_expires_after_inactivity(client, container, clock):
    make_user(container, "fer")
    login(client, "fer")
    assert client.get("/", follow_redirects=False).status_code == 200
    clock.advance(timedelta(minutes=29))
    assert client.get("/", follow_redirects=False).status_code == 200  # activity renews
    clock.advance(timedelta(minutes=31))
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and "expirada=1" in r.headers["location"]
    assert "Su sesión expiró por inactividad" in client.get(r.headers["location"]).text


def test_session_id_rotates_at_login(client, container):
    make_user(container, "gil")
    login(client, "gil")
    before = client.cookies.get("sanece_session")
    assert login(client, "gil").status_code == 303  # a second login over a live session
    after = client.cookies.get("sanece_session")
    assert before and after and before != after
    client.cookies.set("sanece_session", before)
    assert client.get("/", follow_redirects=False).status_code == 303  # the old id is worthless


def test_password_change(client, container):
    make_user(container, "hugo")
    login(client, "hugo")
    token = page_csrf(client)
    weak = client.post("/cuenta/contrasena", data={"current": PASSWORD, "new": "corta", "confirm": "corta",
                                                   "csrf_token": token})
    assert weak.status_code == 422 and "al menos 10 caracteres" in weak.text
    ok = client.post("/cuenta/contrasena", data={"current": PASSWORD, "new": "Nueva-Clave-2027",
                                                 "confirm": "Nueva-Clave-2027", "csrf_token": token},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert "La contraseña se cambió correctamente." in client.get("/").text
    client.cookies.clear()
    assert login(client, "hugo").status_code == 401
    assert login(client, "hugo", "Nueva-Clave-2027").status_code == 303


def test_disabled_user_loses_the_session(client, container):
    make_user(container, "ines")
    login(client, "ines")
    container.identity().set_active("test", "ines", False)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303


def test_role_guard_and_admin_pages(client, container):
    make_user(container, "root", Role.ADMIN)
    make_user(container, "rev", Role.REVISOR)
    login(client, "rev")
    assert client.get("/admin/bitacora").status_code == 403
    assert client.get("/api/admin/audit").status_code == 403
    client.cookies.clear()
    login(client, "root")
    page = client.get("/admin/bitacora?accion=identity.")
    assert page.status_code == 200 and "identity.login" in page.text
    api = client.get("/api/admin/audit?accion=identity.login").json()
    assert api and all(row["action"].startswith("identity.login") for row in api)


def test_json_api_login_me_logout(client, container):
    make_user(container, "juan", Role.EVALUADOR, full_name="Juan Evaluador")
    anon = client.get("/api/auth/me")
    assert anon.status_code == 401 and anon.json()["status"] == 401
    token = api_csrf(client)
    bad = client.post("/api/auth/login", json={"username": "juan", "password": "x"},
                      headers={"X-CSRF-Token": token})
    assert bad.status_code == 401 and "incorrectos" in bad.json()["detail"]
    r = client.post("/api/auth/login", json={"username": "juan", "password": PASSWORD},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "evaluador"
    me = client.get("/api/auth/me").json()
    assert me["full_name"] == "Juan Evaluador"
    # the token from before login is worthless after it: the new one comes with the answer
    new_token = r.headers["x-csrf-token"]
    assert new_token != token and new_token == api_csrf(client)
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": token}).status_code == 403
    out = client.post("/api/auth/logout", headers={"X-CSRF-Token": new_token})
    assert out.status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_errors_are_spanish_pages_or_problem_json(client, container):
    make_user(container, "kiko")
    login(client, "kiko")
    page = client.get("/no-existe")
    assert page.status_code == 404 and "No encontrado" in page.text and "Traceback" not in page.text
    api = client.get("/api/no-existe")
    assert api.status_code == 404
    body = api.json()
    assert body["title"] == "No encontrado" and body["request_id"] == api.headers["x-request-id"]


def test_health_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok", "database": "ok", "sessions": "ok",
                                            "storage": "ok", "jobs": "ok"}
    schema = client.get("/schema/openapi.json")
    assert schema.status_code == 200 and "/api/auth/login" in schema.json()["paths"]


def test_health_reports_a_dead_database(client, container):
    from dependency_injector import providers

    container.db_ping.override(providers.Callable(lambda: False))
    r = client.get("/health")
    assert r.status_code == 503 and r.json()["database"] == "unavailable"
    assert r.json()["status"] == "error" and r.json()["jobs"] == "unavailable"
    assert r.json()["sessions"] == r.json()["storage"] == "ok"  # it names the one that failed


def test_health_names_a_dead_session_store_and_a_dead_storage(client, container, tmp_path):
    """Redis that does not answer, and a files root that cannot be written: 503, each named;
    pages without a session cookie do not need the store, so /health still answers."""
    from dependency_injector import providers
    from litestar.stores.redis import RedisStore

    from shared.storage.adapters.local import LocalFileStorage
    from shared.storage.adapters.selector import ConfiguredStorageSelector

    container.session_store.override(providers.Factory(
        RedisStore.with_client, url="redis://127.0.0.1:1/0", namespace="down"))  # nothing listens
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the files root should be")
    broken = LocalFileStorage(blocker / "files", lambda: None)
    container.storage.override(providers.Object(ConfiguredStorageSelector(
        {"local": lambda: broken}, "local", {})))
    with TestClient(app=create_app(container), base_url="http://testserver.local") as fresh:
        r = fresh.get("/health")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": "ok", "sessions": "unavailable",
                        "storage": "unavailable", "jobs": "ok"}


def test_open_redirect_after_login_is_refused(client, container):
    make_user(container, "lalo")
    r = login(client, "lalo", next_="https://evil.example/")
    assert r.headers["location"] == "/"
    r2 = login(client, "lalo", next_="//evil.example/")
    assert r2.headers["location"] == "/"


def test_health_reuses_a_healthy_answer_for_a_second_never_a_failure(client, container):
    from dependency_injector import providers

    from entrypoints.http.identity import HEALTH_OK_SECONDS

    calls: list[bool] = []

    def ping(answer: bool) -> bool:
        calls.append(answer)
        return answer

    container.db_ping.override(providers.Callable(ping, False))
    assert [client.get("/health").status_code for _ in range(3)] == [503, 503, 503]
    assert calls == [False, False, False]  # a failure is probed again every time
    container.db_ping.override(providers.Callable(ping, True))
    assert [client.get("/health").status_code for _ in range(5)] == [200] * 5
    assert calls.count(True) == 1 and HEALTH_OK_SECONDS <= 1.0  # one probe answers the burst


def test_a_burst_of_probes_after_the_second_shares_one_round_of_checks(app, container):
    """Sixteen probes arriving together once the healthy answer is a second old wait for one
    round of checks, not sixteen (that burst of rounds was the p99 of every request in flight)."""
    import asyncio
    import threading
    import time

    from dependency_injector import providers

    calls: list[int] = []
    lock = threading.Lock()

    def slow_ping() -> bool:
        with lock:
            calls.append(1)
        time.sleep(0.2)  # a slow database: the probes overlap the round
        return True

    container.db_ping.override(providers.Callable(slow_ping))

    async def probe() -> int:
        # straight into the ASGI app: sixteen requests truly in flight at once
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": "/health", "raw_path": b"/health",
                 "query_string": b"", "root_path": "", "headers": [(b"host", b"testserver")],
                 "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {}}
        await app(scope, receive, send)
        return sent[0]["status"]

    async def run() -> list[int]:
        return list(await asyncio.gather(*[probe() for _ in range(16)]))

    assert asyncio.run(run()) == [200] * 16
    assert len(calls) == 1


def test_a_healthy_answer_is_renewed_ahead_so_probes_never_wait(app, container, monkeypatch):
    """Past half its second, a healthy answer is still given at once, and a round starts behind
    it; the checks still run at least once a second under steady probing."""
    import asyncio

    from dependency_injector import providers
    from litestar.testing import AsyncTestClient

    from entrypoints.http import identity

    calls: list[bool] = []

    def ping() -> bool:
        calls.append(True)
        return True

    container.db_ping.override(providers.Callable(ping))
    now = [1000.0]
    monkeypatch.setattr(identity, "monotonic", lambda: now[0])

    async def run() -> None:
        async with AsyncTestClient(app=app) as client:
            assert (await client.get("/health")).status_code == 200  # the first round
            assert calls == [True]
            now[0] += identity.HEALTH_REFRESH_SECONDS / 2
            assert (await client.get("/health")).status_code == 200
            await asyncio.sleep(0.05)
            assert calls == [True]  # young answer: nothing renewed
            now[0] += identity.HEALTH_REFRESH_SECONDS / 2 + 0.01
            assert (await client.get("/health")).status_code == 200  # answered, not waited
            for _ in range(1000):  # the renewal runs behind it (a deadline, not a timing)
                if app.state.health_ok_at == now[0]:
                    break
                await asyncio.sleep(0.01)
            assert calls == [True, True]
            assert app.state.health_ok_at == now[0]  # the answer is young again
            container.db_ping.override(providers.Callable(lambda: False))
            now[0] += identity.HEALTH_REFRESH_SECONDS + 0.01
            assert (await client.get("/health")).status_code == 200  # renewal starts, fails
            for _ in range(1000):
                if app.state.health_ok_at < 0:
                    break
                await asyncio.sleep(0.01)
            r = await client.get("/health")  # a failed round ends the healthy answer at once
            assert r.status_code == 503 and r.json()["database"] == "unavailable"

    asyncio.run(run())
