"""Login, logout, password change (pages and JSON API), home redirect and health."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

import attrs
from anyio import to_thread
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody

from entrypoints.http.rendering import flash, redirect, render
from entrypoints.http.security import current_user
from entrypoints.http.sessions import get_session
from shared.identity.application import UserView
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


def _source(request: Request[Any, Any, Any]) -> str:
    client = request.client.host if request.client else "-"
    return f"ip={client}"


def _start_session(request: Request[Any, Any, Any], user: UserView) -> None:
    session = get_session(request)
    session.rotate()
    csrf = session.get("csrf")
    session.clear()
    if csrf:
        session["csrf"] = csrf
    session["user_id"] = user.id


def _me(request: Request[Any, Any, Any], user: UserView) -> MeOut:
    label = request.app.state.container.identity().describe_scope(user)
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
    def login(self, request: Request[Any, Any, Any],
              data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Any:
        identity = request.app.state.container.identity()
        try:
            user = identity.authenticate(data.username, data.password, source=_source(request))
        except AuthenticationFailed as exc:
            return render(request, "login.html", status_code=401, error=exc.message,
                          username=data.username, next=_safe_next(data.next), notice=None)
        _start_session(request, user)
        return redirect(_safe_next(data.next))

    @get("/olvide-contrasena", opt=PUBLIC, sync_to_thread=False)
    def forgot(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "forgot.html")

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request[Any, Any, Any]) -> Any:
        user = current_user(request)
        request.app.state.container.identity().record_logout(user.id)
        get_session(request).destroy()
        return redirect("/login")

    @get("/cuenta/contrasena", sync_to_thread=False)
    def password_page(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "password.html", error=None)

    @post("/cuenta/contrasena", sync_to_thread=True)
    def change_password(self, request: Request[Any, Any, Any],
                        data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Any:
        user = current_user(request)
        try:
            request.app.state.container.identity().change_password(user.id, data.current, data.new, data.confirm)
        except DomainError as exc:
            return render(request, "password.html", status_code=422, error=exc.message)
        flash(request, "La contraseña se cambió correctamente.", "success")
        return redirect("/")

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

    @post("/login", opt=PUBLIC, sync_to_thread=True, summary="Iniciar sesión")
    def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginBody]) -> MeOut:
        user = request.app.state.container.identity().authenticate(data.username, data.password,
                                                                   source=_source(request))
        _start_session(request, user)
        return _me(request, user)

    @post("/logout", sync_to_thread=True, status_code=204, summary="Cerrar sesión")
    def logout(self, request: Request[Any, Any, Any]) -> None:
        user = current_user(request)
        request.app.state.container.identity().record_logout(user.id)
        get_session(request).destroy()

    @get("/me", sync_to_thread=True, summary="Usuario de la sesión")
    def me(self, request: Request[Any, Any, Any]) -> MeOut:
        return _me(request, current_user(request))

    @post("/password", sync_to_thread=True, status_code=204, summary="Cambiar contraseña")
    def password(self, request: Request[Any, Any, Any], data: JSONBody[PasswordBody]) -> None:
        user = current_user(request)
        request.app.state.container.identity().change_password(user.id, data.current, data.new, data.confirm)


@get("/health", opt=PUBLIC, sync_to_thread=True, tags=["Operación"], summary="Estado del servicio")
def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    ok = request.app.state.container.db_ping()
    return Response({"status": "ok" if ok else "error", "database": "ok" if ok else "unavailable"},
                    status_code=200 if ok else 503)
