"""The tablero as the event loop serves it (issue 12, ``memory_first``): once its reads are
cached, a view runs in the loop and reads nothing through the engine there (the data version
comes from ``version_reader``: on PostgreSQL an asynchronous connection, on SQLite a plain one
of the loop's own); a view after a write reads the database in a worker thread, never in the loop, and
shows the write."""

from __future__ import annotations

import re

from sqlalchemy import event

from shared.adapters.sql.read_scope import _memory_only

ONLY_THE_VERSION = {"BEGIN", "SELECT version FROM data_version WHERE id = 1"}


def test_the_loop_reads_only_the_data_version(as_user, container, world) -> None:
    in_loop: list[str] = []
    elsewhere: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        (in_loop if _memory_only.get() else elsewhere).append(" ".join(statement.split()))

    event.listen(container.engine(), "before_cursor_execute", seen)
    coord = as_user("coord_ss")
    for _ in range(2):
        assert coord.get("/excedentes/tablero").status_code == 200
    in_loop.clear()
    elsewhere.clear()
    page = coord.get("/excedentes/tablero")  # cached: served in the loop
    assert page.status_code == 200
    assert in_loop == []  # the version came from the reader (``version_reader``)
    assert elsewhere == []

    # a write, then the next view: the loop still reads only the version; the rest runs in a
    # worker thread and the page shows the write
    from excedentes.adapters.sql.tables import entities

    with container.excedentes.uow() as uow:
        uow.session.execute(entities.update().where(entities.c.code == "BC")
                            .values(name="Baja California (renombrada)"))
        uow.commit()
    in_loop.clear()
    elsewhere.clear()
    page = coord.get("/excedentes/tablero")
    assert page.status_code == 200
    assert set(in_loop) <= ONLY_THE_VERSION
    assert any(re.match(r"SELECT", s) and "data_version" not in s for s in elsewhere)
    assert "Baja California (renombrada)" in page.text
