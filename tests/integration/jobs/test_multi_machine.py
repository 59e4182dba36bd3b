"""The multi-machine profile, as an operator runs it (README, *Several machines: the recipe*):
one PostgreSQL database, one Redis, one S3 bucket (a moto server started here), two
``sanece-admin serve`` processes and one ``sanece-admin worker``, each with a ``VAR_DIR`` of
its own (nothing is shared through local files). A user logs in on one web process, starts a
national export, a SAnECE extraction and a catalog import (its file stored in the bucket first)
there, and downloads the results from the other."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import PG_ADMIN_URL, _pg_problem, REQUIRE_PG
from tests.helpers import csrf_from
from tests.integration.test_session_stores import REDIS_URL, _redis_or_skip

ROOT = Path(__file__).resolve().parents[3]
ADMIN, ADMIN_PASSWORD = "admin", "Demo-2026-ADM"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def database():
    problem = _pg_problem()
    if problem:
        (pytest.fail if REQUIRE_PG else pytest.skip)(f"PostgreSQL not reachable: {problem}")
    name = f"sanece_mm_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # the operator's `createdb sanece`
    yield f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def s3_endpoint():
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 request otherwise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli.main", *args], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _done(proc: subprocess.Popen[bytes], what: str, timeout: float = 90) -> str:
    out, _ = proc.communicate(timeout=timeout)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, f"{what} failed:\n{text}"
    return text


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while True:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{base} did not become healthy"
        time.sleep(0.2)


def _wait_done(client: httpx.Client, base: str, location: str, deadline: float) -> dict:
    while True:
        job = client.get(f"{base}{location}").json()
        if job["status"] in ("done", "failed", "expired"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']}: {job}"
        time.sleep(0.3)


def test_two_web_machines_and_a_worker_share_database_redis_and_bucket(database, s3_endpoint,
                                                                        tmp_path):
    _redis_or_skip()
    common = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JOBS_", "S3_", "STORAGE_"))},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DATABASE_URL": database, "REDIS_URL": REDIS_URL, "SECRET_KEY": "one-secret-for-all",
        "JOBS_BACKEND": "saq", "JOBS_QUEUE": f"sanece-jobs-{uuid.uuid4().hex[:8]}",
        "STORAGE_DEFAULT": "s3", "S3_BUCKET": "sanece-archivos", "S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "S3_REGION": "us-east-1",
        "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": "1",
    }

    def machine(name: str) -> dict[str, str]:
        return {**common, "VAR_DIR": str(tmp_path / name)}

    ops = machine("ops")
    # Once, from any machine: the schema, the bucket, the demo.
    upgrade, bucket = _cli(ops, "db", "upgrade"), _cli(ops, "storage", "check", "--create")
    _done(upgrade, "db upgrade")
    assert "Almacenamiento listo" in _done(bucket, "storage check --create")
    demo = _cli(ops, "demo", "load", "--scale", "small")
    port_a, port_b = _free_port(), _free_port()
    web_a = _cli(machine("web-a"), "serve", "--host", "127.0.0.1", "--port", str(port_a))
    web_b = _cli(machine("web-b"), "serve", "--host", "127.0.0.1", "--port", str(port_b))
    worker = _cli(machine("worker"), "worker")
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    try:
        _done(demo, "demo load", timeout=120)
        deadline = time.monotonic() + 60
        _wait_healthy(a, web_a, deadline)
        _wait_healthy(b, web_b, deadline)
        health = httpx.get(f"{b}/health").json()
        assert health == {"status": "ok", "database": "ok", "sessions": "ok", "storage": "ok",
                          "jobs": "ok"}

        # The browser's cookie jar is per host, not per port: a session started on A is sent
        # to B, which finds it in Redis.
        with httpx.Client(timeout=30) as client:
            token = csrf_from(client.get(f"{a}/login").text)
            r = client.post(f"{a}/login", data={"username": ADMIN, "password": ADMIN_PASSWORD,
                                                 "csrf_token": token, "next": "/"})
            assert r.status_code in (302, 303), r.text
            api_token = client.get(f"{a}/api/auth/csrf").json()["csrf_token"]
            headers = {"x-csrf-token": api_token}
            export = client.post(f"{a}/api/jobs", headers=headers, json={
                "kind": "national-export", "params": {"period": date.today().year}})
            assert export.status_code == 202, export.text
            ooad = client.get(f"{a}/api/sanece/ooads").json()[0]["id"]
            unit = client.get(f"{a}/api/sanece/ooads/{ooad}/units").json()[0]["id"]
            form = client.get(f"{a}/api/sanece/extraction").json()
            extraction = client.post(f"{a}/api/jobs", headers=headers, json={
                "kind": "sanece-extraction",
                "params": {"start": form["start"], "end": form["end"], "unit_id": unit}})
            assert extraction.status_code == 202, extraction.text

            # An import: the file is stored on A (in the bucket), the worker imports it.
            catalog = ("Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
                       "Servicios de Atención Médica,Cirugía,Cirugía general,"
                       "Producto de otra máquina,Procedimiento\n").encode()
            up = client.post(f"{a}/api/jobs/uploads", headers=headers,
                             files={"archivo": ("catalogo.csv", catalog, "text/csv")})
            assert up.status_code == 201, up.text
            imported = client.post(f"{a}/api/jobs", headers=headers, json={
                "kind": "catalog-import",
                "params": {"upload": up.json()["upload"], "institution": "SS"}})
            assert imported.status_code == 202, imported.text

            deadline = time.monotonic() + 60
            job = _wait_done(client, b, imported.headers["location"], deadline)
            assert job["status"] == "done", job
            assert "1 nueva" in client.get(f"{b}{job['result_url']}").text
            for started_job, sheet_rows in ((export, 2), (extraction, 1)):
                job = _wait_done(client, b, started_job.headers["location"], deadline)
                assert job["status"] == "done", job
                got = client.get(f"{b}{job['result_url']}")
                assert got.status_code == 200
                book = load_workbook(io.BytesIO(got.content), read_only=True)
                assert len(list(book.worksheets[0].iter_rows())) >= sheet_rows
        # The results are in the bucket, not on any machine's disk.
        import boto3

        s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="sanece-archivos").get("Contents", [])]
        assert sum(k.startswith("jobs/") for k in keys) == 3, keys  # the import's summary too
        assert not [k for k in keys if k.startswith("job-uploads/")], keys  # consumed, removed
    finally:
        for proc in (web_a, web_b, worker, demo):
            if proc.poll() is None:
                proc.terminate()
        for proc in (web_a, web_b, worker, demo):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
