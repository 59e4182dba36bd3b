"""Pure pieces of the session security: the address throttle, the CSRF cookie signer, the
settings and the headers middleware (driven as plain ASGI)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import anyio
import pytest

from entrypoints.http.headers import SecurityHeadersMiddleware
from entrypoints.http.sessions import CsrfSigner, Session
from shared.config import Settings
from shared.identity.domain import ADDRESS_WINDOW, AddressThrottle, LoginThrottled

T0 = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)


def test_address_throttle_blocks_for_the_window_then_starts_again():
    t = AddressThrottle("10.0.0.1")
    assert [t.register_failure(T0, 3) for _ in range(3)] == [False, False, True]
    assert t.retry_after(T0) == int(ADDRESS_WINDOW.total_seconds())
    assert 0 < t.retry_after(T0 + timedelta(minutes=14)) <= 60
    assert t.retry_after(T0 + ADDRESS_WINDOW) == 0
    assert t.register_failure(T0 + ADDRESS_WINDOW, 3) is False and t.failures == 1


def test_address_failures_outside_the_window_do_not_add_up():
    t = AddressThrottle("10.0.0.2")
    t.register_failure(T0, 3)
    t.register_failure(T0 + timedelta(minutes=1), 3)
    assert t.register_failure(T0 + ADDRESS_WINDOW + timedelta(minutes=1), 3) is False
    assert t.retry_after(T0 + ADDRESS_WINDOW + timedelta(minutes=1)) == 0


def test_throttled_message_is_spanish_with_minutes():
    assert "Intente de nuevo en 15 minutos" in LoginThrottled(900).message
    assert "1 minuto." in LoginThrottled(30).message
    assert LoginThrottled(30).status == 429


def test_csrf_signer_accepts_only_its_own_tokens():
    signer, other = CsrfSigner("secret-a"), CsrfSigner("secret-b")
    token = signer.new()
    assert signer.valid(token) == token
    assert other.valid(token) is None
    nonce, mac = token.split(".")
    assert signer.valid(f"{nonce}x.{mac}") is None
    assert signer.valid("") is None and signer.valid("a.b.c") is None and signer.valid(None) is None


def test_anonymous_csrf_token_is_not_accepted_once_logged_in():
    signer = CsrfSigner("s")
    pre = signer.new()
    anon = Session(None, pre_csrf=pre, signer=signer)
    assert anon.csrf_token() == pre and anon.csrf_matches(pre) and not anon.modified
    assert not anon.csrf_matches("other")
    authed = Session("sid", {"user_id": 1}, pre_csrf=pre, signer=signer)
    assert not authed.csrf_matches(pre)
    token = authed.csrf_token()
    assert token != pre and authed.csrf_matches(token)


def test_session_settings():
    s = Settings.from_env({"VAR_DIR": "/tmp/x", "SECRET_KEY": "k"})
    assert s.session_max_hours == 12 and s.login_address_max_failures == 30
    s = Settings.from_env({"VAR_DIR": "/tmp/x", "SECRET_KEY": "k", "SESSION_MAX_HOURS": "8",
                           "LOGIN_MAX_FAILURES_PER_ADDRESS": "50"})
    assert s.session_max_hours == 8 and s.login_address_max_failures == 50
    with pytest.raises(ValueError, match="SESSION_MAX_HOURS"):
        Settings.from_env({"VAR_DIR": "/tmp/x", "SECRET_KEY": "k", "SESSION_MAX_HOURS": "0"})


def _call(mw, path: str, headers: list[tuple[bytes, bytes]]) -> dict[bytes, list[bytes]]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    anyio.run(mw, {"type": "http", "path": path, "headers": []}, receive, send)
    out: dict[bytes, list[bytes]] = {}
    for k, v in sent[0]["headers"]:
        out.setdefault(k, []).append(v)
    return out


@pytest.mark.parametrize("hsts", [False, True])
def test_headers_middleware_replaces_cache_headers_except_on_static(hsts):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"cache-control", b"max-age=3600"), (b"content-type", b"text/plain"),
                                (b"x-frame-options", b"SAMEORIGIN")]})
        await send({"type": "http.response.body", "body": b"ok"})

    mw = SecurityHeadersMiddleware(app, hsts=hsts)
    page = _call(mw, "/excedentes/algo", [])
    assert page[b"cache-control"] == [b"no-store"] and page[b"x-frame-options"] == [b"DENY"]
    assert page[b"content-type"] == [b"text/plain"]
    assert (b"strict-transport-security" in page) is hsts
    static = _call(mw, "/static/app.css", [])
    assert static[b"cache-control"] == [b"max-age=3600"] and b"content-security-policy" in static
