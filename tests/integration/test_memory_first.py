"""Pages served from memory in the event loop (issue 12): ``memory_first`` runs a page handler
in the loop while its reads are cached under the request's data version; at a miss, an
uncached read or a write it starts again in a worker thread, before that work is done, with
the session as it was. Same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from entrypoints.http.read_scope import memory_first
from entrypoints.http.sessions import SCOPE_KEY, Session
from shared.adapters.sql.queries import read_scope
from shared.adapters.sql.read_scope import NeedsDatabase, memory_only
from tests.integration.test_read_side import _add_institution


def test_a_cached_page_is_served_in_the_loop_and_a_miss_in_a_thread(container) -> None:
    read_model = container.excedentes.read_model()
    _add_institution(container, "TST")
    threads: list[int] = []

    def page() -> list[str]:
        threads.append(threading.get_ident())
        return [i.code for i in read_model.institutions()]

    async def run() -> tuple[int, list[int], list[int], list[int]]:
        loop = threading.get_ident()
        with read_scope():  # first view: nothing cached yet
            assert await memory_first(page)() == ["TST"]
        first = threads[:]
        threads.clear()
        with read_scope():  # second view: from the process's cache, in the loop
            assert await memory_first(page)() == ["TST"]
        second = threads[:]
        threads.clear()
        _add_institution(container, "OTR")  # a write: the data version moves
        with read_scope():
            assert await memory_first(page)() == ["OTR", "TST"]  # never a stale answer
        return loop, first, second, threads[:]

    loop, first, second, after_write = asyncio.run(run())
    assert first[0] == loop and first[1] != loop and len(first) == 2  # tried, then a thread
    assert second == [loop]
    assert after_write[0] == loop and after_write[1] != loop


def test_a_write_never_starts_in_the_loop(container) -> None:
    with read_scope(), memory_only():
        with pytest.raises(NeedsDatabase):
            with container.excedentes.uow() as uow:  # refused before its BEGIN
                uow.session.execute(sa.text("SELECT 1"))
    assert container.db_ping()


def test_the_thread_starts_from_the_session_as_it_was(container) -> None:
    """A flash message read by the first attempt is there again for the second."""
    read_model = container.excedentes.read_model()
    session = Session("sid", {"user_id": 1, "flash": "Se guardó"})
    request = SimpleNamespace(scope={SCOPE_KEY: session})
    seen: list[object] = []

    def page(request: object) -> object:
        message = session.pop("flash", None)
        seen.append(message)
        read_model.institutions()  # a miss: NeedsDatabase in the loop
        return message

    async def run() -> object:
        with read_scope():
            return await memory_first(page)(request=request)

    assert asyncio.run(run()) == "Se guardó"
    assert seen == ["Se guardó", "Se guardó"]
    assert "flash" not in session and session.modified
