"""``sanece-admin jobs list|show|cancel`` through click's runner, on both databases."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli
from shared.jobs.domain import JobStatus
from tests.integration.excedentes.support import YEAR

from .conftest import run_queue


@pytest.fixture
def run(container):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), obj={"container": container})

    return invoke


def test_list_show_and_cancel(run, container, users):
    coord = users["coord_ss"]
    done = container.start_job()(coord, "institution-export", {"period": YEAR, "institution": "SS"})
    run_queue(container)
    queued = container.start_job()(users["admin_jobs"], "national-export", {"period": YEAR})

    listed = run("jobs", "list")
    assert listed.exit_code == 0, listed.output
    assert done.id in listed.output and queued.id in listed.output
    assert "Terminado" in listed.output and "En cola" in listed.output
    only = run("jobs", "list", "--user", "admin_jobs")
    assert queued.id in only.output and done.id not in only.output

    shown = run("jobs", "show", done.id)
    assert shown.exit_code == 0, shown.output
    assert "100 %" in shown.output and f"excedentes-faltantes-SS-{YEAR}.xlsx" in shown.output
    assert "coord_ss" in shown.output

    cancelled = run("jobs", "cancel", queued.id)
    assert cancelled.exit_code == 0 and "cancelado" in cancelled.output
    assert container.operator_jobs().show(queued.id).status is JobStatus.FAILED


@pytest.mark.parametrize("args, message", [
    (["jobs", "show", "no-existe"], "El trabajo no existe"),
    (["jobs", "cancel", "no-existe"], "El trabajo no existe"),
])
def test_errors_are_one_spanish_line(run, args, message):
    r = run(*args)
    assert r.exit_code != 0
    lines = [line for line in r.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0]
    assert "Traceback" not in r.output


def test_cancelling_a_finished_job_is_refused(run, container, users):
    view = container.start_job()(users["coord_ss"], "institution-export",
                                 {"period": YEAR, "institution": "SS"})
    run_queue(container)
    r = run("jobs", "cancel", view.id)
    assert r.exit_code != 0 and "ya terminó" in r.output


def test_an_empty_list_says_so(run, world):
    r = run("jobs", "list")
    assert r.exit_code == 0 and "No hay trabajos." in r.output


def test_the_standalone_worker_runs_the_queue(container, users, settings):
    """``sanece-admin worker`` in a process of its own, on the same database and files."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    view = container.start_job()(users["coord_ss"], "institution-export",
                                 {"period": YEAR, "institution": "SS"})
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "VAR_DIR": str(settings.var_dir), "DATABASE_URL": settings.database_url,
           "SECRET_KEY": "test-secret", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])}
    proc = subprocess.Popen([sys.executable, "-m", "entrypoints.cli.main", "worker"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=root)
    try:
        deadline = time.monotonic() + 60
        while container.operator_jobs().show(view.id).status is not JobStatus.DONE:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "the worker process did not run the job"
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(10)
    opened = container.open_job_result()(users["coord_ss"], view.id)
    opened.stream.close()
    assert opened.size > 0
