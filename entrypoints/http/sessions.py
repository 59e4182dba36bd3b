"""Server-side sessions: rotation on login, idle and absolute expiry, writes only when needed.

Litestar's own session middleware keeps whatever id the browser sends (session fixation)
and cannot rotate the id at login, so this small middleware does the job over a Litestar
``Store`` (a file store under var/ shared by every worker, or Redis).

- The store key is a hash of the cookie: a copy of the store (or the index of sessions in
  the database) does not hand out live cookies.
- A session is written back only when its data changed, or at most once a minute to renew
  its idle timestamp (the idle timeout is exact to within that minute).
- Anonymous visitors get no session: the login form's CSRF token is a signed double-submit
  cookie, so bots fetching ``/login`` do not grow the store.
- Behind HTTPS (``secure``) the cookies carry the ``__Host-`` prefix: Secure, Path=/, no
  Domain, so a sibling sub-domain can neither read nor plant them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any, Callable, Iterable

import msgspec
from litestar.datastructures import MutableScopeHeaders
from litestar.stores.base import Store
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.identity.domain import SESSION_MAX_LIFETIME

COOKIE = "sanece_session"
CSRF_COOKIE = "sanece_csrf"
HOST_PREFIX = "__Host-"
SCOPE_KEY = "app_session"
MIDDLEWARE_KEY = "app_session_middleware"
TOUCH_SECONDS = 60  # the idle timestamp is renewed at most this often


def store_key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class CsrfSigner:
    """Tokens ``nonce.mac`` for the double-submit cookie: only this server can mint them."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("csrf-cookie:" + secret).encode()).digest()

    def _mac(self, nonce: str) -> str:
        digest = hmac.new(self._key, nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def new(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._mac(nonce)}"

    def valid(self, token: str | None) -> str | None:
        if not token or token.count(".") != 1:
            return None
        nonce, mac = token.split(".")
        return token if nonce and hmac.compare_digest(mac, self._mac(nonce)) else None


class Session(dict[str, Any]):
    """Session data plus the bookkeeping the middleware needs."""

    def __init__(self, sid: str | None, data: dict[str, Any] | None = None, expired: bool = False, *,
                 started: float | None = None, last_seen: float | None = None,
                 pre_csrf: str | None = None, signer: CsrfSigner | None = None,
                 pre_csrf_cookie: str | None = None) -> None:
        super().__init__(data or {})
        self.sid = sid
        self.key = store_key(sid) if sid else None
        self.expired = expired  # True when an old session timed out on this request
        self.started = started
        self.last_seen = last_seen
        self._had_cookie = sid is not None
        self._old_key: str | None = None
        self._rotate = False
        self._destroy = False
        self._pre_csrf = pre_csrf  # the anonymous double-submit token (already verified)
        # The double-submit cookie as sent, verified only if an anonymous form needs it: a
        # signed-in request never does, and its MAC was computed on every request.
        self._pre_csrf_cookie = pre_csrf_cookie
        self._new_pre_csrf = False
        self._signer = signer
        self.modified = False

    def __setitem__(self, key: str, value: Any) -> None:
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.modified = True
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def clear(self) -> None:
        self.modified = True
        super().clear()

    def rotate(self) -> None:
        """New id now, same data: called at login so that a planted id is worthless. The new
        id is known at once, so the login handler can index the session under its key."""
        if self._old_key is None:
            self._old_key = self.key
        self.sid = secrets.token_urlsafe(32)
        self.key = store_key(self.sid)
        self.started = None
        self._rotate = True
        self.modified = True

    def destroy(self) -> None:
        super().clear()
        self._destroy = True
        self.modified = True

    @property
    def authenticated(self) -> bool:
        return "user_id" in self

    def new_csrf(self) -> str:
        """A fresh synchronizer token (at login: a token seen before login is worthless after)."""
        token = secrets.token_urlsafe(32)
        self["csrf"] = token
        return token

    def csrf_token(self) -> str:
        token = self.get("csrf")
        if token:
            return str(token)
        if self.authenticated:
            return self.new_csrf()
        # Anonymous: a signed double-submit cookie, so that showing a form stores no session.
        self._verify_pre_csrf()
        if self._pre_csrf is None:
            self._pre_csrf = self._signer.new() if self._signer else secrets.token_urlsafe(32)
            self._new_pre_csrf = self._signer is not None
        return self._pre_csrf

    def _verify_pre_csrf(self) -> None:
        if self._pre_csrf is None and self._pre_csrf_cookie is not None and self._signer:
            self._pre_csrf = self._signer.valid(self._pre_csrf_cookie)
        self._pre_csrf_cookie = None

    def csrf_matches(self, sent: Any) -> bool:
        if not sent:
            return False
        expected = self.get("csrf")
        if not expected and not self.authenticated:
            self._verify_pre_csrf()
            expected = self._pre_csrf
        return bool(expected) and secrets.compare_digest(str(expected), str(sent))


class SessionMiddleware:
    def __init__(self, app: ASGIApp, *, store_factory: Callable[[], Store], idle_seconds: int,
                 secure: bool, now: Callable[[], datetime], secret: str = "",
                 max_seconds: int = int(SESSION_MAX_LIFETIME.total_seconds())) -> None:
        self.app = app
        self._store_factory = store_factory
        self._store: Store | None = None
        self.idle = idle_seconds
        self.max = max_seconds
        self.secure = secure
        self.now = now
        self.signer = CsrfSigner(secret or secrets.token_urlsafe(32))
        self.cookie = cookie_name(secure)
        self.csrf_cookie = (HOST_PREFIX if secure else "") + CSRF_COOKIE

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = self._store_factory()
        return self._store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = await self._load(scope)
        scope[SCOPE_KEY] = session  # type: ignore[literal-required]
        scope[MIDDLEWARE_KEY] = self  # type: ignore[literal-required]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._save(session, message)
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _load(self, scope: Scope) -> Session:
        cookies = _cookies(scope)
        pre = cookies.get(self.csrf_cookie)
        sid = cookies.get(self.cookie)
        if not sid:
            return Session(None, pre_csrf_cookie=pre, signer=self.signer)
        key = store_key(sid)
        raw = await self.store.get(key)
        if raw is None:
            return Session(None, expired=True, pre_csrf_cookie=pre, signer=self.signer)
        try:
            data = _decode(raw)
        except msgspec.DecodeError:
            data = None
        if not isinstance(data, dict):  # not ours (a damaged file): as a missing session
            return Session(None, expired=True, pre_csrf_cookie=pre, signer=self.signer)
        meta = data.pop("_meta", None) or {}
        started, last_seen = meta.get("s"), meta.get("l")
        now = self.now().timestamp()
        if self.expired(started, last_seen, now):
            await self.store.delete(key)
            return Session(None, expired="user_id" in data, pre_csrf_cookie=pre,
                           signer=self.signer)
        return Session(sid, data, started=started, last_seen=last_seen, pre_csrf_cookie=pre,
                       signer=self.signer)

    def expired(self, started: float | None, last_seen: float | None, now: float) -> bool:
        """Past the idle timeout or the absolute lifetime (timestamps of the stored ``_meta``)."""
        return (last_seen is not None and now - float(last_seen) > self.idle) or \
            (started is not None and now - float(started) > self.max)

    async def _save(self, session: Session, message: Message) -> None:
        headers = MutableScopeHeaders.from_message(message)
        if session._new_pre_csrf and session._pre_csrf:
            headers.add("Set-Cookie", self._cookie_header(self.csrf_cookie, session._pre_csrf))
        if session._destroy:
            for key in {session._old_key, session.key} - {None}:
                await self.store.delete(key)  # type: ignore[arg-type]
            if session._had_cookie or session._rotate:
                headers.add("Set-Cookie", self._cookie_header(self.cookie, "", max_age=0))
            return
        if session._old_key:
            await self.store.delete(session._old_key)
            session._old_key = None
        if not session and session.sid is None:
            return  # nothing to keep: an anonymous visitor who never needed a session
        new = session.sid is None
        if new:
            session.sid = secrets.token_urlsafe(32)
            session.key = store_key(session.sid)
        now = self.now().timestamp()
        due = session.last_seen is None or now - float(session.last_seen) >= TOUCH_SECONDS
        if not (new or session._rotate or session.modified or due):
            return  # unchanged and renewed less than a minute ago: no write
        if session.started is None:
            session.started = now
        session.last_seen = now
        payload = dict(session)
        payload["_meta"] = {"s": session.started, "l": now}
        await self.store.set(session.key, json.dumps(payload), expires_in=self.idle + TOUCH_SECONDS)
        if new or session._rotate:
            headers.add("Set-Cookie", self._cookie_header(self.cookie, session.sid))

    def _cookie_header(self, name: str, value: str, max_age: int | None = None) -> str:
        parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        return "; ".join(parts)

    # --- for handlers: read and end sessions other than the request's own ------------------
    async def peek(self, keys: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """The stored data of the sessions under ``keys`` (None when gone from the store)."""
        out: dict[str, dict[str, Any] | None] = {}
        for key in keys:
            raw = await self.store.get(key)
            out[key] = json.loads(raw) if raw is not None else None
        return out

    async def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            await self.store.delete(key)


def cookie_name(secure: bool) -> str:
    return (HOST_PREFIX if secure else "") + COOKIE


def _cookies(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            text = value.decode("latin-1")
            if '"' in text or "\\" in text:
                _cookies_quoted(text, out)  # quoting rules: the standard library's parser
                continue
            # Our cookies are URL-safe tokens: ``name=value; name=value`` needs no more than a
            # split (``SimpleCookie`` cost more than the rest of the session's load).
            # As ``SimpleCookie`` did: within one header the last of a name wins.
            jar: dict[str, str] = {}
            for part in text.split(";"):
                name, eq, val = part.strip().partition("=")
                if eq and name and _COOKIE_NAME.fullmatch(name):
                    jar[name] = val
            for name, val in jar.items():
                if val:
                    out.setdefault(name, val)
    return out


_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 6265 token


def _cookies_quoted(text: str, out: dict[str, str]) -> None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(text)
    except Exception:  # noqa: BLE001 - a malformed cookie header means no cookies
        return
    for name, morsel in jar.items():
        if morsel.value:
            out.setdefault(name, morsel.value)


_decode = msgspec.json.Decoder().decode  # the stored session: a JSON object (``_save``)


def get_session(scope_or_request: Any) -> Session:
    scope = getattr(scope_or_request, "scope", scope_or_request)
    session = scope.get(SCOPE_KEY)
    if session is None:
        # Unrouted requests (404/405) never pass through route middleware: give them an
        # empty, throw-away session so that error pages still render.
        session = scope[SCOPE_KEY] = Session(None)
    return session


def session_middleware(scope_or_request: Any) -> SessionMiddleware | None:
    scope = getattr(scope_or_request, "scope", scope_or_request)
    return scope.get(MIDDLEWARE_KEY)
