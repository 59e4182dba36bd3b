"""Authentication, CSRF and role guards.

``AccessMiddleware`` runs before every routed handler, in order: load the session's user,
refuse anonymous access to non-public routes, then check the CSRF token on state changes.
Routes opt out with ``opt={"public": True}`` (login, health, assets) and streaming uploads
with ``opt={"csrf": "stream"}`` (the upload reader checks the token itself). The role guards
of the contexts' controllers run after it, as Litestar guards.
"""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from entrypoints.http.forms import form_fields
from entrypoints.http.read_scope import memory_or_thread
from entrypoints.http.sessions import MIDDLEWARE_KEY, SCOPE_KEY, SessionMiddleware, get_session
from shared.adapters.sql.read_scope import close_read_scope, open_read_scope
from shared.identity.application import UserView
from shared.kernel.errors import DomainError, PermissionDenied
from shared.kernel.scope import Actor, Role, Scope

A = TypeVar("A", bound=Actor)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401

    def __init__(self, expired: bool = False) -> None:
        msg = ("Su sesión expiró por inactividad. Ingrese de nuevo." if expired
               else "Debes ingresar con tu usuario autorizado.")
        super().__init__(msg)
        self.expired = expired


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403

    def __init__(self) -> None:
        super().__init__("El formulario expiró o no es válido (token CSRF). Recargue la página e "
                         "intente de nuevo.")


def container_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
    return connection.app.state.container


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    session = get_session(connection)
    user: UserView | None = None
    uid = session.get("user_id")
    if uid is not None and session.key is not None:
        container = container_of(connection)
        reader = container.version_reader()
        if reader is not None:
            await reader.prefetch()
        identity = container.identity()
        # the user's row as this process read it under the current data version: no thread
        # hop (one costs more than the check); else Litestar's executor, as the handlers'
        user = await memory_or_thread(identity.session_user, int(uid), session.key)
        if user is None:
            # disabled or deleted since login, or the session was ended (password change,
            # admin action, "Cerrar las demás") on any worker: end it here too. A login lockout
            # does not: it stops new logins, never the work of someone already signed in.
            session.destroy()
    connection.state.user = user
    if user is not None:
        connection.scope.setdefault("state", {})["username"] = user.username
    if not handler.opt.get("public") and user is None:
        raise NotAuthenticated(expired=session.expired)


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if connection.scope.get("method", "GET") in SAFE_METHODS or handler.opt.get("csrf") == "stream":
        return
    session = get_session(connection)
    sent = connection.headers.get(CSRF_HEADER)
    if not sent and isinstance(connection, Request):
        ctype = connection.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            # parsed once for the request: a handler that reads its ``body`` takes these
            # fields (``form_fields``) instead of Litestar's slower form parse
            fields = form_fields(connection.scope, await connection.body())
            sent = fields.get(CSRF_FIELD)
    if not session.csrf_matches(sent):
        raise CsrfFailed()


class AccessMiddleware:
    """``authenticate`` and ``check_csrf`` for every routed request, innermost of the app's
    middleware (after the session is loaded; errors go to the app's exception handlers).

    A middleware rather than two app-level guards: Litestar copies the route handler for every
    guard it calls, on every request, which cost more than the checks themselves."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            handler = scope["route_handler"]
            request = handler.resolve_request_class()(scope=scope, receive=receive, send=send)
            await authenticate(request, handler)
            await check_csrf(request, handler)
        await self.app(scope, receive, send)


class RequestMiddleware(SessionMiddleware):
    """The one middleware of every routed request (``create_app``): the request's read scope
    (``ReadScopeMiddleware``), its session (``SessionMiddleware``, whose settings it takes) and
    ``AccessMiddleware``'s checks, in that order, in one layer with one ``send`` wrapper (the
    session's cookie and store write). Three nested middlewares cost a coroutine frame each
    and a ``send`` wrapper, on every request."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = open_read_scope()
        try:
            session = await self._load(scope)
            scope[SCOPE_KEY] = session
            scope[MIDDLEWARE_KEY] = self
            save = self._save

            async def send_wrapper(message: Any) -> None:
                if message["type"] == "http.response.start":
                    await save(session, message)
                await send(message)

            handler = scope["route_handler"]
            request = handler.resolve_request_class()(scope=scope, receive=receive, send=send)
            try:
                await authenticate(request, handler)
                await check_csrf(request, handler)
            except Exception as exc:  # noqa: BLE001 - answered by the app's own handlers
                # through ``send_wrapper``: a session ended by the check (revoked, disabled
                # user) has its cookie deleted and its stored copy removed with this answer
                # (Litestar's exception layer outside this middleware would answer without it)
                answer = _error_response(handler, request, exc)
                await answer.to_asgi_response(app=None, request=request)(scope, receive,
                                                                         send_wrapper)
                return
            await self.app(scope, receive, send_wrapper)
        finally:
            close_read_scope(token)


def _error_response(handler: BaseRouteHandler, request: Request[Any, Any, Any],
                    exc: Exception) -> Any:
    """The answer the route's exception handlers (the app's ``EXCEPTION_HANDLERS``) give
    ``exc``: the one registered for its nearest class."""
    handlers = handler.resolve_exception_handlers()
    for cls in type(exc).__mro__:
        found = handlers.get(cls)
        if found is not None:
            return found(request, exc)
    raise exc


def token_matches(connection: ASGIConnection[Any, Any, Any, Any], sent: str | None) -> bool:
    return get_session(connection).csrf_matches(sent)


def require_roles(*roles: Role):  # -> Guard
    allowed = frozenset(roles)

    # A coroutine function: Litestar hands a plain function guard to a worker thread (a thread
    # hop on every guarded request) for a check that only reads ``connection.state``.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user: UserView | None = getattr(connection.state, "user", None)
        if user is None:
            raise NotAuthenticated()
        if user.role not in allowed:
            raise PermissionDenied()

    return guard


def current_user(request: Request[Any, Any, Any]) -> UserView:
    user = getattr(request.state, "user", None)
    if user is None:
        raise NotAuthenticated()
    return user


def scope_of(request: Request[Any, Any, Any]) -> Scope:
    """The session user's scope (what every query of a context is limited to)."""
    user = current_user(request)
    return Scope(user.role, user.scope_ref)


def session_actor(request: Request[Any, Any, Any], actor_type: type[A]) -> A:
    """The session user as a context's use cases see them: username (audit) and scope."""
    return actor_type(current_user(request).username, scope_of(request))
