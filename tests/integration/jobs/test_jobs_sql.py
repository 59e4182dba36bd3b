"""The embedded backend on SQLite and PostgreSQL: the export kinds end to end, owner scoping,
claims, leases lost (a worker killed with -9), retries, cancelling and expiry."""

from __future__ import annotations

from datetime import timedelta

import openpyxl
import pytest

from shared.jobs.application import JobAborted
from shared.jobs.domain import CANCELLED, UNEXPECTED, WORKER_LOST, JobStatus
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from tests.integration.excedentes.support import YEAR

from .conftest import run_queue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(container, owner, job_id):
    opened = container.open_job_result()(owner, job_id)
    with opened.stream as fh:
        book = openpyxl.load_workbook(fh, read_only=True)
        return list(book.active.iter_rows(values_only=True))


def test_institution_export_runs_as_a_job(container, users):
    coord = users["coord_ss"]
    view = container.start_job()(coord, "institution-export", {"period": YEAR, "institution": "ss"})
    assert view.status is JobStatus.QUEUED and view.progress == 0
    assert view.description == f"Excel de los registros de SS ({YEAR})"
    assert run_queue(container) == 1
    done = container.get_job()(coord, view.id)
    assert done.status is JobStatus.DONE and done.progress == 100 and done.stage == "Terminado"
    assert done.filename == f"excedentes-faltantes-SS-{YEAR}.xlsx"
    assert done.expires_at == done.finished_at + timedelta(days=7)
    rows = _rows(container, coord, view.id)
    assert rows[0][0] == "Institución" and len(rows) == 2  # header + the SS record only
    assert "Anestesia" in rows[1]
    opened = container.open_job_result()(coord, view.id)
    opened.stream.close()
    assert opened.content_type == XLSX and opened.size > 0


def test_national_export_runs_as_a_job(container, users):
    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    run_queue(container)
    assert container.get_job()(admin, view.id).status is JobStatus.DONE
    rows = _rows(container, admin, view.id)
    assert len(rows) == 3  # header, the IMSS record and the SS record
    assert len({r[0] for r in rows[1:]}) == 2  # both institutions


@pytest.mark.parametrize("who, kind, params, error", [
    ("coord_ss", "national-export", {"period": YEAR}, PermissionDenied),  # the country: admin
    ("cap_bc", "national-export", {"period": YEAR}, PermissionDenied),
    ("coord_imss", "institution-export", {"period": YEAR, "institution": "SS"}, NotFound),
    ("cap_bc", "institution-export", {"period": YEAR, "institution": "SS"}, PermissionDenied),
    ("admin_jobs", "institution-export", {"period": 1990, "institution": "SS"}, NotFound),
    ("admin_jobs", "national-export", {"period": "dos mil"}, ValidationError),
    ("admin_jobs", "institution-export", {"period": YEAR}, ValidationError),
    ("admin_jobs", "no-such-kind", {}, ValidationError),
])
def test_the_use_case_decides_at_start(container, users, who, kind, params, error):
    with pytest.raises(error):
        container.start_job()(users[who], kind, params)
    assert container.operator_jobs().list() == []  # nothing queued


def test_a_job_is_its_owners_only(container, users):
    admin, coord = users["admin_jobs"], users["coord_ss"]
    view = container.start_job()(coord, "institution-export", {"period": YEAR, "institution": "SS"})
    run_queue(container)
    for use_case in (container.get_job(), container.open_job_result(), container.cancel_job()):
        with pytest.raises(NotFound) as foreign:
            use_case(admin, view.id)  # even an admin: the job and its file are the owner's
        with pytest.raises(NotFound) as missing:
            use_case(admin, "0" * 24)
        assert foreign.value.message == missing.value.message
    assert container.list_my_jobs()(admin) == []
    assert [v.id for v in container.list_my_jobs()(coord)] == [view.id]


def test_two_workers_never_hold_the_same_job(container, users):
    container.start_job()(users["admin_jobs"], "national-export", {"period": YEAR})
    claim = container.claim_job()
    first = claim("machine-a:1:0")
    assert first is not None and first.status is JobStatus.RUNNING and first.attempts == 1
    assert claim("machine-b:2:0") is None
    # progress by a worker that does not hold the job is refused
    with pytest.raises(JobAborted):
        container.report_job_progress()(first.id, "machine-b:2:0", 50, "x")
    container.report_job_progress()(first.id, "machine-a:1:0", 40, "Escribiendo los registros")
    seen = container.operator_jobs().show(first.id)
    assert seen.progress == 40 and seen.stage == "Escribiendo los registros"


def test_a_killed_worker_leaves_the_job_retried_then_failed(container, users, clock):
    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    recover, claim = container.recover_job_leases(), container.claim_job()
    lease = timedelta(seconds=container.settings().jobs_lease_seconds)
    for attempt in range(1, 4):  # JOBS_MAX_ATTEMPTS = 3
        held = claim(f"killed:{attempt}")  # ... then kill -9: no more heartbeats
        assert held is not None and held.attempts == attempt
        clock.advance(lease / 2)
        assert recover() == 0  # the lease still runs: it stays running
        assert container.get_job()(admin, view.id).status is JobStatus.RUNNING
        clock.advance(lease)
        assert recover() == 1
        after = container.get_job()(admin, view.id)
        if attempt < 3:
            assert after.status is JobStatus.QUEUED and after.stage == "En cola (reintento)"
        else:
            assert after.status is JobStatus.FAILED and after.error == WORKER_LOST
    assert claim("another") is None


def test_a_job_lost_once_is_finished_by_another_worker(container, users, clock):
    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    dead = container.claim_job()("dead:1:0")
    assert dead is not None
    clock.advance(timedelta(minutes=5))
    worker = container.jobs_worker()
    worker.housekeeping()  # what every worker does every half minute
    assert worker.run_one()
    done = container.get_job()(admin, view.id)
    assert done.status is JobStatus.DONE and done.attempts == 2
    # the dead worker, were it to wake up, could no longer write
    with pytest.raises(JobAborted):
        container.report_job_progress()(view.id, "dead:1:0", 10, "x")


def test_cancelling(container, users):
    coord = users["coord_ss"]
    params = {"period": YEAR, "institution": "SS"}
    queued = container.start_job()(coord, "institution-export", params)
    cancelled = container.cancel_job()(coord, queued.id)
    assert cancelled.status is JobStatus.FAILED and cancelled.error == CANCELLED
    assert run_queue(container) == 0
    # a running job: the worker's next progress report stops it; no file is kept
    running = container.start_job()(coord, "institution-export", params)
    held = container.claim_job()("w:1:0")
    container.cancel_job()(coord, running.id)
    with pytest.raises(JobAborted):
        container.report_job_progress()(running.id, held.worker, 30, "x")
    container.execute_job()(held)  # the work itself stops at its first report
    after = container.get_job()(coord, running.id)
    assert after.status is JobStatus.FAILED and after.filename is None
    with pytest.raises(Exception) as refused:
        container.cancel_job()(coord, running.id)
    assert "ya terminó" in str(refused.value)


def test_finished_jobs_expire_with_their_files(container, users, clock):
    coord = users["coord_ss"]
    view = container.start_job()(coord, "institution-export", {"period": YEAR, "institution": "SS"})
    run_queue(container)
    assert container.expire_jobs()() == 0
    clock.advance(timedelta(days=7, seconds=1))
    assert container.expire_jobs()() == 1
    after = container.get_job()(coord, view.id)
    assert after.status is JobStatus.EXPIRED and after.filename is None
    with pytest.raises(NotFound):
        container.open_job_result()(coord, view.id)
    storage = container.storage().backend("local")
    assert storage.list_versions(f"jobs/{view.id}") == []  # the file itself is deleted


def test_keep_days_come_from_the_settings(tmp_path, db_url):
    from shared.config import Settings

    s = Settings.from_env({"VAR_DIR": str(tmp_path), "DATABASE_URL": db_url, "SECRET_KEY": "x",
                           "JOBS_KEEP_DAYS": "2", "JOBS_CONCURRENCY": "3"})
    assert s.jobs_keep_days == 2 and s.jobs_concurrency == 3
    with pytest.raises(ValueError):
        Settings.from_env({"VAR_DIR": str(tmp_path), "DATABASE_URL": db_url, "SECRET_KEY": "x",
                           "JOBS_KEEP_DAYS": "0"})


class _FullDisk:
    """An exporter whose disk is full (the fault the worker must survive)."""

    def write(self, rows, path):
        raise OSError(28, "No space left on device")


def test_an_unexpected_error_is_retried_then_explained(container, users):
    from dependency_injector import providers

    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    container.excedentes.exporter.override(providers.Object(_FullDisk()))
    assert run_queue(container) == 3  # three attempts
    after = container.get_job()(admin, view.id)
    assert after.status is JobStatus.FAILED and after.error == UNEXPECTED and after.attempts == 3


def test_the_worker_threads_run_a_job(container, users):
    import time

    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    worker = container.jobs_worker()
    worker.poll = 0.05
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while container.get_job()(admin, view.id).status is not JobStatus.DONE:
            assert time.monotonic() < deadline, "the worker thread did not finish the job"
            time.sleep(0.05)
    finally:
        worker.stop(10)


def test_a_rule_broken_at_run_time_says_why_and_what_to_do(container, users):
    from shared.jobs.domain import RULE_ADVICE
    from shared.kernel.scope import Role

    coord = users["coord_ss"]
    view = container.start_job()(coord, "institution-export", {"period": YEAR, "institution": "SS"})
    # moved to another institution before the job ran: the use case's scope rules still apply
    container.identity().grant("test", "coord_ss", Role.COORDINADOR, "IMSS")
    run_queue(container)
    after = container.get_job()(coord, view.id)
    assert after.status is JobStatus.FAILED and after.attempts == 1  # a rule: no retry
    assert after.error.endswith(RULE_ADVICE) and after.filename is None
    # a disabled account's job does not run either
    second = container.start_job()(users["admin_jobs"], "national-export", {"period": YEAR})
    container.identity().set_active("test", "admin_jobs", False)
    run_queue(container)
    failed = container.get_job()(users["admin_jobs"], second.id)
    assert failed.status is JobStatus.FAILED and "ya no está activa" in failed.error


def test_starting_a_job_wakes_the_worker_at_once(container, users):
    import time

    worker = container.jobs_worker()
    worker.poll = 30.0  # only the wake-up can make it look before the test gives up
    worker.housekeeping_every = 3600
    worker.start()
    try:
        time.sleep(0.3)  # the thread is waiting
        view = container.start_job()(users["admin_jobs"], "national-export", {"period": YEAR})
        deadline = time.monotonic() + 20
        while container.get_job()(users["admin_jobs"], view.id).status is not JobStatus.DONE:
            assert time.monotonic() < deadline, "the queued job did not wake the worker"
            time.sleep(0.05)
    finally:
        worker.stop(10)


def test_concurrent_claims_take_each_job_once(container, users):
    """Four workers claiming at the same time: every job is held by exactly one of them."""
    from concurrent.futures import ThreadPoolExecutor

    admin = users["admin_jobs"]
    ids = {container.start_job()(admin, "national-export", {"period": YEAR}).id for _ in range(8)}
    claim = container.claim_job()

    def drain(n: int) -> list[str]:
        got = []
        while (job := claim(f"racer:{n}")) is not None:
            got.append(job.id)
        return got

    with ThreadPoolExecutor(4) as pool:
        taken = [job_id for got in pool.map(drain, range(4)) for job_id in got]
    assert sorted(taken) == sorted(ids)  # each once, none lost
    assert all(container.operator_jobs().show(i).attempts == 1 for i in ids)
