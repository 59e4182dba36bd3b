"""The inbox on the web: «Avisos» (``/avisos``), the header's badge (``page_context`` asks
``InboxBadge``, one statement per page), marking read, and the JSON API
(``/api/notifications``). Every user has an inbox; another user's notification answers
exactly like a missing one (the use cases decide)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery

from entrypoints.http.dependencies import Injected, bound, dependency_map
from entrypoints.http.rendering import HttpModule, redirect, render
from entrypoints.http.security import current_user
from shared.notifications.application import ListInbox, MarkAllRead, MarkRead
from shared.notifications.domain import Notification

PAGES = "/avisos"
API = "/api/notifications"
USE_CASES = ("list_inbox", "mark_notification_read", "mark_all_notifications_read")


@attrs.frozen
class NotificationOut:
    id: int
    kind: str
    kind_label: str
    title: str
    link: str
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, n: Notification) -> "NotificationOut":
        return cls(n.id, n.kind.value, n.kind.label, n.title, n.link, n.created_at, not n.unread)


class NotificationsApi(Controller):
    path = API
    tags = ["Avisos"]

    @get("/", sync_to_thread=True, summary="Mis avisos (los más recientes primero)")
    def mine(self, request: Request[Any, Any, Any], list_inbox: Injected[ListInbox],
             unread: FromQuery[bool] = False) -> list[NotificationOut]:
        user = current_user(request)
        return [NotificationOut.of(n) for n in list_inbox(user.id, unread_only=unread)]

    @post("/{notification_id:int}/read", sync_to_thread=True, status_code=200,
          summary="Marcar un aviso como leído")
    def read(self, request: Request[Any, Any, Any], notification_id: FromPath[int],
             mark_notification_read: Injected[MarkRead]) -> NotificationOut:
        return NotificationOut.of(mark_notification_read(current_user(request).id,
                                                         notification_id))


class NotificationPages(Controller):
    path = PAGES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def inbox(self, request: Request[Any, Any, Any], list_inbox: Injected[ListInbox]) -> Any:
        unread_only = request.query_params.get("ver") == "sin-leer"
        items = list_inbox(current_user(request).id, unread_only=unread_only)
        return render(request, "avisos.html", items=items, unread_only=unread_only)

    @post("/{notification_id:int}/abrir", sync_to_thread=True)
    def open(self, request: Request[Any, Any, Any], notification_id: FromPath[int],
             mark_notification_read: Injected[MarkRead]) -> Any:
        """Marks it read and goes to what it is about (a link of the product only)."""
        found = mark_notification_read(current_user(request).id, notification_id)
        return redirect(found.link)

    @post("/{notification_id:int}/leido", sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], notification_id: FromPath[int],
             mark_notification_read: Injected[MarkRead]) -> Any:
        mark_notification_read(current_user(request).id, notification_id)
        return redirect(PAGES)

    @post("/leidos", sync_to_thread=True)
    def read_all(self, request: Request[Any, Any, Any],
                 mark_all_notifications_read: Injected[MarkAllRead]) -> Any:
        mark_all_notifications_read(current_user(request).id)
        return redirect(PAGES)


def module(container: Any) -> HttpModule:
    """Every signed-in user has an inbox; its link is in the header (with the badge), not in
    the menu."""
    router = bound([NotificationPages, NotificationsApi], dependency_map(container, USE_CASES))
    return HttpModule(name="notifications", route_handlers=[router])
