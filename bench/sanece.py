"""SAnECE at national scale: the director's Inicio, the reviewer queue and a one-year
extraction of the largest unit beside a bare XlsxWriter baseline of the same rows.

1. Loads the sanece demo at national scale (~100,000 folios over three years, 3,000 change
   requests) into a scratch SQLite database (or ``--db URL``, e.g. PostgreSQL), once.
2. Times the real pages through the app (``create_app`` in Litestar's in-process
   ``TestClient``, logged in through the login form; no network): the Inicio page of a
   director of the largest unit and the reviewer's queue page, median and p95 of ``--repeat``
   GETs each. Then the queries behind the screens alone (Inicio, Pacientes, the review queue
   with its filters, the evaluator's queue).
3. Extracts the largest unit to .xlsx through ``ExtractFolios`` (SQL stream -> XlsxWriter
   constant memory) and, in another process, the same rows with a bare loop: the same SELECT
   streamed by SQLAlchemy Core into XlsxWriter's ``write_*`` calls (constant memory), then the
   file's second sheet (SOLICITUDES: the unit's requests filed in the window) likewise. Both at
   two sizes, one year and its last tenth (36 days), so that the memory growth can be read
   against 10x the rows; the median of ``--runs`` interleaved runs. Goal: product / bare <= 1.3
   with flat memory. Then the writer alone against bare XlsxWriter on ``--rows`` synthetic
   rows and a tenth of them (100,000 and 10,000 x 15 cells; median of ``--writer-runs``).

Each extraction runs in its own process so that its peak RSS (VmHWM) is its own; "growth" is
that process's peak during the extraction (VmHWM reset through /proc/self/clear_refs once the
modules are imported and the database is connected) minus its RSS when the extraction starts.
Usage: ``python bench/sanece.py [--db URL] [--repeat 20] [--runs 5] [--writer-runs 3]
[--rows 100000]``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
DEFAULT_DB = Path(tempfile.gettempdir()) / "sanece-bench" / "national.db"


def container_for(url: str, files: Path) -> Any:
    from entrypoints.container import build_container
    from shared.config import Settings

    env = {"DATABASE_URL": url, "VAR_DIR": str(files.parent), "FILES_DIR": str(files),
           "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    return build_container(Settings.from_env(env))


def ensure_loaded(url: str, files: Path) -> Any:
    from entrypoints.persistence import load_all_tables

    container = container_for(url, files)
    load_all_tables().create_all(container.engine())
    started = time.perf_counter()
    last = [0.0]

    def progress(label: str, done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 2 or done == total:
            last[0] = time.perf_counter()
            print(f"   {label}: {done:,}/{total:,}", flush=True)

    container.sanece.demo_loader().load("national", progress)
    print(f"load (or check) national data: {time.perf_counter() - started:.1f} s", flush=True)
    return container


def largest_unit(container: Any) -> tuple[int, str, int]:
    import sqlalchemy as sa

    from sanece.adapters.sql import tables as t

    with container.engine().connect() as conn:
        unit_id, n = conn.execute(
            sa.select(t.folios.c.unit_id, sa.func.count()).group_by(t.folios.c.unit_id)
            .order_by(sa.func.count().desc()).limit(1)).one()
        name = conn.execute(sa.select(t.units.c.name).where(t.units.c.id == unit_id)).scalar()
        total = conn.execute(sa.select(sa.func.count()).select_from(t.folios)).scalar()
    print(f"folios: {total:,}; largest unit: {name} ({n:,} folios)")
    return int(unit_id), name, int(total)


def summary(runs: list[float]) -> str:
    p95 = statistics.quantiles(runs, n=20, method="inclusive")[18] if len(runs) > 1 else runs[0]
    return f"median {statistics.median(runs):7.1f} ms   p95 {p95:7.1f} ms"


def timed(label: str, fn: Callable[[], Any], repeat: int) -> None:
    fn()  # warm up (statement caches, planner statistics)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - start) * 1000)
    total = getattr(result, "total", "")
    print(f"{label:<58} {summary(runs)}   ({total} registros)")


# --------------------------------------------------------------------------- HTTP pages

PASSWORD = "Bench-Clave-2026"  # the bench's own users (created once, kept in the scratch DB)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def bench_user(container: Any, username: str, role: Any, scope_ref: str | None) -> str:
    from shared.kernel.errors import Conflict

    try:
        container.identity().create_user("bench", username, username.title(), role, scope_ref,
                                         PASSWORD)
    except Conflict:
        pass  # made by an earlier run on the same database
    return username


def logged_in(container: Any, username: str) -> Any:
    """A test client of a fresh app, logged in through the login form (as tests/helpers.py)."""
    from litestar.testing import TestClient

    from entrypoints.http.app import create_app

    client = TestClient(app=create_app(container), base_url="http://testserver.local")
    client.__enter__()
    found = _CSRF.search(client.get("/login").text)
    assert found, "the login page has no CSRF token"
    done = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": found.group(1), "next": "/"},
                       follow_redirects=False)
    assert done.status_code == 303, (done.status_code, done.text[:300])
    return client


def timed_get(client: Any, label: str, path: str, repeat: int) -> None:
    def get() -> Any:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 200, (path, response.status_code)
        return response

    size = len(get().content)  # warm up (templates, statement caches)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        get()
        runs.append((time.perf_counter() - start) * 1000)
    print(f"{label:<58} {summary(runs)}   ({size / 1024:.0f} KB)")


def pages(container: Any, unit_id: int, repeat: int) -> None:
    """The director's Inicio and the reviewer's queue, the real pages through the app."""
    from sanece.application.access import Actor, unit_ref
    from shared.kernel.scope import Role

    ooad = container.sanece.queries().unit(Actor.revisor().scope, unit_id).ooad_id
    director = bench_user(container, f"director.bench.{unit_id}", Role.DIRECTOR,
                          unit_ref(unit_id))
    revisor = bench_user(container, "revisor.bench", Role.REVISOR, None)
    plan = ((director, (("GET /sanece/inicio (director of the largest unit)", "/sanece/inicio"),
                        ("GET /sanece/inicio?q=garcia", "/sanece/inicio?q=garcia"))),
            (revisor, (("GET /sanece/revision (reviewer, every pending request)",
                        "/sanece/revision"),
                       ("GET /sanece/revision, one OOAD older than 7 days",
                        f"/sanece/revision?ooad={ooad}&dias=7"))))
    for username, gets in plan:
        # One app per client, closed before the next (see tests/integration/sanece_http).
        client = logged_in(container, username)
        try:
            for label, path in gets:
                timed_get(client, label, path, repeat)
        finally:
            client.__exit__(None, None, None)


def screens(container: Any, unit_id: int, repeat: int) -> None:
    from sanece.application.access import Actor
    from shared.kernel.pagination import PageRequest

    q = container.sanece.queries()
    director = Actor.director("director.bench", unit_id).scope
    revisor = Actor.revisor().scope
    evaluador = Actor.evaluador().scope
    ooad = q.unit(revisor, unit_id).ooad_id
    timed("Inicio: the 30 newest folios of the largest unit",
          lambda: q.latest_folios(director, PageRequest(1, 10)), repeat)
    timed("Inicio: Buscar «garcia» through every folio of the unit",
          lambda: q.latest_folios(director, PageRequest(1, 10, "garcia")), repeat)
    timed("Pacientes: the 30 most recent patients of the unit",
          lambda: q.recent_patients(director, PageRequest(1, 10)), repeat)
    timed("Review queue: first page of every pending request",
          lambda: q.review_queue(revisor, PageRequest(1, 25)), repeat)
    timed("Review queue: Baja de folio only",
          lambda: q.review_queue(revisor, PageRequest(1, 25), request_type="expiry_change",
                                 kind="cancellation"), repeat)
    timed("Review queue: one OOAD, older than 7 days",
          lambda: q.review_queue(revisor, PageRequest(1, 25), ooad_id=ooad, min_age_days=7),
          repeat)
    timed("Evaluator: pending folios, oldest first",
          lambda: q.pending_evaluations(evaluador, PageRequest(1, 25)), repeat)


# --------------------------------------------------------------------------- extraction parts


def _status_mib(key: str) -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split(f"{key}:")[1].split()[0]) / 1024


_MARK: dict[str, float] = {}


def work_starts() -> None:
    """Called once everything is imported and connected, right before the measured work:
    remembers the peak so far and the current RSS, then resets the peak (VmHWM)."""
    gc.collect()
    _MARK["peak_before"] = _status_mib("VmHWM")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux >= 4.0: VmHWM := VmRSS
    except OSError:
        pass  # then growth is measured against the peak so far (an upper bound)
    _MARK["rss_start"] = _status_mib("VmRSS")


def _window(container: Any, days: int) -> tuple[date, date]:
    today = container.clock().today()
    return today - timedelta(days=days), today


def part_product(args: argparse.Namespace) -> dict:
    from sanece.application.access import Actor
    from sanece.application.use_cases.documents import ExtractionCommand

    for module in ("xlsxwriter", "sanece.adapters.xlsx.extraction"):
        importlib.import_module(module)  # before the mark, as part_bare's imports
    container = container_for(args.db, Path(args.files))
    start_day, end_day = _window(container, args.days)
    use_case = container.sanece.extract()
    with container.engine().connect():
        pass  # the pool's first connection, as part_bare's
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "product.xlsx"
        work_starts()
        start = time.perf_counter()
        with path.open("wb") as fh:
            result = use_case(Actor.director("director.bench", args.unit),
                              ExtractionCommand(start_day, end_day), fh)
        return {"seconds": time.perf_counter() - start, "rows": result.rows,
                "bytes": path.stat().st_size}


def part_bare(args: argparse.Namespace) -> dict:
    """The same SELECTs streamed by SQLAlchemy Core into a bare XlsxWriter loop (the folios,
    then the SOLICITUDES sheet that the product's file also has)."""
    import sqlalchemy as sa
    import xlsxwriter

    from sanece.adapters.sql import tables as t
    from sanece.adapters.sql.read_model import SqlSaneceReadModel
    from sanece.adapters.xlsx.extraction import (
        FOLIO_COLUMNS,
        FOLIO_SHEET,
        REQUEST_COLUMNS,
        REQUEST_SHEET,
    )
    from sanece.domain.extraction import ExtractionCriteria, ExtractionWindow

    container = container_for(args.db, Path(args.files))
    start_day, end_day = _window(container, args.days)
    criteria = ExtractionCriteria(unit_id=args.unit, window=ExtractionWindow(start_day, end_day))
    select = SqlSaneceReadModel(container.sessions())._extraction_select(criteria)
    select = select.order_by(t.folios.c.evaluation_date, t.folios.c.number)
    rq = t.requests
    with container.engine().connect():
        pass
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bare.xlsx"
        work_starts()
        start = time.perf_counter()
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet(FOLIO_SHEET)
        day = wb.add_format({"num_format": "dd/mm/yyyy"})
        for c, col in enumerate(FOLIO_COLUMNS):
            ws.write_string(0, c, col.title)
        count = 0
        with container.engine().connect() as conn:
            for r, row in enumerate(conn.execution_options(yield_per=2000).execute(select), 1):
                ws.write_string(r, 0, row.number)
                ws.write_datetime(r, 1, row.evaluation_date, day)
                ws.write_string(r, 2, row.generic)
                ws.write_string(r, 3, row.status)
                ws.write_string(r, 4, row.nss)
                ws.write_string(r, 5, row.aggregate)
                ws.write_string(r, 6, f"{row.paternal_surname} {row.maternal_surname} "
                                      f"{row.given_names}")
                ws.write_string(r, 7, row.diagnosis)
                if row.key1:
                    ws.write_string(r, 8, row.key1)
                    ws.write_number(r, 9, row.quantity1)
                if row.key2:
                    ws.write_string(r, 10, row.key2)
                    ws.write_number(r, 11, row.quantity2)
                if row.period_months:
                    ws.write_number(r, 12, row.period_months)
                if row.expiry_date:
                    ws.write_datetime(r, 13, row.expiry_date, day)
                ws.write_string(r, 14, "Sí" if row.expiry_date and row.expiry_date >= end_day
                                else "No")
                count = r
            # The file's second sheet, as the product writes it: the unit's change requests
            # filed in the window (the same columns, one SELECT).
            requests = conn.execute(sa.select(
                rq.c.id, rq.c.filed_at, rq.c.type, rq.c.payload, rq.c.folio_number, rq.c.status,
                rq.c.authorized, rq.c.reason_code, rq.c.reason, rq.c.decided_at).where(
                rq.c.unit_id == args.unit,
                rq.c.filed_at >= datetime.combine(start_day, dtime.min, timezone.utc),
                rq.c.filed_at < datetime.combine(end_day + timedelta(days=1), dtime.min,
                                                 timezone.utc)
            ).order_by(rq.c.filed_at, rq.c.id)).all()
            if requests:
                ws = wb.add_worksheet(REQUEST_SHEET)
                for c, col in enumerate(REQUEST_COLUMNS):
                    ws.write_string(0, c, col.title)
                for r, row in enumerate(requests, 1):
                    ws.write_number(r, 0, row.id)
                    ws.write_datetime(r, 1, row.filed_at.date(), day)
                    ws.write_string(r, 2, row.type)
                    if row.folio_number:
                        ws.write_string(r, 3, row.folio_number)
                    ws.write_string(r, 4, row.status)
                    if row.reason_code:
                        ws.write_string(r, 5, row.reason_code)
                    if row.reason:
                        ws.write_string(r, 6, row.reason)
                    if row.decided_at:
                        ws.write_datetime(r, 7, row.decided_at.date(), day)
        wb.close()
        return {"seconds": time.perf_counter() - start, "rows": count,
                "bytes": path.stat().st_size}


def synthetic_rows(n: int) -> Iterator[Any]:
    from sanece.application.documents import FolioExtractRow

    base = date(2025, 1, 1)
    for i in range(n):
        day = base + timedelta(days=i % 365)
        yield FolioExtractRow(
            folio=f"{day:%Y%m%d}{i % 1000:03d}", evaluation_date=day,
            generic="CERTOLIZUMAB PEGOL", status="Validada", nss=f"{1000000000 + i}",
            aggregate="1F1980OR", patient=f"HERNÁNDEZ GARCÍA MARÍA GUADALUPE {i}",
            diagnosis="ARTRITIS REUMATOIDE ACTIVA MODERADA A GRAVE CON FALLA A FARME",
            key1="5795", quantity1=12, key2="", quantity2=None, period_months=12,
            expiry_date=day + timedelta(days=365), in_force="Sí")


def part_writer(args: argparse.Namespace) -> dict:
    from sanece.adapters.xlsx.extraction import XlsxExtractionWriter

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "writer.xlsx"
        work_starts()
        start = time.perf_counter()
        with path.open("wb") as fh:
            rows = XlsxExtractionWriter().write_by_folio(synthetic_rows(args.rows), fh)
        return {"seconds": time.perf_counter() - start, "rows": rows,
                "bytes": path.stat().st_size}


def part_writer_bare(args: argparse.Namespace) -> dict:
    import xlsxwriter

    from sanece.adapters.xlsx.extraction import FOLIO_COLUMNS, FOLIO_SHEET

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bare.xlsx"
        work_starts()
        start = time.perf_counter()
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet(FOLIO_SHEET)
        day = wb.add_format({"num_format": "dd/mm/yyyy"})
        for c, col in enumerate(FOLIO_COLUMNS):
            ws.write_string(0, c, col.title)
        count = 0
        for r, row in enumerate(synthetic_rows(args.rows), 1):
            for c, v in ((0, row.folio), (2, row.generic), (3, row.status), (4, row.nss),
                         (5, row.aggregate), (6, row.patient), (7, row.diagnosis),
                         (8, row.key1), (14, row.in_force)):
                ws.write_string(r, c, v)
            ws.write_datetime(r, 1, row.evaluation_date, day)
            ws.write_number(r, 9, row.quantity1)
            ws.write_number(r, 12, row.period_months)
            ws.write_datetime(r, 13, row.expiry_date, day)
            count = r
        wb.close()
        return {"seconds": time.perf_counter() - start, "rows": count,
                "bytes": path.stat().st_size}


PARTS = {"product": part_product, "bare": part_bare, "writer": part_writer,
         "writer-bare": part_writer_bare}


def run_part(name: str, args: argparse.Namespace, unit: int, *, days: int = 365,
             rows: int | None = None) -> dict:
    cmd = [sys.executable, __file__, "--part", name, "--db", args.db, "--files", args.files,
           "--unit", str(unit), "--rows", str(args.rows if rows is None else rows),
           "--days", str(days)]
    done = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_pair(product: str, bare: str, args: argparse.Namespace, unit: int, runs: int,
             **size: Any) -> tuple[dict, dict]:
    """``runs`` interleaved runs of each (product, bare, product, ...), each in a fresh
    process: the median time, the highest peak and growth."""
    results: dict[str, list[dict]] = {product: [], bare: []}
    for _ in range(runs):
        for name in (product, bare):
            results[name].append(run_part(name, args, unit, **size))

    def merged(rs: list[dict]) -> dict:
        return {"seconds": statistics.median(r["seconds"] for r in rs), "rows": rs[0]["rows"],
                "bytes": rs[0]["bytes"], "peak_mib": max(r["peak_mib"] for r in rs),
                "growth_mib": max(r["growth_mib"] for r in rs), "runs": len(rs)}

    return merged(results[product]), merged(results[bare])


def compare(label: str, small: tuple[dict, dict], large: tuple[dict, dict]) -> None:
    """Product beside bare at two sizes: time, ratio, peak RSS and its growth during the work;
    then how much more memory the larger size took (flat memory: about nothing)."""
    runs = small[0]["runs"]
    print(f"{label} ({'median of ' + str(runs) + ' interleaved runs' if runs > 1 else 'one run'}"
          f" each, each run in its own process):")
    print(f"   {'rows':>8}  {'':7}  {'time':>7}  {'peak RSS':>9}  {'growth':>10}  {'file':>7}")
    for product, bare in (small, large):
        ratio = product["seconds"] / bare["seconds"] if bare["seconds"] else float("nan")
        for name, r in (("product", product), ("bare", bare)):
            rows = f"{r['rows']:,}" if name == "product" else ""
            extra = f"   product / bare = {ratio:.2f} (goal <= 1.3)" if name == "bare" else ""
            print(f"   {rows:>8}  {name:<7}  {r['seconds']:5.2f} s  {r['peak_mib']:5.1f} MiB  "
                  f"{r['growth_mib']:+6.1f} MiB  {r['bytes'] / 1e6:4.1f} MB{extra}")
    times = large[0]["rows"] / small[0]["rows"] if small[0]["rows"] else float("nan")

    def more(i: int) -> str:
        return (f"{large[i]['peak_mib']:.1f} vs {small[i]['peak_mib']:.1f} MiB "
                f"({round(large[i]['peak_mib'] - small[i]['peak_mib'], 1) + 0.0:+.1f})")

    print(f"   {times:.1f}x the rows: peak RSS product {more(0)}, bare {more(1)}")

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL")
                        or f"sqlite:///{DEFAULT_DB}")
    parser.add_argument("--files", default=str(DEFAULT_DB.parent / "files"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5,
                        help="runs of each extraction of the largest unit (median time)")
    parser.add_argument("--writer-runs", type=int, default=3,
                        help="runs of each synthetic writer measurement (median time)")
    parser.add_argument("--days", type=int, default=365, help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=list(PARTS), help=argparse.SUPPRESS)
    parser.add_argument("--unit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        result = PARTS[args.part](args)
        peak = _status_mib("VmHWM")
        result["peak_mib"] = max(peak, _MARK.get("peak_before", 0.0))
        result["growth_mib"] = peak - _MARK.get("rss_start", peak)
        print(json.dumps(result))
        return 0
    if args.db.startswith("sqlite:///"):
        Path(args.db.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    container = ensure_loaded(args.db, Path(args.files))
    unit_id, name, _ = largest_unit(container)
    print("Pages through the app (in-process TestClient, logged in):")
    pages(container, unit_id, args.repeat)
    print("The queries behind the screens alone:")
    screens(container, unit_id, args.repeat)
    container.engine().dispose()
    compare(f"Extraction of {name}, its last 36 days and one year",
            run_pair("product", "bare", args, unit_id, args.runs, days=36),
            run_pair("product", "bare", args, unit_id, args.runs, days=365))
    compare("Writer alone, synthetic 15-cell rows",
            run_pair("writer", "writer-bare", args, unit_id, args.writer_runs,
                     rows=max(args.rows // 10, 1)),
            run_pair("writer", "writer-bare", args, unit_id, args.writer_runs, rows=args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
