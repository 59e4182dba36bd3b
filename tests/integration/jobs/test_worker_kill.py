"""A worker process killed with ``kill -9`` in the middle of a job, for real, on both databases
and both job backends: the job is retried by the next worker, or failed with a Spanish reason
once its attempts are spent — never left «en proceso» — and no half-written file is ever
downloadable.

The job is a national export over a database with some twenty thousand records (the small demo
plus a surplus for every unit and product of the open year's reports), slow enough to be caught
while it writes. The lease is short (``JOBS_LEASE_SECONDS``) so that the test takes seconds.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from shared.jobs.domain import WORKER_LOST, JobStatus, Requester
from shared.kernel.scope import Role
from tests.helpers import PASSWORD, login, make_user
from tests.integration.excedentes.support import YEAR

ROOT = Path(__file__).resolve().parents[3]
LEASE_SECONDS = 2


def _surplus_everywhere(engine: Any, year: int) -> int:
    """One outpatient surplus for every unit and product of each of the year's reports (those
    the demo did not record already): the national export then has ~20,000 rows to write."""
    from excedentes.adapters.sql import tables as t

    rep, per, units, srv, grp, prod, rec = (t.reports, t.periods, t.units, t.services,
                                            t.service_groups, t.products, t.records)
    rows = (sa.select(rep.c.id, units.c.clues, prod.c.id, sa.literal("excedente"),
                      sa.literal("ambulatorio"), sa.literal(4), sa.literal(3))
            .select_from(rep.join(per, per.c.id == rep.c.period_id)
                         .join(units, units.c.entity_id == rep.c.entity_id)
                         .join(srv, srv.c.institution_code == per.c.institution_code)
                         .join(grp, grp.c.service_id == srv.c.id)
                         .join(prod, prod.c.group_id == grp.c.id))
            .where(per.c.year == year,
                   ~sa.exists().where(rec.c.report_id == rep.c.id, rec.c.clues == units.c.clues,
                                      rec.c.product_id == prod.c.id,
                                      rec.c.modality == "ambulatorio")))
    with engine.begin() as conn:
        conn.execute(rec.insert().from_select(
            ["report_id", "clues", "product_id", "kind", "modality", "monthly_events",
             "monthly_patients"], rows))
        return int(conn.execute(
            sa.select(sa.func.count()).select_from(rec.join(rep, rep.c.id == rec.c.report_id)
                                                   .join(per, per.c.id == rep.c.period_id))
            .where(per.c.year == year)).scalar_one())


@pytest.fixture
def installation(db_url, tmp_path):
    """The scratch installation's environment (its database is ``db_url``) and a container of
    the test's own on it (the real clock: the processes below use it too)."""
    from entrypoints.container import build_container
    from shared.config import Settings

    def build(backend: str, attempts: int) -> tuple[dict[str, str], Any]:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("JOBS_", "S3_", "STORAGE_"))},
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": db_url, "SECRET_KEY": "test-secret",
            "LOG_LEVEL": "WARNING", "JOBS_BACKEND": backend,
            "JOBS_LEASE_SECONDS": str(LEASE_SECONDS), "JOBS_MAX_ATTEMPTS": str(attempts),
        }
        if backend == "saq":
            from tests.integration.test_session_stores import REDIS_URL, _redis_or_skip

            _redis_or_skip()
            env.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=f"test-kill-{uuid.uuid4().hex[:8]}")
        container = build_container(Settings.from_env(env))
        opened.append(container)
        return env, container

    opened: list[Any] = []
    yield build
    for container in opened:
        container.engine().dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli.main", *args], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _row(container: Any, job_id: str) -> Any:
    with container.jobs_uow() as uow:
        return uow.jobs.get(job_id)


def _output(proc: subprocess.Popen[bytes]) -> str:
    return proc.stdout.read().decode(errors="replace") if proc.stdout else ""


def _problem(response: Any) -> dict[str, Any]:
    return {k: v for k, v in response.json().items() if k != "request_id"}


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# Both outcomes, both backends, both databases, in two runs of about 15 s: each backend on
# one database (the jobs table's SQL is the same on both and is run on both by the other
# tests of jobs; the embedded retry is in-process below and in test_jobs_sql.py; the SAQ
# failure path is the same housekeeping as the embedded one).
@pytest.mark.parametrize("db_url, backend, attempts, then", [
    ("sqlite", "embedded", 1, "serve"),  # its one attempt spent: `serve`'s worker fails it
    ("postgresql", "saq", 2, "worker"),  # a new SAQ worker retries it at once, and finishes it
], indirect=["db_url"])
def test_a_worker_killed_mid_job_leaves_it_retried_or_failed(installation, backend, attempts,
                                                             then):
    from litestar.testing import TestClient

    from entrypoints.http.app import create_app

    env, container = installation(backend, attempts)
    container.excedentes.demo_loader().load("small", lambda *a: None)
    year = container.clock().today().year
    records = _surplus_everywhere(container.engine(), year)
    assert records > 15_000  # seconds of writing: caught mid-run even on a fast machine
    user = make_user(container, "admin_descargas", Role.ADMIN)
    owner = Requester(user.id, user.username, Role.ADMIN.value, None)
    storage = container.storage().backend("local")

    procs: list[subprocess.Popen[bytes]] = []
    try:
        first = _cli(env, "worker")
        procs.append(first)
        view = container.start_job()(owner, "national-export", {"period": year})
        key = f"jobs/{view.id}"

        # Caught by the worker process, while it writes the rows.
        deadline = time.monotonic() + 60
        while True:
            job = _row(container, view.id)
            assert first.poll() is None, _output(first)
            assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING), (job.status, job.error)
            if (job.status is JobStatus.RUNNING and job.progress > 5
                    and f":{first.pid}:" in (job.worker or "")):
                break
            assert time.monotonic() < deadline, f"the worker did not start the job: {job}"
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL

        killed = _row(container, view.id)
        assert killed.status is JobStatus.RUNNING and killed.attempts == 1  # nobody else yet
        assert storage.list_versions(key) == []  # nothing half-written is stored
        scratch = Path(env["VAR_DIR"]) / "tmp"
        assert len(list(scratch.glob("job-*"))) == 1  # the killed attempt's private leftovers

        with TestClient(app=create_app(container), base_url="http://testserver.local") as client:
            assert login(client, user.username, PASSWORD).status_code == 303
            download = f"/api/jobs/{view.id}/resultado"
            not_ready = client.get(download)
            assert not_ready.status_code == 404
            assert client.get(f"/api/jobs/{view.id}").json()["result_url"] is None

            # The next process (a new worker, or `serve` with its embedded worker) takes over.
            second = _cli(env, *(["serve", "--host", "127.0.0.1", "--port", str(_free_port())]
                                 if then == "serve" else ["worker"]))
            procs.append(second)
            deadline = time.monotonic() + 90
            while (job := _row(container, view.id)).status in (JobStatus.QUEUED,
                                                                JobStatus.RUNNING):
                assert second.poll() is None, _output(second)
                assert time.monotonic() < deadline, f"the job stayed {job.status.value}: {job}"
                time.sleep(0.1)

            # The next worker's housekeeping deletes the dead attempt's scratch folder too.
            while list(scratch.glob("job-*")):
                assert second.poll() is None, _output(second)
                assert time.monotonic() < deadline, "the dead attempt's folder was left"
                time.sleep(0.1)

            seen = client.get(f"/api/jobs/{view.id}").json()
            got = client.get(download)
            if attempts > 1:  # retried by the next worker and finished
                assert job.status is JobStatus.DONE, job.error
                assert job.attempts == 2  # the killed one, and the one that finished
                assert seen["status"] == "done" and seen["result_url"] == download
                assert got.status_code == 200
                book = openpyxl.load_workbook(io.BytesIO(got.content), read_only=True)
                assert book.active.max_row == records + 1  # every record, and the header
                assert len(storage.list_versions(key)) == 1  # the finished attempt's file only
            else:  # its attempts spent: failed, saying why and what to do
                assert job.status is JobStatus.FAILED and job.error == WORKER_LOST
                assert job.attempts == 1 and job.result is None
                assert seen["status"] == "failed" and seen["result_url"] is None
                assert "Vuelva a iniciarlo" in seen["error"]
                # the download answers exactly as before: no file (not a partial one)
                assert got.status_code == 404
                assert _problem(got) == _problem(not_ready)
                assert storage.list_versions(key) == []
    finally:
        _stop(procs)


def test_the_worker_threads_recover_a_dead_workers_job_by_themselves(container, users, clock):
    """No one calls housekeeping: the worker's own housekeeping thread requeues the job whose
    lease ran out, and a worker thread runs it."""
    from datetime import timedelta

    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    assert container.claim_job()("dead:1:0") is not None  # ... then kill -9
    clock.advance(timedelta(seconds=container.settings().jobs_lease_seconds + 1))
    worker = container.jobs_worker()
    # every half lease (at most 30 s) by default; here at once and often
    assert worker.housekeeping_every == min(30.0, container.settings().jobs_lease_seconds / 2)
    worker.housekeeping_every, worker.poll = 0.05, 0.05
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while (job := container.get_job()(admin, view.id)).status is not JobStatus.DONE:
            assert time.monotonic() < deadline, f"the job stayed {job.status.value}"
            time.sleep(0.05)
    finally:
        worker.stop(10)
    assert job.attempts == 2


def test_a_heartbeat_landing_before_the_recovery_keeps_the_job(container, users, clock):
    """Recovery takes over only the lease it saw run out: a slow worker's heartbeat that lands
    in between keeps the job its worker's."""
    from datetime import timedelta

    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    held = container.claim_job()("slow:1:0")
    clock.advance(timedelta(seconds=container.settings().jobs_lease_seconds + 1))
    with container.jobs_uow() as uow:  # what the recovery read ...
        seen = uow.jobs.running_with_lease_before(clock.now())
    assert [j.id for j in seen] == [view.id]
    container.report_job_progress()(view.id, held.worker, 50, "Escribiendo los registros")
    lost = seen[0]  # ... and the write it then tries
    worker, lease_until = lost.worker, lost.lease_until
    lost.lease_lost(clock.now(), timedelta(days=7))
    with container.jobs_uow() as uow:
        assert not uow.jobs.save(lost, expected_status=JobStatus.RUNNING, expected_worker=worker,
                                 expected_lease_until=lease_until)
        uow.commit()
    after = container.operator_jobs().show(view.id)
    assert after.status is JobStatus.RUNNING and after.progress == 50
    assert container.recover_job_leases()() == 0  # the renewed lease still runs


def test_housekeeping_deletes_only_the_scratch_of_dead_attempts(tmp_path):
    """A folder whose lock no process holds (its process died) goes; a running attempt's stays,
    and so does one created a moment ago."""
    from shared.jobs.application import job_workspace, sweep_workspaces

    dead = tmp_path / "job-dead"
    dead.mkdir()
    (dead / "result").write_bytes(b"PK\x03\x04 half a workbook")
    (dead / ".lock").touch()
    young = tmp_path / "job-young"
    young.mkdir()
    (young / ".lock").touch()
    old = time.time() - 60
    os.utime(dead / ".lock", (old, old))
    with job_workspace(tmp_path) as live:
        os.utime(live / ".lock", (old, old))
        assert sweep_workspaces(tmp_path) == 1
        assert live.is_dir() and young.is_dir() and not dead.exists()
    assert not live.exists()  # an attempt that ends removes its own
