"""Admin pages: the audit trail and the user list (changes go through the CLI, except
unlocking an account locked by failed logins, which the help desk needs at once)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
from litestar import Controller, Request, get, post
from litestar.params import FromPath

from entrypoints.http.dependencies import Injected
from entrypoints.http.rendering import MenuItem, flash, redirect, render
from entrypoints.http.security import current_user, require_roles
from shared.audit.adapters.sql import SqlAuditQuery
from shared.audit.domain import AuditFilter
from shared.identity.application import IdentityService
from shared.kernel.clock import Clock
from shared.kernel.errors import ValidationError
from shared.kernel.scope import Role


@attrs.frozen
class AuditOut:
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


def _filter(request: Request[Any, Any, Any], clock: Clock) -> AuditFilter:
    q = request.query_params
    since = None
    if q.get("dias"):
        try:
            days = int(q["dias"])
        except ValueError as exc:
            raise ValidationError("«dias» debe ser un número entero.") from exc
        since = clock.now() - timedelta(days=max(0, days))
    try:
        limit = int(q.get("limite") or 200)
    except ValueError as exc:
        raise ValidationError("«limite» debe ser un número entero.") from exc
    return AuditFilter(actor=q.get("usuario") or None, action=q.get("accion") or None,
                       target_type=q.get("tipo") or None, target_id=q.get("id") or None,
                       since=since, limit=limit)


class AdminPages(Controller):
    path = "/admin"
    guards = [require_roles(Role.ADMIN)]
    include_in_schema = False

    @get("/bitacora", sync_to_thread=True)
    def audit(self, request: Request[Any, Any, Any], audit_query: Injected[SqlAuditQuery],
              clock: Injected[Clock]) -> Any:
        rows = audit_query.list(_filter(request, clock))
        return render(request, "admin_audit.html", rows=rows, q=request.query_params)

    @get("/usuarios", sync_to_thread=True)
    def users(self, request: Request[Any, Any, Any], identity: Injected[IdentityService]) -> Any:
        users = identity.list_users()
        return render(request, "admin_users.html", users=users)

    @post("/usuarios/{username:str}/desbloquear", sync_to_thread=True)
    def unlock(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
               username: FromPath[str]) -> Any:
        view = identity.unlock(current_user(request).username, username)
        flash(request, f"La cuenta «{view.username}» quedó desbloqueada.", "success")
        return redirect("/admin/usuarios")


class AdminApi(Controller):
    path = "/api/admin"
    guards = [require_roles(Role.ADMIN)]
    tags = ["Administración"]

    @get("/audit", sync_to_thread=True, summary="Bitácora de auditoría")
    def audit(self, request: Request[Any, Any, Any], audit_query: Injected[SqlAuditQuery],
              clock: Injected[Clock]) -> list[AuditOut]:
        rows = audit_query.list(_filter(request, clock))
        return [AuditOut(r.id, r.entry.at, r.entry.actor, r.entry.action, r.entry.target_type,
                         r.entry.target_id, dict(r.entry.before) if r.entry.before else None,
                         dict(r.entry.after) if r.entry.after else None, r.entry.reason) for r in rows]

    @post("/users/{username:str}/unlock", sync_to_thread=True, status_code=204,
          summary="Desbloquear una cuenta bloqueada por intentos fallidos")
    def unlock(self, request: Request[Any, Any, Any], identity: Injected[IdentityService],
               username: FromPath[str]) -> None:
        identity.unlock(current_user(request).username, username)


ADMIN_MENU = [
    MenuItem("Bitácora", "/admin/bitacora", frozenset({Role.ADMIN})),
    MenuItem("Usuarios", "/admin/usuarios", frozenset({Role.ADMIN})),
]
