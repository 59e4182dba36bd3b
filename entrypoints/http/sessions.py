"""Server-side sessions with rotation on login and expiry after inactivity.

Litestar's own session middleware keeps whatever id the browser sends (session fixation)
and cannot rotate the id at login, so this small middleware does the job over a Litestar
``Store`` (a file store under var/ shared by every worker, or Redis).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.stores.base import Store
from litestar.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "sanece_session"
SCOPE_KEY = "app_session"


class Session(dict[str, Any]):
    """Session data plus the bookkeeping the middleware needs."""

    def __init__(self, sid: str | None, data: dict[str, Any] | None = None, expired: bool = False) -> None:
        super().__init__(data or {})
        self.sid = sid
        self.expired = expired  # True when an old session timed out on this request
        self._rotate = False
        self._destroy = False
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

    def rotate(self) -> None:
        """New id, same data: called at login so a planted id is worthless."""
        self._rotate = True
        self.modified = True

    def destroy(self) -> None:
        self.clear()
        self._destroy = True
        self.modified = True

    def csrf_token(self) -> str:
        token = self.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            self["csrf"] = token
        return token


class SessionMiddleware:
    def __init__(self, app: ASGIApp, *, store_factory: Callable[[], Store], idle_seconds: int,
                 secure: bool, now: Callable[[], datetime]) -> None:
        self.app = app
        self._store_factory = store_factory
        self._store: Store | None = None
        self.idle = idle_seconds
        self.secure = secure
        self.now = now

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

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._save(session, message)
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _load(self, scope: Scope) -> Session:
        sid = _cookie(scope, COOKIE)
        if not sid:
            return Session(None)
        raw = await self.store.get(sid)
        if raw is None:
            return Session(None, expired=True)
        data = json.loads(raw)
        last_seen = data.get("_last_seen")
        now = self.now().timestamp()
        if last_seen is not None and now - float(last_seen) > self.idle:
            await self.store.delete(sid)
            return Session(None, expired="user_id" in data)
        session = Session(sid, data)
        return session

    async def _save(self, session: Session, message: Message) -> None:
        headers = MutableScopeHeaders.from_message(message)
        if session._destroy:
            if session.sid:
                await self.store.delete(session.sid)
            headers.add("Set-Cookie", self._cookie_header("", max_age=0))
            return
        if not session and not session.sid:
            return  # nothing to keep: anonymous visitor who never needed a session
        if session._rotate and session.sid:
            await self.store.delete(session.sid)
            session.sid = None
        new = session.sid is None
        if new:
            session.sid = secrets.token_urlsafe(32)
        data = dict(session)
        data["_last_seen"] = self.now().timestamp()
        # Renew on every request: the idle timeout counts from the last request.
        await self.store.set(session.sid, json.dumps(data), expires_in=self.idle)
        if new or session._rotate:
            headers.add("Set-Cookie", self._cookie_header(session.sid))

    def _cookie_header(self, value: str, max_age: int | None = None) -> str:
        parts = [f"{COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        return "; ".join(parts)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header means no session
                return None
            if name in jar:
                return jar[name].value or None
    return None


def get_session(scope_or_request: Any) -> Session:
    scope = getattr(scope_or_request, "scope", scope_or_request)
    session = scope.get(SCOPE_KEY)
    if session is None:
        # Unrouted requests (404/405) never pass through route middleware: give them an
        # empty, throw-away session so that error pages still render.
        session = scope[SCOPE_KEY] = Session(None)
    return session
