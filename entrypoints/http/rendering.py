"""The common page context (header, menu, flash messages, CSRF token) and HTTP modules.

A context plugs into the web app with an ``HttpModule``: its handlers, its template folder
and its menu entries per role.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence
from zoneinfo import ZoneInfo

import attrs
from litestar import MediaType, Request
from litestar.response import Redirect, Template

from entrypoints.http.sessions import get_session
from shared.identity.application import UserView
from shared.kernel.scope import Role


@attrs.frozen
class MenuItem:
    label: str
    path: str
    roles: frozenset[Role]


@attrs.frozen
class HttpModule:
    name: str
    route_handlers: Sequence[Any]
    template_dir: Path | None = None
    menu: Sequence[MenuItem] = ()
    home_by_role: dict[Role, str] = attrs.field(factory=dict)


def flash(request: Request[Any, Any, Any], message: str, category: str = "info") -> None:
    session = get_session(request)
    items = list(session.get("_flash", []))
    items.append({"message": message, "category": category})
    session["_flash"] = items


def info_at(request: Request[Any, Any, Any]) -> str:
    c = request.app.state.container
    tz = ZoneInfo(c.settings().timezone)
    return c.clock().now().astimezone(tz).strftime("%d-%m-%Y %H:%M")


def time_zone(request: Request[Any, Any, Any]) -> str:
    """The product's time zone (``APP_TIMEZONE``), in which the pages write dates and times."""
    return str(request.app.state.container.settings().timezone)


def local_time(request: Request[Any, Any, Any], value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return format_local(ZoneInfo(time_zone(request)), value, fmt)


def format_local(tz: ZoneInfo, value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """An aware datetime as the pages write it in ``tz`` (empty for None)."""
    return "" if value is None else value.astimezone(tz).strftime(fmt)


def page_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    session = get_session(request)
    user: UserView | None = getattr(request.state, "user", None)
    menu: list[MenuItem] = []
    scope_label = None
    inbox_count = 0
    if user is not None:
        by_role = request.app.state.get("menu_by_role")  # computed once per app and role
        menu = list(by_role[user.role]) if by_role and user.role in by_role else \
            [m for m in request.app.state.menu if user.role in m.roles]
        scope_label = _scope_label(request, session, user)
        inbox_count = _inbox_count(request, user)
    home_path = request.app.state.home_by_role.get(user.role, "/") if user is not None else "/"
    flashes = session.pop("_flash", []) if "_flash" in session else []
    return {
        "user": user,
        "role_label": user.role.label if user else "",
        "scope_label": scope_label,
        "menu": menu,
        "inbox_count": inbox_count,
        "csrf_token": session.csrf_token(),
        "info_at": info_at(request),
        "flashes": flashes,
        "path": request.url.path,
        "home_path": home_path,
        "local_time": lambda v, fmt="%d/%m/%Y %H:%M": local_time(request, v, fmt),
    }


def _inbox_count(request: Request[Any, Any, Any], user: UserView) -> int:
    """The header's badge: the user's unread notifications (one statement; the projection runs
    first only when the audit trail moved since the last one)."""
    try:
        return int(request.app.state.container.inbox_badge()(user.id))
    except Exception:  # noqa: BLE001 - a page (an error page too) never fails for its badge
        logging.getLogger("sanece.notifications").exception("inbox badge failed")
        return 0


def _scope_label(request: Request[Any, Any, Any], session: Any, user: UserView) -> str | None:
    """The header's name of the user's unit, entity or institution. Looked up once per session
    (and again if the user's scope changes), not on every page: a rename shows after the next
    login, and every page saves the look-ups of the scope's names."""
    key = f"{user.role.value}:{user.scope_ref or ''}"
    kept = session.get("_scope_label")
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == key:
        return kept[1]  # type: ignore[no-any-return]
    label = request.app.state.container.identity().describe_scope(user)
    session["_scope_label"] = [key, label]
    return label


def render(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    ctx = page_context(request)
    ctx.update(context)
    return Template(template_name=template, context=ctx, status_code=status_code, media_type=MediaType.HTML)


def redirect(path: str) -> Redirect:
    # 303 so that the browser follows a POST with a GET (post/redirect/get)
    return Redirect(path=path, status_code=303)
