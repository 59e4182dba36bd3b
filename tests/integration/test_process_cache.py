"""Read models' results cached by a process (issue 12): served again only under the data
version they were computed under, which every unit of work's commit raises in its own
transaction, so a write committed by another process is seen by the next request. Same tests
on SQLite and PostgreSQL; the writer is another engine (its own pool and cache) or another
process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from tests.helpers import SelectsSeen

from shared.adapters.sql.database import read_data_version
from shared.adapters.sql.queries import read_scope

INSTITUTION = {"name": "Institución de prueba", "entity_word": "Entidad",
               "signature_label_1": "Elaboró", "signature_label_2": "Autorizó",
               "header_lines": [], "signature_name_line": False,
               "signed_pdf_max_bytes": 1_000_000, "has_specialty_level": False,
               "storage_backend": "local", "position": 0}
ROOT = Path(__file__).resolve().parents[2]


def _add_institution(container, code: str, name: str) -> None:
    from excedentes.adapters.sql.tables import institutions

    with container.excedentes.uow() as uow:
        uow.session.execute(sa.insert(institutions).values(code=code, **{**INSTITUTION, "name": name}))
        uow.commit()


def _rename(container, code: str, name: str) -> None:
    from excedentes.adapters.sql.tables import institutions

    with container.excedentes.uow() as uow:
        uow.session.execute(sa.update(institutions).where(institutions.c.code == code).values(name=name))
        uow.commit()


def _version(container) -> int | None:
    with container.sessions()() as s:
        return read_data_version(s)


def test_every_commit_raises_the_data_version_and_reads_do_not(container) -> None:
    before = _version(container)
    assert before is not None
    with read_scope():
        container.excedentes.read_model().institutions()
    assert _version(container) == before
    _add_institution(container, "TST", "Primera")
    assert _version(container) == before + 1
    with container.excedentes.uow() as uow:  # rolled back: nothing was written
        uow.session.execute(sa.text("SELECT 1"))
    assert _version(container) == before + 1


def test_a_request_is_served_from_the_cache_until_another_process_writes(container, settings) -> None:
    from entrypoints.container import build_container

    _add_institution(container, "TST", "Primera")
    read_model = container.excedentes.read_model()
    with read_scope():
        assert read_model.institution("TST").name == "Primera"
    with SelectsSeen(container.engine()) as seen, read_scope():
        assert read_model.institution("tst").name == "Primera"
    # the next request asked only for the data version: the institution came from the cache
    assert len(seen) == 1 and "data_version" in seen[0]

    other = build_container(settings)  # another engine, pool and cache: another worker
    try:
        _rename(other, "TST", "Segunda")
        with read_scope():
            assert other.excedentes.read_model().institution("TST").name == "Segunda"
    finally:
        other.engine().dispose()
    with read_scope():
        assert read_model.institution("TST").name == "Segunda"
    # a missing institution is cached as missing, and found once it is added
    with read_scope():
        assert read_model.institution("NUE") is None
    _add_institution(container, "NUE", "Nueva")
    with read_scope():
        assert read_model.institution("NUE").name == "Nueva"


def test_a_write_committed_by_another_os_process_is_seen_by_the_next_request(container, settings) -> None:
    _add_institution(container, "TST", "Primera")
    read_model = container.excedentes.read_model()
    with read_scope():
        assert read_model.institution("TST").name == "Primera"
    code = (
        "import sqlalchemy as sa\n"
        "from entrypoints.container import build_container\n"
        "from excedentes.adapters.sql.tables import institutions as t\n"
        "c = build_container()\n"
        "with c.excedentes.uow() as uow:\n"
        "    uow.session.execute(sa.update(t).where(t.c.code == 'TST').values(name='Otra'))\n"
        "    uow.commit()\n"
    )
    env = {**os.environ, "DATABASE_URL": settings.database_url, "VAR_DIR": str(settings.var_dir),
           "SECRET_KEY": "test-secret", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT, timeout=120)
    with read_scope():
        assert read_model.institution("TST").name == "Otra"


def test_a_read_after_a_write_in_the_same_request_is_fresh(container) -> None:
    _add_institution(container, "TST", "Primera")
    read_model = container.excedentes.read_model()
    with read_scope():
        assert read_model.institution("TST").name == "Primera"
        _rename(container, "TST", "Segunda")
        assert read_model.institution("TST").name == "Segunda"


def test_cached_lists_are_handed_out_as_new_lists(container) -> None:
    _add_institution(container, "TST", "Primera")
    read_model = container.excedentes.read_model()
    with read_scope():
        first = read_model.institutions()
        first.clear()  # a caller's own list: the cache is not touched
    with SelectsSeen(container.engine()) as seen, read_scope():
        assert [i.code for i in read_model.institutions()] == ["TST"]
    assert len(seen) == 1  # the data version only


def test_a_session_ended_by_another_worker_is_refused_on_the_next_request(container, settings) -> None:
    from entrypoints.container import build_container
    from tests.helpers import make_user

    user = make_user(container, "admin.cache")
    identity = container.identity()
    identity.register_session(user.id, "k" * 64)
    with read_scope():
        assert identity.session_user(user.id, "k" * 64) is not None
    with SelectsSeen(container.engine()) as seen, read_scope():
        assert identity.session_user(user.id, "k" * 64) is not None
    assert len(seen) == 1  # served from the cache: only the data version was read
    other = build_container(settings)
    try:
        other.identity().forget_sessions(["k" * 64])  # e.g. "Cerrar las demás" on another worker
    finally:
        other.engine().dispose()
    with read_scope():
        assert identity.session_user(user.id, "k" * 64) is None
