"""The excedentes product at national scale, through its real use cases and SQL.

Loads the national demo (~20,000 units, ~10,000 products per institution with Cirugía at
2,857, ~60,000 records) into a scratch database, then prints, each beside the raw library
baseline measured in the same run where there is one:

1. the dashboard (Paso 1) query of the largest institution;
2. loading and saving the Cirugía grid (2,857 rows) of one unit;
3. the final PDF of the entity with the most records (``PrintReport``) beside a bare fpdf2
   ``cell()`` loop over the same document;
4. the national Excel export (``ExportRecords``) beside a bare XlsxWriter constant-memory loop
   over the same rows;

and the process's peak memory after each step. Usage::

    python bench/excedentes_national.py [--database-url URL]

Without ``--database-url`` a SQLite file in a temporary folder is used.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.excedentes_documents import bare_pdf, bare_xlsx, peak_rss_mib  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def line(label: str, seconds: float, extra: str = "") -> None:
    print(f"  {label:<44} {seconds:8.3f} s  {extra}  (peak RSS so far {peak_rss_mib():,.0f} MiB)",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    import sqlalchemy as sa

    from entrypoints.container import build_container
    from entrypoints.persistence import upgrade
    from excedentes.application.access import Actor, EntityRef
    from excedentes.application.use_cases.capture import FinalizeCommand, SaveGridCommand
    from excedentes.application.use_cases.exports import ExportRecordsCommand
    from excedentes.application.use_cases.reports import PrintReportCommand
    from excedentes.domain.grid import GridRow
    from shared.config import Settings
    from shared.kernel.scope import Role, Scope

    tmp = Path(tempfile.mkdtemp(prefix="bench-exc-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings.from_env({"VAR_DIR": str(tmp / "var"), "DATABASE_URL": url,
                                  "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    container = build_container(settings)
    exc = container.excedentes
    upgrade(url)
    print(f"excedentes at national scale on {container.engine().dialect.name}", flush=True)

    seconds, _ = timed(lambda: exc.demo_loader().load("national", lambda *a: None))
    engine = container.engine()
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("exc_units", "exc_products", "exc_records")}
    line("load the national demo", seconds,
         f"{counts['exc_units']:,} units, {counts['exc_products']:,} products, "
         f"{counts['exc_records']:,} records")

    year = container.clock().today().year
    admin = Actor.admin("bench")
    queries = exc.queries()
    with engine.connect() as conn:
        inst = conn.execute(sa.text(
            "SELECT e.institution_code FROM exc_units u JOIN exc_entities e ON e.id = u.entity_id "
            "GROUP BY e.institution_code ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        cirugia = conn.execute(sa.text(
            "SELECT g.id, count(p.id) FROM exc_service_groups g "
            "JOIN exc_services s ON s.id = g.service_id JOIN exc_products p ON p.group_id = g.id "
            "WHERE s.institution_code = :i AND g.name = 'Cirugía' GROUP BY g.id"), {"i": inst}).one()
        # an entity still capturing (answered SI, not finalized) and one of its units
        capturing = conn.execute(sa.text(
            "SELECT e.code, min(u.clues) FROM exc_reports r JOIN exc_entities e ON e.id = r.entity_id "
            "JOIN exc_periods p ON p.id = r.period_id JOIN exc_units u ON u.entity_id = e.id "
            "WHERE e.institution_code = :i AND p.year = :y AND r.answer = 'SI' "
            "AND r.finalized_at IS NULL GROUP BY e.code ORDER BY e.code LIMIT 1"),
            {"i": inst, "y": year}).one()
        largest = conn.execute(sa.text(
            "SELECT e.institution_code, e.code, count(*) AS n FROM exc_records x "
            "JOIN exc_reports r ON r.id = x.report_id JOIN exc_entities e ON e.id = r.entity_id "
            "GROUP BY e.institution_code, e.code ORDER BY n DESC LIMIT 1")).one()

    seconds, dash = timed(lambda: queries.dashboard(admin.scope, inst, year), repeat=5)
    line(f"dashboard of {inst} (median of 5)", seconds, f"{len(dash.entries)} entities")

    ref = EntityRef(inst, capturing[0])
    clues = capturing[1]
    group_id, n_products = cirugia
    capturista = Actor("bench.capturista", Scope(Role.CAPTURISTA, ref.key))
    seconds, grid = timed(lambda: queries.grid(capturista.scope, ref, year, clues, group_id),
                          repeat=3)
    line(f"load the Cirugía grid (median of 3)", seconds, f"{len(grid.lines):,} rows "
         f"(catalog: {n_products:,})")
    rows = [GridRow(product_id=ln.product_id) for ln in grid.lines]
    for i in range(0, len(rows), 25):  # one product in 25 gets a shortage
        rows[i] = GridRow(product_id=rows[i].product_id, shortage_outpatient=str(10 + i),
                          cause="Falta de Equipo", monthly_patients=str(5 + i))
    save = exc.save_grid()
    cmd = SaveGridCommand(ref, year, clues, group_id, None, rows)
    seconds, result = timed(lambda: save(capturista, cmd))
    line("save the Cirugía grid (all rows sent)", seconds, f"saved={result.saved}")
    bad = list(rows)
    bad[1] = GridRow(product_id=bad[1].product_id, surplus_inpatient="0")
    seconds, result = timed(lambda: save(capturista, SaveGridCommand(ref, year, clues, group_id,
                                                                     None, bad)))
    line("refuse the grid with one invalid row", seconds, f"saved={result.saved}")

    big = EntityRef(largest[0], largest[1])
    big_actor = Actor("bench.final", Scope(Role.CAPTURISTA, big.key))
    overview = queries.overview(big_actor.scope, big, year)
    if overview.finalized_at is None:
        exc.finalize()(big_actor, FinalizeCommand(big, year, password_confirmed=True))
    printer = exc.print_report()
    pdf_cmd = PrintReportCommand(big, year, final=True)
    out = io.BytesIO()
    seconds, printed = timed(lambda: printer(big_actor, pdf_cmd, out))
    line(f"final PDF of {big.key} ({largest[2]:,} records)", seconds,
         f"{printed.pages:,} pages, {out.tell() / 2**20:.1f} MiB")
    document, _ = printer.document(big_actor, pdf_cmd)
    bare = bare_pdf(document)
    line("  bare fpdf2 cell() loop, same rows", bare["seconds"], f"{bare['pages']:,} pages")
    print(f"  ratio product/bare: {seconds / bare['seconds']:.2f}x (goal <= 1.30x)")

    path = tmp / "national.xlsx"
    export = exc.export_records()
    seconds, result = timed(lambda: export(admin, ExportRecordsCommand(year, path)))
    line("national Excel export", seconds,
         f"{result.rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB")
    bare = bare_xlsx(exc.read_model().export_rows(year, None, None), tmp / "bare.xlsx")
    line("  bare XlsxWriter constant-memory loop", bare["seconds"], f"{bare['rows']:,} rows")
    print(f"  ratio product/bare: {seconds / bare['seconds']:.2f}x (goal <= 1.30x)")
    engine.dispose()


if __name__ == "__main__":
    main()
