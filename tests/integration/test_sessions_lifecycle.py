"""Session lifecycle (new CSRF token at login, remedies that end sessions, absolute lifetime,
"Sesiones activas"), store writes only when needed, and login throttling that never throws
anyone out of their work."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import attrs
import pytest
from click.testing import CliRunner
from dependency_injector import providers
from entrypoints.http.stores import LocalFileStore
from litestar.testing import TestClient

from entrypoints.cli.main import cli
from entrypoints.http.app import create_app
from shared.audit.domain import AuditFilter
from shared.kernel.scope import Role
from tests.helpers import PASSWORD, api_csrf, csrf_from, login, make_user, page_csrf

NEW = "Nueva-Clave-2027"


@pytest.fixture
def second(app):
    """Another browser of the same users, on the same app."""
    with TestClient(app=app, base_url="http://testserver.local") as c:
        yield c


def _alive(c) -> bool:
    return c.get("/", follow_redirects=False).status_code == 200


def _actions(container, prefix: str = "identity.") -> list[str]:
    return [r.entry.action for r in container.audit_query().list(AuditFilter(action=prefix, limit=500))]


def _run_cli(container, *args: str):
    return CliRunner().invoke(cli, list(args), obj={"container": container}, catch_exceptions=False)


# --- CSRF and anonymous visitors ---------------------------------------------------------------
def test_anonymous_login_page_stores_no_session_and_csrf_stays_sound(client, container, settings):
    make_user(container, "anon")
    for _ in range(3):
        page = client.get("/login")
        assert "sanece_session" not in page.headers.get("set-cookie", "")
    assert not [p for p in settings.sessions_dir.glob("*") if p.is_file()]  # the store is still empty
    token = csrf_from(client.get("/login").text)
    form = {"username": "anon", "password": PASSWORD, "next": "/"}
    # a forged token, a token of this server sent without its cookie, or none: refused
    assert client.post("/login", data={**form, "csrf_token": "abc.def"}).status_code == 403
    with TestClient(app=create_app(container), base_url="http://testserver.local") as other:
        assert other.post("/login", data={**form, "csrf_token": token}).status_code == 403
    assert client.post("/login", data=form).status_code == 403
    ok = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and _alive(client)


def test_login_issues_a_new_csrf_token(client, container):
    make_user(container, "tok")
    before = csrf_from(client.get("/login").text)
    login(client, "tok")
    after = page_csrf(client)
    assert after != before
    assert client.post("/logout", data={"csrf_token": before}).status_code == 403
    assert client.post("/logout", data={"csrf_token": after}, follow_redirects=False).status_code == 303


# --- remedies end sessions -----------------------------------------------------------------------
def test_password_change_ends_the_other_sessions_only(client, second, container):
    make_user(container, "pablo")
    login(client, "pablo")
    login(second, "pablo")
    r = client.post("/cuenta/contrasena", data={"current": PASSWORD, "new": NEW, "confirm": NEW,
                                                 "csrf_token": page_csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    assert _alive(client)  # the session that made the change continues
    assert not _alive(second)
    # and through the API
    login(second, "pablo", NEW)
    h = {"X-CSRF-Token": api_csrf(second)}
    assert second.post("/api/auth/password", json={"current": NEW, "new": "Tercera-Clave-2028",
                                                    "confirm": "Tercera-Clave-2028"}, headers=h).status_code == 204
    assert _alive(second) and not _alive(client)


@pytest.mark.parametrize("path", ["/", "/api/auth/me"])
def test_an_ended_session_is_cleared_from_the_browser_and_the_store(client, container, path):
    """A session ended elsewhere (here: the account disabled) is refused at the next request
    (a redirect to the login page, or 401 in the API), and that answer also deletes the
    cookie and the stored session: nothing of it is left to be sent again (ASVS 7.4.1)."""
    from entrypoints.http.sessions import COOKIE, store_key

    make_user(container, "saliente")
    login(client, "saliente")
    sid = client.cookies.get(COOKIE)
    assert sid and _alive(client)
    store = container.session_store()

    def stored() -> bool:
        return asyncio.run(store.exists(store_key(sid)))

    assert stored()
    assert _run_cli(container, "users", "disable", "saliente").exit_code == 0
    r = client.get(path, follow_redirects=False)
    assert r.status_code == (303 if path == "/" else 401)
    cleared = [h for h in r.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}=")]
    assert cleared and "Max-Age=0" in cleared[0]
    assert not stored()
    assert client.cookies.get(COOKIE) is None


@pytest.mark.parametrize("remedy", ["reset-password", "disable", "grant"])
def test_admin_remedies_end_every_session_of_the_user(client, second, container, remedy):
    make_user(container, "root", Role.ADMIN)
    make_user(container, "victima", Role.REVISOR)
    login(client, "victima")
    login(second, "root")
    args = {"reset-password": ["users", "reset-password", "victima", "--password", NEW],
            "disable": ["users", "disable", "victima"],
            "grant": ["users", "grant", "victima", "--role", "evaluador"]}[remedy]
    assert _run_cli(container, *args).exit_code == 0
    assert not _alive(client)
    assert _alive(second)  # other users are untouched
    entry = container.audit_query().list(AuditFilter(target_type="user", limit=1))[0]
    assert entry.entry.after and entry.entry.after.get("sessions_ended") == 1


def test_sessions_have_an_absolute_lifetime(client, container, clock):
    make_user(container, "larga")
    login(client, "larga")
    for _ in range(35):  # active every 20 minutes for 11 h 40 min
        clock.advance(timedelta(minutes=20))
        assert _alive(client)
    clock.advance(timedelta(minutes=21))  # past 12 h since login, though active
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_active_sessions_are_listed_and_the_others_can_be_closed(client, second, container):
    make_user(container, "sofia")
    login(client, "sofia")
    login(second, "sofia")
    page = client.get("/cuenta/contrasena").text
    assert "Sesiones activas" in page and page.count("<tr><td>") == 2 and "Esta sesión" in page
    assert "testclient" in page  # the address
    listed = client.get("/api/auth/sessions").json()
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    r = client.post("/cuenta/sesiones/cerrar-otras", data={"csrf_token": page_csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303
    assert _alive(client) and not _alive(second)
    assert len(client.get("/api/auth/sessions").json()) == 1
    assert "identity.sessions_ended" in _actions(container)


def test_logged_out_and_expired_sessions_leave_the_list(client, second, container, clock):
    make_user(container, "tomas")
    login(client, "tomas")
    login(second, "tomas")
    second.post("/logout", data={"csrf_token": page_csrf(second)})
    assert len(client.get("/api/auth/sessions").json()) == 1
    login(second, "tomas")
    clock.advance(timedelta(minutes=20))
    assert _alive(client)
    clock.advance(timedelta(minutes=20))  # the second one idled out meanwhile
    assert len(client.get("/api/auth/sessions").json()) == 1


# --- the store is written only when needed -----------------------------------------------------
class CountingFileStore(LocalFileStore):
    writes = 0

    async def set(self, key, value, expires_in=None):  # type: ignore[override]
        CountingFileStore.writes += 1
        await super().set(key, value, expires_in)


def test_the_session_is_written_only_when_changed_or_once_a_minute(container, settings, clock):
    CountingFileStore.writes = 0
    settings.sessions_dir.mkdir(parents=True, exist_ok=True)
    container.session_store.override(providers.Factory(CountingFileStore, settings.sessions_dir,
                                                       create_directories=True))
    make_user(container, "ahorro")
    with TestClient(app=create_app(container), base_url="http://testserver.local") as c:
        login(c, "ahorro")
        c.get("/")  # the first page creates the CSRF token and shows the flash: a change
        after_login = CountingFileStore.writes
        for _ in range(5):
            clock.advance(timedelta(seconds=10))
            assert c.get("/").status_code == 200
        assert CountingFileStore.writes == after_login  # unchanged, renewed < 1 min ago
        clock.advance(timedelta(seconds=11))
        c.get("/")
        assert CountingFileStore.writes == after_login + 1  # the idle timestamp, once a minute


# --- throttling ------------------------------------------------------------------------------
def test_lockout_stops_new_logins_but_never_a_live_session(client, second, container, clock):
    make_user(container, "directora", Role.ADMIN)
    make_user(container, "admin2", Role.ADMIN)
    login(client, "directora")
    token = api_csrf(second)
    for _ in range(5):  # an anonymous attacker through the API
        r = second.post("/api/auth/login", json={"username": "directora", "password": "mala-clave-1"},
                        headers={"X-CSRF-Token": token})
        assert r.status_code == 401
    assert _alive(client)  # the director keeps working
    clock.advance(timedelta(minutes=5))
    assert _alive(client)
    refused = login(second, "directora")
    wrong = login(second, "directora", "otra-mala-2")
    assert refused.status_code == wrong.status_code == 401
    assert refused.text.split('role="alert">')[1][:80] == wrong.text.split('role="alert">')[1][:80]
    assert "identity.account_locked" in _actions(container)
    # the help desk unlocks it from the users page
    login(second, "admin2")
    users_page = second.get("/admin/usuarios").text
    assert "/admin/usuarios/directora/desbloquear" in users_page
    r = second.post("/admin/usuarios/directora/desbloquear", data={"csrf_token": csrf_from(users_page)},
                    follow_redirects=False)
    assert r.status_code == 303
    unlocked = container.audit_query().list(AuditFilter(action="identity.account_unlocked"))
    assert unlocked and unlocked[0].entry.actor == "admin2"
    third = TestClient(app=create_app(container), base_url="http://testserver.local")
    with third:
        assert login(third, "directora").status_code == 303


def test_unlock_from_the_cli(container):
    make_user(container, "bloqueado")
    identity = container.identity()
    for _ in range(5):
        with pytest.raises(Exception):
            identity.authenticate("bloqueado", "mala-clave-1")
    assert [u.locked for u in identity.list_users() if u.username == "bloqueado"] == [True]
    r = _run_cli(container, "users", "unlock", "bloqueado")
    assert r.exit_code == 0 and "desbloqueado" in r.output
    assert identity.authenticate("bloqueado", PASSWORD).username == "bloqueado"
    assert "identity.account_unlocked" in _actions(container)
    missing = CliRunner().invoke(cli, ["users", "unlock", "nadie"], obj={"container": container})
    assert missing.exit_code != 0 and "Error:" in missing.output


def test_too_many_failures_from_one_address_answer_429(container, settings, clock):
    container.settings.override(providers.Object(attrs.evolve(settings, login_address_max_failures=4)))
    make_user(container, "rosa")
    with TestClient(app=create_app(container), base_url="http://testserver.local") as c:
        for i in range(4):  # spraying several accounts from one address
            assert login(c, f"usuario{i}", "mala-clave-1").status_code == 401
        page = login(c, "rosa")  # even the right password waits
        assert page.status_code == 429
        assert int(page.headers["retry-after"]) > 0
        assert "Demasiados intentos" in page.text and page.headers["content-type"].startswith("text/html")
        api = c.post("/api/auth/login", json={"username": "rosa", "password": PASSWORD},
                     headers={"X-CSRF-Token": api_csrf(c)})
        assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
        assert api.headers["content-type"].startswith("application/problem+json")
        assert api.json()["status"] == 429 and "Demasiados intentos" in api.json()["detail"]
        assert "identity.address_throttled" in _actions(container)
        clock.advance(timedelta(minutes=15, seconds=1))
        assert login(c, "rosa").status_code == 303


def test_unlock_through_the_admin_api_is_for_admins_only(client, container):
    make_user(container, "jefa", Role.ADMIN)
    make_user(container, "rev2", Role.REVISOR)
    make_user(container, "trabado")
    identity = container.identity()
    for _ in range(5):
        with pytest.raises(Exception):
            identity.authenticate("trabado", "mala-clave-1")
    login(client, "rev2")
    h = {"X-CSRF-Token": api_csrf(client)}
    assert client.post("/api/admin/users/trabado/unlock", headers=h).status_code == 403
    login(client, "jefa")
    h = {"X-CSRF-Token": api_csrf(client)}
    assert client.post("/api/admin/users/trabado/unlock", headers=h).status_code == 204
    assert client.post("/api/admin/users/nadie/unlock", headers=h).status_code == 404
    assert identity.authenticate("trabado", PASSWORD).username == "trabado"
