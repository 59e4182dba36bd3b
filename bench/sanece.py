"""SAnECE at national scale: the director's Inicio, the reviewer queue and a one-year
extraction of the largest unit beside a bare XlsxWriter baseline of the same rows.

1. Loads the sanece demo at national scale (~100,000 folios over three years, 3,000 change
   requests) into a scratch SQLite database (or ``--db URL``, e.g. PostgreSQL), once.
2. Times the queries behind the screens (median of ``--repeat`` runs): Inicio of the largest
   unit (the 30 newest and a search through every folio of the unit), Pacientes, the review
   queue (first page, one type, one OOAD, older than 7 days) and the evaluator's queue.
3. Extracts one year of the largest unit to .xlsx through ``ExtractFolios`` (SQL stream ->
   XlsxWriter constant memory) and, in another process, the same rows with a bare loop: the
   same SELECT streamed by SQLAlchemy Core into XlsxWriter's ``write_*`` calls. Goal: product
   / bare <= 1.3 with flat memory. Then the writer alone against bare XlsxWriter on
   ``--rows`` synthetic rows (100,000 x 15 cells).

Each extraction runs in its own process so that its peak RSS (VmHWM) is its own.
Usage: ``python bench/sanece.py [--db URL] [--repeat 20] [--rows 100000]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

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


def timed(label: str, fn: Callable[[], Any], repeat: int) -> None:
    fn()  # warm up (statement caches, planner statistics)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - start) * 1000)
    total = getattr(result, "total", "")
    print(f"{label:<58} median {statistics.median(runs):7.1f} ms   max {max(runs):7.1f} ms"
          f"   ({total} registros)")


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


def _window(container: Any) -> tuple[date, date]:
    today = container.clock().today()
    return today - timedelta(days=365), today


def part_product(args: argparse.Namespace) -> dict:
    from sanece.application.access import Actor
    from sanece.application.use_cases.documents import ExtractionCommand

    container = container_for(args.db, Path(args.files))
    start_day, end_day = _window(container)
    use_case = container.sanece.extract()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "product.xlsx"
        start = time.perf_counter()
        with path.open("wb") as fh:
            result = use_case(Actor.director("director.bench", args.unit),
                              ExtractionCommand(start_day, end_day), fh)
        return {"seconds": time.perf_counter() - start, "rows": result.rows,
                "bytes": path.stat().st_size}


def part_bare(args: argparse.Namespace) -> dict:
    """The same SELECT streamed by SQLAlchemy Core into a bare XlsxWriter loop."""
    import xlsxwriter

    from sanece.adapters.sql.read_model import SqlSaneceReadModel
    from sanece.adapters.xlsx.extraction import FOLIO_COLUMNS
    from sanece.domain.extraction import ExtractionCriteria, ExtractionWindow

    container = container_for(args.db, Path(args.files))
    start_day, end_day = _window(container)
    criteria = ExtractionCriteria(unit_id=args.unit, window=ExtractionWindow(start_day, end_day))
    select = SqlSaneceReadModel(container.sessions())._extraction_select(criteria)
    from sanece.adapters.sql import tables as t

    select = select.order_by(t.folios.c.evaluation_date, t.folios.c.number)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bare.xlsx"
        start = time.perf_counter()
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet("Folios")
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
                if row.period_months:
                    ws.write_number(r, 12, row.period_months)
                if row.expiry_date:
                    ws.write_datetime(r, 13, row.expiry_date, day)
                ws.write_string(r, 14, "Sí" if row.expiry_date and row.expiry_date >= end_day
                                else "No")
                count = r
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

    out = io.BytesIO() if args.rows < 0 else None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "writer.xlsx"
        start = time.perf_counter()
        with path.open("wb") as fh:
            rows = XlsxExtractionWriter().write_by_folio(synthetic_rows(args.rows), out or fh)
        return {"seconds": time.perf_counter() - start, "rows": rows,
                "bytes": path.stat().st_size}


def part_writer_bare(args: argparse.Namespace) -> dict:
    import xlsxwriter

    from sanece.adapters.xlsx.extraction import FOLIO_COLUMNS

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bare.xlsx"
        start = time.perf_counter()
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet("Folios")
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


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


PARTS = {"product": part_product, "bare": part_bare, "writer": part_writer,
         "writer-bare": part_writer_bare}


def run_part(name: str, args: argparse.Namespace, unit: int) -> dict:
    cmd = [sys.executable, __file__, "--part", name, "--db", args.db, "--files", args.files,
           "--unit", str(unit), "--rows", str(args.rows)]
    done = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(label: str, product: dict, bare: dict) -> None:
    ratio = product["seconds"] / bare["seconds"] if bare["seconds"] else float("nan")
    print(f"{label}: {product['rows']:,} rows")
    print(f"   product {product['seconds']:6.2f} s  peak RSS {product['peak_mib']:6.1f} MiB  "
          f"({product['bytes'] / 1e6:.1f} MB)")
    print(f"   bare    {bare['seconds']:6.2f} s  peak RSS {bare['peak_mib']:6.1f} MiB  "
          f"({bare['bytes'] / 1e6:.1f} MB)")
    print(f"   product / bare = {ratio:.2f} (goal <= 1.3)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL")
                        or f"sqlite:///{DEFAULT_DB}")
    parser.add_argument("--files", default=str(DEFAULT_DB.parent / "files"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--part", choices=list(PARTS))
    parser.add_argument("--unit", type=int, default=0)
    args = parser.parse_args()
    if args.part:
        result = PARTS[args.part](args)
        result["peak_mib"] = peak_rss_mib()
        print(json.dumps(result))
        return 0
    if args.db.startswith("sqlite:///"):
        Path(args.db.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    container = ensure_loaded(args.db, Path(args.files))
    unit_id, name, _ = largest_unit(container)
    screens(container, unit_id, args.repeat)
    container.engine().dispose()
    compare(f"One-year extraction of {name}", run_part("product", args, unit_id),
            run_part("bare", args, unit_id))
    compare("Writer alone, synthetic rows", run_part("writer", args, unit_id),
            run_part("writer-bare", args, unit_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
