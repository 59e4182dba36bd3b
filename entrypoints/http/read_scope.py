"""One read session per HTTP request: the read models called while a request is handled share
one connection and one read transaction (opened on first use, closed when the response is
sent) instead of one per query. A unit of work's commit ends the snapshot, so a page rendered
after a write sees it."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from litestar.concurrency import sync_to_thread

from entrypoints.http.sessions import get_session
from shared.adapters.sql.queries import read_scope
from shared.adapters.sql.read_scope import NeedsDatabase, memory_only

T = TypeVar("T")


class ReadScopeMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with read_scope():
            await self.app(scope, receive, send)


async def memory_or_thread(fn: Callable[..., T], *args: Any,
                           before_thread: Callable[[], None] | None = None,
                           **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in the event loop while all it needs is already in the process;
    at the first miss, uncached read or write (``NeedsDatabase``, raised before that work
    starts) it runs again from the start in a worker thread, after ``before_thread()``."""
    try:
        with memory_only():
            return fn(*args, **kwargs)
    except NeedsDatabase:
        if before_thread is not None:
            before_thread()
    return await sync_to_thread(fn, *args, **kwargs)


def memory_first(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A page handler served by ``memory_or_thread``: in the event loop while its reads are
    cached under the request's data version and its HTML kept, else in a worker thread as a
    plain sync handler always was.

    Why: the two thread hops of a cached page (its session check and its handler) cost more
    than its own work; `make bench` (bench/http.py, SQLite, uvicorn) printed the tablero at
    0.48 of the bare page before and 0.70 after, Paso 6 0.40 and 0.58. The only thing a first
    attempt may have changed is the session (a flash message read, a label kept): it is put
    back as it was before the handler runs again."""

    @functools.wraps(fn)
    async def handler(*args: Any, **kwargs: Any) -> Any:
        session = get_session(kwargs["request"]) if "request" in kwargs else None
        if session is None:
            return await memory_or_thread(fn, *args, **kwargs)
        saved, modified = dict(session), session.modified

        def restore() -> None:
            dict.clear(session)
            dict.update(session, saved)
            session.modified = modified

        return await memory_or_thread(fn, *args, before_thread=restore, **kwargs)

    return handler
