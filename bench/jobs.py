"""Jobs (issue 18): what the job path costs, and what a running export costs the pages.

1. The national Excel export through the job path (``StartJob``, then one worker step: claim,
   the ``national-export`` kind with its progress reports, the file into the storage, done)
   beside the bare XlsxWriter constant-memory loop over the same rows (``ratio``; goal ≤ 1.3×).
2. The tablero's latency over HTTP on a real ``sanece-admin serve`` (embedded backend: the jobs'
   worker thread in the web process, ``JOBS_CONCURRENCY=1``), idle and while national exports
   run one after another: p50 and p99 of each, and the p99 ratio (goal ≤ 2×).

Figures only, no assertions. Usage::

    python bench/jobs.py [--scale national|small] [--keep DIR] [--requests N] [--rounds N]

The demo is loaded into a SQLite file in a temporary folder (``--keep DIR``: kept, loaded once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.excedentes_documents import bare_xlsx  # noqa: E402
from bench.http import free_port, login, wait_up  # noqa: E402

COORD, ADMIN, PASSWORD = "bench.coord", "bench.admin", "Bench-Clave-2026"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="national", choices=["national", "small"])
    parser.add_argument("--keep", default=None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the export comparison")
    args = parser.parse_args()

    import sqlalchemy as sa

    from entrypoints.container import build_container
    from entrypoints.persistence import upgrade
    from shared.config import Settings
    from shared.jobs.domain import JobStatus, Requester
    from shared.kernel.scope import Role

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    tmp.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp / f'jobs-{args.scale}.db'}"
    env = {"VAR_DIR": str(tmp / "var"), "DATABASE_URL": url, "SECRET_KEY": "bench-jobs",
           "LOG_LEVEL": "WARNING"}
    container = build_container(Settings.from_env(env))
    upgrade(url)
    exc, identity = container.excedentes, container.identity()
    with container.engine().connect() as conn:
        loaded = conn.execute(sa.text("SELECT count(*) FROM exc_records")).scalar_one() > 0
    if not loaded:
        started = time.perf_counter()
        exc.demo_loader().load(args.scale, lambda *a: None)
        print(f"load the {args.scale} demo: {time.perf_counter() - started:.1f} s", flush=True)
    users = {u.username: u for u in identity.list_users()}
    if ADMIN not in users:
        users[ADMIN] = identity.create_user("bench", ADMIN, "Bench Admin", Role.ADMIN, None, PASSWORD)
        first = exc.read_model().institutions()[0].code
        users[COORD] = identity.create_user("bench", COORD, "Bench Coord", Role.COORDINADOR,
                                            first, PASSWORD)
    admin = Requester(users[ADMIN].id, ADMIN, Role.ADMIN.value, None)
    coord_inst = users[COORD].scope_ref
    year = container.clock().today().year

    # 1. the job path beside the bare loop: interleaved rounds (the order alternates), medians
    worker = container.jobs_worker()

    def as_job() -> tuple[float, int]:
        started = time.perf_counter()
        view = container.start_job()(admin, "national-export", {"period": year})
        worker.run_one()
        seconds = time.perf_counter() - started
        done = container.get_job()(admin, view.id)
        assert done.status is JobStatus.DONE, done.error
        return seconds, done.size or 0

    def bare_loop() -> tuple[float, int]:
        bare = bare_xlsx(exc.read_model().export_rows(year, None, None), tmp / "bare.xlsx")
        return bare["seconds"], bare["rows"]

    jobs_s, bare_s, ratios = [], [], []
    size = rows = 0
    for r in range(args.rounds):
        if r % 2 == 0:
            (j, size), (b, rows) = as_job(), bare_loop()
        else:
            (b, rows), (j, size) = bare_loop(), as_job()
        jobs_s.append(j)
        bare_s.append(b)
        ratios.append(j / b)
    print(f"national export as a job: median {statistics.median(jobs_s):.2f} s "
          f"({size / 2**20:.1f} MiB; {args.rounds} rounds interleaved with the bare loop)")
    print(f"  bare XlsxWriter constant-memory loop: median {statistics.median(bare_s):.2f} s "
          f"({rows:,} rows)")
    print(f"  ratio job/bare: median {statistics.median(ratios):.2f}x "
          f"(rounds {', '.join(f'{x:.2f}' for x in ratios)}; goal <= 1.30x)", flush=True)

    # 2. the tablero's p99, idle and while exports run ---------------------------------------
    port = free_port()
    log = tmp / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli.main", "serve", "--port", str(port)],
        env={**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
             "JOBS_CONCURRENCY": "1"},
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"{base}/health", proc, log)
        coord, boss = login(base, COORD, PASSWORD), login(base, ADMIN, PASSWORD)
        tablero = f"/excedentes/tablero?institucion={coord_inst}&periodo={year}"
        assert coord.get(tablero).status_code == 200

        def sample(n: int, during: bool) -> list[float]:
            token = boss.get("/api/auth/csrf").json()["csrf_token"]
            running: str | None = None
            out, exports = [], 0
            for _ in range(n):
                if during and (running is None or boss.get(running).json()["status"] != "running"
                               and boss.get(running).json()["status"] != "queued"):
                    r = boss.post("/api/jobs", headers={"x-csrf-token": token},
                                  json={"kind": "national-export", "params": {"period": year}})
                    running, exports = r.headers["location"], exports + 1
                    while boss.get(running).json()["status"] == "queued":
                        time.sleep(0.05)
                t = time.perf_counter()
                assert coord.get(tablero).status_code == 200
                out.append((time.perf_counter() - t) * 1000)
            if during:
                print(f"  ({exports} national export(s) ran meanwhile)")
            return out

        sample(20, False)  # warm-up
        idle = sample(args.requests, False)
        busy = sample(args.requests, True)
        print(f"tablero idle: p50 {statistics.median(idle):.1f} ms, p99 {p(idle, 0.99):.1f} ms "
              f"({args.requests} requests)")
        print(f"tablero during a national export: p50 {statistics.median(busy):.1f} ms, "
              f"p99 {p(busy, 0.99):.1f} ms")
        print(f"  p99 ratio busy/idle: {p(busy, 0.99) / p(idle, 0.99):.2f}x (goal <= 2x)")
    finally:
        proc.terminate()
        proc.wait(20)
    container.engine().dispose()


if __name__ == "__main__":
    main()
