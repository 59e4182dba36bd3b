"""The audit trail cannot be rewritten: entries are hash-chained, the database refuses UPDATE,
DELETE and TRUNCATE on it, and ``sanece-admin audit verify`` names the first altered entry.
Both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from entrypoints.cli.main import cli
from shared.adapters.sql.database import SqlUnitOfWork, create_engine
from shared.audit.adapters.sql import SqlAuditLog
from shared.audit.chain import GENESIS
from shared.audit.domain import AuditEntry
from tests.conftest import START


def _entry(i: int, **kw) -> AuditEntry:
    return AuditEntry(START + timedelta(seconds=i), kw.pop("actor", "ana"), "test.action", "thing",
                      str(i), before={"n": i, "x": [1.5, "ñ", None]}, after={"n": i + 1},
                      reason=kw.pop("reason", None))


def _record(container, *entries: AuditEntry) -> None:
    with SqlUnitOfWork(container.sessions(), audit=SqlAuditLog) as uow:
        for e in entries:
            uow.audit.record(e)
        uow.commit()


@pytest.fixture
def run(container):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), obj={"container": container})

    return invoke


def _rows(db_url: str) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text(
            "SELECT id, prev_hash, entry_hash FROM audit_log ORDER BY id")).mappings()]
    engine.dispose()
    return rows


def _tamper(db_url: str, sql: str) -> None:
    """What a database superuser could still do: switch the triggers off and rewrite."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(sa.text(sql))
    engine.dispose()


def test_entries_are_chained_and_verify_passes(container, db_url, run):
    _record(container, _entry(1), _entry(2, reason="motivo"))
    _record(container, _entry(3))
    rows = _rows(db_url)
    assert [r["prev_hash"] for r in rows] == [GENESIS, rows[0]["entry_hash"], rows[1]["entry_hash"]]
    assert len({r["entry_hash"] for r in rows}) == 3
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"Bitácora íntegra: 3 entradas; hash final {rows[2]['entry_hash']}" in result.output


def test_an_empty_trail_verifies(container, run):
    result = run("audit", "verify")
    assert result.exit_code == 0 and "0 entradas" in result.output


def test_a_rolled_back_unit_of_work_appends_nothing(container, db_url):
    with SqlUnitOfWork(container.sessions(), audit=SqlAuditLog) as uow:
        uow.audit.record(_entry(1))  # no commit: the block rolls back
    _record(container, _entry(2))
    rows = _rows(db_url)
    assert len(rows) == 1 and rows[0]["prev_hash"] == GENESIS


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET actor = 'otro' WHERE id = 1",
    "UPDATE audit_log SET reason = 'x'",
    "DELETE FROM audit_log WHERE id = 1",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
])
def test_the_database_refuses_to_rewrite_the_trail(container, db_url, sql):
    _record(container, _entry(1), _entry(2))
    engine = create_engine(db_url)
    if sql.startswith("TRUNCATE") and engine.dialect.name == "sqlite":
        engine.dispose()
        pytest.skip("SQLite has no TRUNCATE (DELETE FROM covers it)")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    engine.dispose()
    assert len(_rows(db_url)) == 2


def test_verify_names_a_modified_entry(container, db_url, run):
    _record(container, *(_entry(i) for i in range(1, 6)))
    _tamper(db_url, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert "la entrada 3 no coincide con su hash" in result.output
    assert "2 entradas anteriores están íntegras" in result.output


def test_verify_names_the_entry_after_a_deleted_one(container, db_url, run):
    _record(container, *(_entry(i) for i in range(1, 6)))
    _tamper(db_url, "DELETE FROM audit_log WHERE id = 2")
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "la entrada 3 no enlaza con la anterior" in result.output


def test_verify_finds_a_rewritten_hash_too(container, db_url, run):
    """Recomputing one entry's hash after changing it still breaks the next link."""
    _record(container, *(_entry(i) for i in range(1, 4)))
    _tamper(db_url, "UPDATE audit_log SET entry_hash = '" + "f" * 64 + "' WHERE id = 2")
    result = run("audit", "verify")
    assert result.exit_code == 1 and "entrada 2" in result.output


def test_concurrent_writers_never_fork_the_chain(container, db_url, run):
    threads, per_thread = 4, 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def writer(t: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                _record(container, _entry(t * 100 + i, actor=f"hilo{t}"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    rows = _rows(db_url)
    assert len(rows) == threads * per_thread
    assert len({r["prev_hash"] for r in rows}) == len(rows)  # no two entries share a parent
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"{threads * per_thread} entradas" in result.output


def test_upgrade_chains_the_entries_already_there(db_url, run):
    """A database created before the chain: migration 0009 chains its entries and adds the
    triggers."""
    from entrypoints.persistence import load_all_tables, upgrade
    from shared.adapters.sql.migrate import upgrade as upgrade_to

    engine = create_engine(db_url)
    load_all_tables().drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade_to(db_url, "0001")
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(sa.text(
                "INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after,"
                " reason) VALUES (:at, 'ana', 'old.action', 'thing', :tid, :b, NULL, NULL)"),
                {"at": (START + timedelta(minutes=i)).isoformat(sep=" ")
                 if engine.dialect.name == "sqlite" else START + timedelta(minutes=i),
                 "tid": str(i), "b": '{"n": %d}' % i})
    upgrade(db_url)
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "3 entradas" in result.output
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_log"))
    engine.dispose()
