"""Login, logout, password change and the user's active sessions (pages and JSON API),
home redirect and health.

Login throttling lives in ``IdentityService.authenticate``: an account locked by failed
logins refuses new logins with the wrong-password message, while its open sessions go on;
a client address with too many failures gets 429 with Retry-After."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from functools import partial
from time import monotonic
from typing import Annotated, Any
from urllib.parse import urlsplit

import attrs
import msgspec
from anyio import to_thread
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody

from entrypoints.http.dependencies import Injected
from entrypoints.http.errors import problem
from entrypoints.http.rendering import flash, redirect, render
from entrypoints.http.security import current_user
from entrypoints.http.sessions import get_session, session_middleware
from shared.identity.application import IdentityService, UserView
from shared.identity.domain import LoginThrottled
from shared.kernel.clock import Clock
from shared.kernel.errors import AuthenticationFailed, DomainError

PUBLIC = {"public": True}


@attrs.define
class LoginForm:
    username: str = ""
    password: str = ""
    csrf_token: str = ""
    next: str = ""


@attrs.define
class PasswordForm:
    current: str = ""
    new: str = ""
    confirm: str = ""
    csrf_token: str = ""


@attrs.frozen
class LoginBody:
    username: str
    password: str


@attrs.frozen
class PasswordBody:
    current: str
    new: str
    confirm: str


@attrs.frozen
class MeOut:
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    scope_ref: str | None
    scope_label: str | None


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login would be a phishing aid."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _source(request: Request[Any, Any, Any]) -> str:
    return f"ip={_address(request) or '-'}"


def _authenticate(request: Request[Any, Any, Any], identity: IdentityService, username: str,
                  password: str) -> UserView:
    return identity.authenticate(
        username, password, source=_source(request), address=_address(request))


def _start_session(request: Request[Any, Any, Any], identity: IdentityService,
                   user: UserView) -> str:
    """A new session id and a new CSRF token (nothing from before login survives), indexed
    under the user so that it can be listed and ended. Returns the new CSRF token."""
    session = get_session(request)
    session.rotate()
    session.clear()
    session["user_id"] = user.id
    token = session.new_csrf()
    assert session.key is not None
    identity.register_session(
        user.id, session.key, address=_address(request), user_agent=request.headers.get("user-agent"))
    return token


@attrs.frozen
class SessionOut:
    started_at: datetime
    last_seen_at: datetime
    address: str | None
    user_agent: str | None
    current: bool


async def _live_sessions(request: Request[Any, Any, Any], identity: IdentityService, clock: Clock,
                         user: UserView) -> list[SessionOut]:
    """The user's sessions still alive in the store (index entries of dead ones are dropped)."""
    records = await to_thread.run_sync(identity.list_sessions, user.id)
    mw = session_middleware(request)
    if mw is None:
        return []
    data = await mw.peek(r.key for r in records)
    now = clock.now().timestamp()
    own = get_session(request).key
    out: list[SessionOut] = []
    gone: list[str] = []
    for r in records:
        meta = (data.get(r.key) or {}).get("_meta") or {}
        last = meta.get("l")
        if last is None or mw.expired(meta.get("s") or last, last, now):
            gone.append(r.key)
            continue
        out.append(SessionOut(r.started_at, datetime.fromtimestamp(float(last), tz=timezone.utc), r.address,
                              r.user_agent, r.key == own))
    if gone:
        await to_thread.run_sync(identity.forget_sessions, gone)
    return out


async def _end_other_sessions(request: Request[Any, Any, Any], identity: IdentityService) -> int:
    user = current_user(request)
    own = get_session(request).key
    assert own is not None
    ended = await to_thread.run_sync(identity.end_other_sessions, user.id, own)
    await _drop(request, ended)
    return len(ended)


async def _drop(request: Request[Any, Any, Any], keys: list[str]) -> None:
    # The index is what every request checks, so the sessions are over already; this only
    # frees their data in the store.
    mw = session_middleware(request)
    if mw is not None and keys:
        await mw.drop(keys)


async def _change_password(request: Request[Any, Any, Any], identity: IdentityService, current: str,
                           new: str, confirm: str) -> None:
    user = current_user(request)
    ended = await to_thread.run_sync(partial(identity.change_password, user.id, current, new, confirm,
                                             keep_session=get_session(request).key))
    await _drop(request, ended)


def _throttled_page(request: Request[Any, Any, Any], exc: LoginThrottled, data: LoginForm) -> Any:
    page = render(request, "login.html", status_code=429, error=exc.message, username=data.username,
                  next=_safe_next(data.next), notice=None)
    page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _me(identity: IdentityService, user: UserView) -> MeOut:
    label = identity.describe_scope(user)
    return MeOut(user.id, user.username, user.full_name, user.role.value, user.role.label,
                 user.scope_ref, label)


class AuthPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", opt=PUBLIC, sync_to_thread=False)
    def login_page(self, request: Request[Any, Any, Any]) -> Any:
        if getattr(request.state, "user", None) is not None:
            return redirect(_safe_next(request.query_params.get("next")))
        expired = request.query_params.get("expirada") == "1"
        return render(request, "login.html", next=_safe_next(request.query_params.get("next")),
                      error=None, username="",
                      notice="Su sesión expiró por inactividad. Ingrese de nuevo." if expired else None)

    @post("/login", opt=PUBLIC, sync_to_thread=True)
    def login(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
              data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Any:
        try:
            user = _authenticate(request, identity, data.username, data.password)
        except LoginThrottled as exc:
            return _throttled_page(request, exc, data)
        except AuthenticationFailed as exc:
            return render(request, "login.html", status_code=401, error=exc.message,
                          username=data.username, next=_safe_next(data.next), notice=None)
        _start_session(request, identity, user)
        return redirect(_safe_next(data.next))

    @get("/olvide-contrasena", opt=PUBLIC, sync_to_thread=False)
    def forgot(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "forgot.html")

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request[Any, Any, Any], identity: Injected[IdentityService]) -> Any:
        user = current_user(request)
        identity.record_logout(user.id, get_session(request).key)
        get_session(request).destroy()
        return redirect("/login")

    @get("/cuenta/contrasena")
    async def password_page(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
                            clock: Injected[Clock]) -> Any:
        sessions = await _live_sessions(request, identity, clock, current_user(request))
        return await to_thread.run_sync(partial(render, request, "password.html", error=None, sessions=sessions))

    @post("/cuenta/contrasena")
    async def change_password(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
                              clock: Injected[Clock],
                              data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Any:
        try:
            await _change_password(request, identity, data.current, data.new, data.confirm)
        except DomainError as exc:
            sessions = await _live_sessions(request, identity, clock, current_user(request))
            return await to_thread.run_sync(partial(render, request, "password.html", status_code=422,
                                                    error=exc.message, sessions=sessions))
        flash(request, "La contraseña se cambió correctamente. Sus otras sesiones se cerraron.", "success")
        return redirect("/")

    @post("/cuenta/sesiones/cerrar-otras")
    async def close_other_sessions(self, request: Request[Any, Any, Any],
                                   identity: Injected[IdentityService]) -> Any:
        ended = await _end_other_sessions(request, identity)
        flash(request, "Se cerraron las demás sesiones." if ended else "No había otras sesiones abiertas.",
              "success")
        return redirect("/cuenta/contrasena")

    @get("/", sync_to_thread=False)
    def home(self, request: Request[Any, Any, Any]) -> Any:
        user = current_user(request)
        target = request.app.state.home_by_role.get(user.role)
        if target and target != "/":
            return redirect(target)
        return render(request, "home.html")


class AuthApi(Controller):
    path = "/api/auth"
    tags = ["Sesión"]

    @get("/csrf", opt=PUBLIC, sync_to_thread=False, summary="Token CSRF de la sesión")
    def csrf(self, request: Request[Any, Any, Any]) -> dict[str, str]:
        return {"csrf_token": get_session(request).csrf_token()}

    @post("/login", opt=PUBLIC, sync_to_thread=True, summary="Iniciar sesión",
          description="Abre una sesión nueva. El token CSRF cambia al iniciar sesión: el nuevo viene en la "
                      "cabecera X-CSRF-Token de la respuesta (o en GET /api/auth/csrf). Demasiados intentos "
                      "fallidos desde una dirección responden 429 con Retry-After.")
    def login(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
              data: JSONBody[LoginBody]) -> Response[MeOut]:
        try:
            user = _authenticate(request, identity, data.username, data.password)
        except LoginThrottled as exc:
            answer = problem(request, 429, exc.message, exc.code)
            answer.headers["Retry-After"] = str(exc.retry_after)
            return answer
        token = _start_session(request, identity, user)
        return Response(_me(identity, user), status_code=201, headers={"X-CSRF-Token": token})

    @post("/logout", sync_to_thread=True, status_code=204, summary="Cerrar sesión")
    def logout(self, request: Request[Any, Any, Any], identity: Injected[IdentityService]) -> None:
        user = current_user(request)
        identity.record_logout(user.id, get_session(request).key)
        get_session(request).destroy()

    @get("/me", sync_to_thread=True, summary="Usuario de la sesión")
    def me(self, request: Request[Any, Any, Any], identity: Injected[IdentityService]) -> MeOut:
        return _me(identity, current_user(request))

    @post("/password", status_code=204, summary="Cambiar contraseña",
          description="Las demás sesiones del usuario se cierran; la actual continúa.")
    async def password(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
                       data: JSONBody[PasswordBody]) -> None:
        await _change_password(request, identity, data.current, data.new, data.confirm)

    @get("/sessions", summary="Sesiones activas del usuario")
    async def sessions(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
                       clock: Injected[Clock]) -> list[SessionOut]:
        return await _live_sessions(request, identity, clock, current_user(request))

    @post("/sessions/close-others", summary="Cerrar las demás sesiones")
    async def close_others(self, request: Request[Any, Any, Any],
                           identity: Injected[IdentityService]) -> dict[str, int]:
        return {"ended": await _end_other_sessions(request, identity)}


HEALTH_OK_SECONDS = 1.0  # a healthy answer is reused this long; a failure never is
HEALTH_REFRESH_SECONDS = 0.5  # past this age a healthy answer is still given, and renewed behind it
HEALTH_STORE_SECONDS = 2.0  # a session store slower than this to answer counts as down
_PROBE_KEY = "health-probe"


@get("/health", opt=PUBLIC, tags=["Operación"], summary="Estado del servicio",
     description="Cada dependencia que la configuración usa: base de datos, almacén de sesiones, "
                 "almacenamiento de archivos y cola de trabajos (`ok` o `unavailable`); 503 si "
                 "alguna falla.")
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    # Probes poll this often, from several places at once: one round of checks per second and
    # worker answers them all, and the event loop never waits on the database or the storage.
    state = request.app.state
    if monotonic() - state.get("health_ok_at", -HEALTH_OK_SECONDS) < HEALTH_OK_SECONDS:
        return Response(_HEALTHY, status_code=200)
    middleware = session_middleware(request)
    # kept for the rounds started ahead of expiry (``health_shortcut``), which have no request
    state.health_store = middleware.store if middleware is not None else None
    checks = await asyncio.shield(_round(state))
    ok = all(checks.values())
    body = {"status": "ok" if ok else "error",
            **{name: "ok" if up else "unavailable" for name, up in checks.items()}}
    return Response(body, status_code=200 if ok else 503)


def _round(state: Any) -> asyncio.Future[dict[str, bool]]:
    """The round of checks in flight, or a new one: requests arriving while one runs wait for
    its answer instead of each starting their own (a burst at the second's turn was a burst of
    rounds, and the tail of every request in flight)."""
    running = state.get("health_round")
    if running is None or running.done():
        running = state.health_round = asyncio.ensure_future(_checks(state))
        # a round started ahead has nobody awaiting it: its error is read here, not lost
        running.add_done_callback(lambda t: t.cancelled() or t.exception())
    return running


async def _checks(state: Any) -> dict[str, bool]:
    started = monotonic()
    container = state.container
    database = await to_thread.run_sync(container.db_ping)
    storage = not await to_thread.run_sync(container.storage().unreachable)
    sessions = await _session_store_answers(state.get("health_store"))
    # The embedded job queue lives in the database; SAQ's in Redis.
    jobs = database and await to_thread.run_sync(container.job_queue().reachable)
    checks = {"database": database, "sessions": sessions, "storage": storage, "jobs": jobs}
    if all(checks.values()):
        state.health_ok_at = started  # its age counts from before the checks ran
    else:
        state.health_ok_at = -HEALTH_OK_SECONDS  # a failure ends any healthy answer at once
    return checks


async def _session_store_answers(store: Any) -> bool:
    if store is None:
        return True
    try:
        await asyncio.wait_for(store.exists(_PROBE_KEY), HEALTH_STORE_SECONDS)
    except Exception:  # noqa: BLE001 - unreachable, refused, timed out: all "down"
        return False
    return True


_HEALTHY = {"status": "ok", "database": "ok", "sessions": "ok", "storage": "ok", "jobs": "ok"}
_HEALTHY_BODY = msgspec.json.encode(_HEALTHY)  # the bytes Litestar sends for ``_HEALTHY``
_HEALTHY_HEADERS = ((b"content-type", b"application/json"),
                    (b"content-length", str(len(_HEALTHY_BODY)).encode()))


def health_shortcut(app: Any) -> Any:
    """``GET /health`` answered by the outermost middleware while the last full round of checks
    (``health``) passed less than ``HEALTH_OK_SECONDS`` ago: the same answer the handler would
    reuse, without the routing, the session load and the access checks (the route is public,
    a probe carries no session, and a GET changes nothing). A failure is never reused: past
    the second, or after a failed round, the request goes through to ``health`` and every
    dependency is checked again."""
    state = app.state

    def shortcut(scope: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        if scope.get("path") != "/health" or scope.get("method") != "GET":
            return None
        age = monotonic() - state.get("health_ok_at", -HEALTH_OK_SECONDS)
        if age >= HEALTH_OK_SECONDS:
            return None
        if age >= HEALTH_REFRESH_SECONDS and "health_store" in state:
            # Renewed ahead, in the background: under steady probing the healthy answer never
            # expires, so no probe waits on a round (the p99 was the requests that did).
            _round(state)
        return 200, list(_HEALTHY_HEADERS), _HEALTHY_BODY

    return shortcut
