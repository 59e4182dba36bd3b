"""One read session per HTTP request: the read models called while a request is handled share
one connection and one read transaction (opened on first use, closed when the response is
sent) instead of one per query. A unit of work's commit ends the snapshot, so a page rendered
after a write sees it."""

from __future__ import annotations

from typing import Any

from shared.adapters.sql.queries import read_scope


class ReadScopeMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with read_scope():
            await self.app(scope, receive, send)
