"""One read session per HTTP request: the read models called while a request is handled share
one connection and one read transaction (opened on first use, closed when the response is
sent) instead of one per query. A unit of work's commit ends the snapshot, so a page rendered
after a write sees it."""

from __future__ import annotations

import functools
from typing import Any, Callable

from litestar.concurrency import sync_to_thread

from entrypoints.http.sessions import get_session
from shared.adapters.sql.queries import read_scope
from shared.adapters.sql.read_scope import NeedsDatabase, memory_only


class ReadScopeMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with read_scope():
            await self.app(scope, receive, send)


def memory_first(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A page handler run in the event loop while everything it needs is already in the
    process (its reads cached under the request's data version, its HTML kept); at the first
    miss, uncached read or write (``NeedsDatabase``, raised before that work starts) it runs
    again from the start in a worker thread, as a plain sync handler always did.

    Why: the two thread hops of a page (its session check and its handler) cost more than a
    cached page's own work; without them the tablero served 1.4-1.5 times the requests on
    SQLite and PostgreSQL (interleaved A/B). A cache miss, a query or a write never blocks the
    loop. The only thing the first attempt may have changed is the session (a flash message
    read, a label kept): it is put back as it was before the handler runs again."""

    @functools.wraps(fn)
    async def handler(*args: Any, **kwargs: Any) -> Any:
        session = get_session(kwargs["request"]) if "request" in kwargs else None
        saved = (dict(session), session.modified) if session is not None else None
        try:
            with memory_only():
                return fn(*args, **kwargs)
        except NeedsDatabase:
            if session is not None and saved is not None:
                dict.clear(session)
                dict.update(session, saved[0])
                session.modified = saved[1]
        return await sync_to_thread(fn, *args, **kwargs)

    return handler
