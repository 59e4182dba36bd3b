"""The read side (issue 12): read models never take SQLite's write lock, share one session per
request, and still see a write committed earlier in the same request; a read-only unit of work
cannot write. Same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from shared.adapters.sql.queries import read_scope
from shared.audit.adapters.sql import SqlAuditLog

INSTITUTION = {"name": "Institución de prueba", "entity_word": "Entidad",
               "signature_label_1": "Elaboró", "signature_label_2": "Autorizó",
               "header_lines": [], "signature_name_line": False,
               "signed_pdf_max_bytes": 1_000_000, "has_specialty_level": False,
               "storage_backend": "local", "position": 0}


def _add_institution(container, code: str) -> None:
    from excedentes.adapters.sql.tables import institutions

    with container.excedentes.uow() as uow:
        uow.session.execute(sa.insert(institutions).values(code=code, **INSTITUTION))
        uow.commit()


def test_reads_do_not_wait_for_a_writer(container) -> None:
    """A use case holding the write lock (SQLite: BEGIN IMMEDIATE) does not stop a page's reads.
    Before the read side took a deferred BEGIN, this read queued behind the writer and failed
    with "database is locked" once the busy timeout ran out."""
    _add_institution(container, "TST")
    read_model = container.excedentes.read_model()
    with container.excedentes.uow() as writer:
        writer.session.execute(sa.text("SELECT 1"))  # the write transaction (and lock) starts
        assert read_model.institution("TST") is not None
        with read_scope():
            assert [i.code for i in read_model.institutions()] == ["TST"]
    assert container.db_ping()


def test_a_request_reads_in_one_session_and_sees_its_own_writes(container) -> None:
    read_model = container.excedentes.read_model()
    engine = container.engine()
    begins: list[object] = []

    def on_begin(conn) -> None:  # noqa: ANN001
        begins.append(conn)

    event.listen(engine, "begin", on_begin)
    try:
        with read_scope():
            assert read_model.institution("NEW") is None
            assert read_model.institutions() == []
            assert read_model.periods("NEW") == []
            assert len(begins) == 1  # three reads, one read transaction
            _add_institution(container, "NEW")  # a use case commits in the same request
            found = read_model.institution("NEW")  # the memo and the snapshot were dropped
            assert found is not None and found.code == "NEW"
            assert [i.code for i in read_model.institutions()] == ["NEW"]
    finally:
        event.remove(engine, "begin", on_begin)
    with read_scope():
        assert read_model.institution("new") == found  # outside: a fresh read


def test_a_read_only_unit_of_work_cannot_commit(container) -> None:
    from shared.identity.adapters.sql import SqlIdentityUnitOfWork

    with SqlIdentityUnitOfWork(container.sessions(), audit=SqlAuditLog, read_only=True) as uow:
        assert uow.users.list() == []
        with pytest.raises(RuntimeError, match="read-only"):
            uow.commit()


def test_sqlite_reads_begin_deferred_and_writes_immediate(container, settings) -> None:
    if not settings.is_sqlite:
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    engine = container.engine()
    seen: list[str] = []

    def log(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if re.match(r"BEGIN", statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    try:
        container.excedentes.read_model().institutions()
        with container.excedentes.uow() as uow:
            uow.session.execute(sa.text("SELECT 1"))
    finally:
        event.remove(engine, "before_cursor_execute", log)
    assert seen == ["BEGIN", "BEGIN IMMEDIATE"]
