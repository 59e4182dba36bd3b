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

    python bench/excedentes_national.py [--database-url URL] [--keep DIR] [--steps grid,http]
                                        [--rounds 21]

Without ``--database-url`` a SQLite file in a temporary folder is used; with ``--keep DIR`` that
folder is kept and the demo (slow to load) is loaded into it only once. ``--steps`` runs a
subset of ``dashboard,grid,pdf,export``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

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


def bare_grid_load(engine: Any, inst: str, group_id: int, specialty_id: int | None,
                   clues: str) -> int:
    """SQLAlchemy Core alone: the group's products and the unit's records, as two SELECTs."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        products = conn.execute(sa.text(
            "SELECT id, name, unit_of_measure FROM exc_products WHERE group_id = :g "
            "AND (CAST(:s AS INTEGER) IS NULL OR specialty_id = :s) ORDER BY search_key, id"),
            {"g": group_id, "s": specialty_id}).all()
        records = conn.execute(sa.text(
            "SELECT product_id, kind, modality, monthly_events, monthly_patients, cause "
            "FROM exc_records WHERE clues = :c"), {"c": clues}).all()
    return len(products) + len(records)


def grid_report_id(engine: Any, ref: Any, year: int) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT r.id FROM exc_reports r JOIN exc_entities e ON e.id = r.entity_id "
            "JOIN exc_periods p ON p.id = r.period_id WHERE e.institution_code = :i "
            "AND upper(e.code) = upper(:e) AND p.year = :y"),
            {"i": ref.institution_code, "e": ref.entity_code, "y": year}).scalar_one())


def bare_grid_save(engine: Any, report_id: int, clues: str, product_ids: list[int]) -> None:
    """One transaction: delete the unit's rows of these products, executemany the new ones."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM exc_records WHERE report_id = :r AND clues = :c "
                             "AND product_id = :p"),
                     [{"r": report_id, "c": clues, "p": p} for p in product_ids])
        conn.execute(sa.text(
            "INSERT INTO exc_records (report_id, clues, product_id, kind, modality, "
            "monthly_events, monthly_patients, cause) VALUES (:r, :c, :p, 'faltante', "
            "'ambulatorio', :e, :n, 'Falta de Equipo')"),
            [{"r": report_id, "c": clues, "p": p, "e": 10 + i % 50, "n": 5 + i % 20}
             for i, p in enumerate(product_ids)])


FORM = {"content-type": "application/x-www-form-urlencoded"}
_INPUT = re.compile(r'<input type="hidden" name="(csrf_token|p|version)" value="([^"]*)"')


def grid_over_http(container: Any, engine: Any, ref: Any, clues: str, year: int, group_id: int,
                   specialty_id: int | None, rounds: int = 3) -> None:
    """The Cirugía grid through the whole product (session, guards, scope, validation,
    versions, template, gzip) beside ``bench/bare_grid_app.py`` (Litestar + Jinja + one
    executemany) on the same database, both in-process over ASGI, interleaved; server time.
    The bare POST receives the product's own body (its page lacks the 'as loaded' hidden
    inputs, so its own form is about half as long: that POST is printed too)."""
    import asyncio

    import httpx

    from litestar._parsers import parse_url_encoded_form_data

    from bench.bare_grid_app import create_app as bare_app
    from entrypoints.http.app import create_app, settle_heap
    from shared.kernel.errors import Conflict
    from shared.kernel.scope import Role

    password = "Bench-Grid-2026!x"
    username = "bench.grid"
    try:
        container.identity().create_user("bench", username, "Bench Grid", Role.CAPTURISTA,
                                         ref.key, password)
    except Conflict:  # there from an earlier run (--keep)
        pass
    path = (f"/excedentes/entidades/{ref.institution_code}/{ref.entity_code}/{year}/unidades/"
            f"{clues}/grupos/{group_id}/productos"
            + (f"?especialidad={specialty_id}" if specialty_id else ""))
    product = create_app(container)
    bare = bare_app(engine, report_id=grid_report_id(engine, ref, year), clues=clues,
                    group_id=group_id, specialty_id=specialty_id)
    # As `serve` starts (``app_from_env``): templates compiled, the start-up heap frozen out of
    # the cyclic collector's reach. Here that heap also holds the loaded demo's objects, for
    # both apps alike (one process): a full collection otherwise walked it in the middle of
    # every other save, whichever app's request happened to trigger it.
    settle_heap(product)

    parsed_forms_cache_clear = parse_url_encoded_form_data.cache_clear

    def changed_form(html: str, k: int) -> dict[str, Any]:
        fields = dict(_INPUT.findall(html))
        form: dict[str, Any] = {**fields}
        for i, pid in enumerate(fields["p"].split()):
            form[f"fa{pid}"] = str(10 + (i + k) % 50)
            form[f"c{pid}"] = "Falta de Equipo"
            form[f"pm{pid}"] = str(5 + (i + k) % 20)
        # what each row started from, as the page's hidden inputs carry it
        for name, value in re.findall(r'<input type="hidden" name="(o[a-z]+\d+)" value="([^"]*)"',
                                      html):
            form[name] = value
        return form

    async def run() -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"product GET": [], "bare GET": [], "product POST": [],
                                       "bare POST": [], "bare POST, own form": []}
        sizes: dict[str, int] = {}
        transport = httpx.ASGITransport(app=product)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as p, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=bare),
                                  base_url="http://bench") as b:
            page = await p.get("/login")
            token = dict(_INPUT.findall(page.text)).get("csrf_token", "")
            r = await p.post("/login", data={"username": username, "password": password,
                                             "csrf_token": token})
            assert r.status_code in (302, 303), f"login: {r.status_code}"
            for k in range(1, rounds + 1):
                t = time.perf_counter()
                got = await p.get(path, headers={"accept-encoding": "gzip"})
                out["product GET"].append(time.perf_counter() - t)
                assert got.status_code == 200, got.status_code
                t = time.perf_counter()
                bg = await b.get("/grid", headers={"accept-encoding": "gzip"})
                out["bare GET"].append(time.perf_counter() - t)
                # encoded before the clock starts: the client's urlencode is not the server's time
                form = urlencode(changed_form(got.text, k)).encode()
                t = time.perf_counter()
                saved = await p.post(path, content=form, headers=FORM)
                out["product POST"].append(time.perf_counter() - t)
                assert saved.status_code == 303, (saved.status_code, saved.text[:300])
                # the bare handler parses the very body the product received (its page has no
                # 'as loaded' inputs, so its own form is about half as long: timed too).
                # Litestar keeps parsed bodies by their bytes (an lru_cache): forgotten first,
                # or the product's parse of these same bytes would be the bare one's
                parsed_forms_cache_clear()
                t = time.perf_counter()
                bs = await b.post("/grid", content=form, headers=FORM)
                out["bare POST"].append(time.perf_counter() - t)
                assert bs.status_code == 303, bs.status_code
                bform = urlencode(changed_form(bg.text, k)).encode()
                parsed_forms_cache_clear()
                t = time.perf_counter()
                bs = await b.post("/grid", content=bform, headers=FORM)
                out["bare POST, own form"].append(time.perf_counter() - t)
                assert bs.status_code == 303, bs.status_code
                sizes = {"product": len(form), "bare": len(bform)}
        print(f"  grid forms: product {sizes['product'] / 1024:,.0f} KiB, bare page's own "
              f"{sizes['bare'] / 1024:,.0f} KiB", flush=True)
        return out

    runs = asyncio.run(run())
    if os.environ.get("BENCH_DEBUG"):
        print({k: [round(x * 1000) for x in v] for k, v in runs.items()})
    times = {k: statistics.median(v) for k, v in runs.items()}
    for kind in ("GET", "POST"):
        prod, base = times[f"product {kind}"], times[f"bare {kind}"]
        # the ratio of each round's pair (measured back to back), then their median: a slow
        # stretch of the shared machine weighs on both sides of a pair alike
        paired = statistics.median(p / b for p, b in zip(runs[f"product {kind}"],
                                                         runs[f"bare {kind}"]))
        line(f"grid over HTTP, {kind} (median of {rounds})", prod,
             f"bare Litestar handler {base:.3f} s, ratio {paired:.2f}x (goal <= 1.30x; "
             f"ratio of the medians {prod / base:.2f}x)")
    own = times["bare POST, own form"]
    print(f"  (bare POST of its own, shorter form: {own:.3f} s, product/that "
          f"{times['product POST'] / own:.2f}x)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--keep", default=None,
                        help="a folder kept between runs (SQLite): the demo is loaded once")
    parser.add_argument("--steps", default="dashboard,grid,http,pdf,export",
                        help="comma-separated subset of dashboard,grid,http,pdf,export")
    parser.add_argument("--rounds", type=int, default=21,
                        help="interleaved rounds of the grid over HTTP (the median is printed)")
    args = parser.parse_args()
    steps = {s for s in args.steps.split(",") if s}

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

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-exc-"))
    tmp.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings.from_env({"VAR_DIR": str(tmp / "var"), "DATABASE_URL": url,
                                  "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    container = build_container(settings)
    exc = container.excedentes
    upgrade(url)
    print(f"excedentes at national scale on {container.engine().dialect.name}", flush=True)

    engine = container.engine()
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT count(*) FROM exc_records")).scalar_one() > 0
    seconds = 0.0
    if not loaded:
        seconds, _ = timed(lambda: exc.demo_loader().load("national", lambda *a: None))
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("exc_units", "exc_products", "exc_records")}
    line("load the national demo", seconds,
         f"{counts['exc_units']:,} units, {counts['exc_products']:,} products, "
         f"{counts['exc_records']:,} records")

    # fresh planner statistics (and, on PostgreSQL, the visibility map index-only scans need),
    # as autovacuum would have after a bulk load: without them the dashboard reads the heap
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print("  statistics refreshed (VACUUM ANALYZE / ANALYZE)", flush=True)

    year = container.clock().today().year
    admin = Actor.admin("bench")
    queries = exc.queries()
    with engine.connect() as conn:
        inst = conn.execute(sa.text(
            "SELECT e.institution_code FROM exc_units u JOIN exc_entities e ON e.id = u.entity_id "
            "GROUP BY e.institution_code ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        # The largest Cirugía grid: the whole group where the institution has no especialidad
        # troncal level (IMSS: 2,857 products), else its largest specialty (grids are per
        # specialty there; without one SaveGrid answers SpecialtyRequired).
        grid_inst, group_id, specialty_id, n_products = conn.execute(sa.text(
            "SELECT s.institution_code, g.id, "
            "CASE WHEN i.has_specialty_level THEN p.specialty_id END AS sid, count(p.id) AS n "
            "FROM exc_service_groups g JOIN exc_services s ON s.id = g.service_id "
            "JOIN exc_institutions i ON i.code = s.institution_code "
            "JOIN exc_products p ON p.group_id = g.id WHERE g.name = 'Cirugía' "
            "GROUP BY s.institution_code, g.id, sid ORDER BY n DESC LIMIT 1")).one()
        # an entity still capturing (answered SI, not finalized) and one of its units
        capturing = conn.execute(sa.text(
            "SELECT e.code, min(u.clues) FROM exc_reports r JOIN exc_entities e ON e.id = r.entity_id "
            "JOIN exc_periods p ON p.id = r.period_id JOIN exc_units u ON u.entity_id = e.id "
            "WHERE e.institution_code = :i AND p.year = :y AND r.answer = 'SI' "
            "AND r.finalized_at IS NULL GROUP BY e.code ORDER BY e.code LIMIT 1"),
            {"i": grid_inst, "y": year}).one()
        largest = conn.execute(sa.text(
            "SELECT e.institution_code, e.code, count(*) AS n FROM exc_records x "
            "JOIN exc_reports r ON r.id = x.report_id JOIN exc_entities e ON e.id = r.entity_id "
            "GROUP BY e.institution_code, e.code ORDER BY n DESC LIMIT 1")).one()

    if "dashboard" in steps:
        seconds, dash = timed(lambda: queries.dashboard(admin.scope, inst, year), repeat=5)
        line(f"dashboard of {inst} (median of 5)", seconds, f"{len(dash.entries)} entities")

    if "grid" in steps:
        ref = EntityRef(grid_inst, capturing[0])
        clues = capturing[1]
        capturista = Actor("bench.capturista", Scope(Role.CAPTURISTA, ref.key))
        load_s, grid = timed(lambda: queries.grid(capturista.scope, ref, year, clues, group_id,
                                                  specialty_id), repeat=3)
        seconds = load_s
        line(f"load the Cirugía grid of {ref.key} (median of 3)", seconds,
             f"{len(grid.lines):,} rows (catalog: {n_products:,})")
        bare_load = timed(lambda: bare_grid_load(engine, grid_inst, group_id, specialty_id, clues),
                          repeat=3)[0]
        line("  bare SELECT of the same products and records", bare_load)
        rounds = iter(range(1, 100))

        def every_row_changed() -> list[GridRow]:
            # a different value in every row on each repetition, so each save changes them all
            k = next(rounds)
            return [GridRow(product_id=ln.product_id, shortage_outpatient=str(10 + (i + k) % 50),
                            cause="Falta de Equipo", monthly_patients=str(5 + (i + k) % 20))
                    for i, ln in enumerate(grid.lines)]

        rows = every_row_changed()
        save = exc.save_grid()
        # a comment on every row: a value the outlier rules warn about is kept, as a user's
        # would be (the timing includes judging every row against its peers)
        comments = {ln.product_id: "medición" for ln in grid.lines}
        seconds, result = timed(lambda: save(capturista, SaveGridCommand(
            ref, year, clues, group_id, specialty_id, every_row_changed(),
            comments=comments)), repeat=3)
        line("save the Cirugía grid, every row changed (median of 3)", seconds,
             f"saved={result.saved}")
        report_id = grid_report_id(engine, ref, year)
        bare_save = timed(lambda: bare_grid_save(engine, report_id, clues,
                                                 [r.product_id for r in rows]), repeat=3)[0]
        line("  bare DELETE + executemany INSERT of the same rows", bare_save)
        print(f"  grid of {len(grid.lines):,} rows: load {load_s:.3f} s ({load_s / bare_load:.1f}x "
              f"bare), save {seconds:.3f} s ({seconds / bare_save:.1f}x bare); goals: "
              f"load <= 0.150 s, save <= 0.300 s", flush=True)
        bad = list(rows)
        bad[1] = GridRow(product_id=bad[1].product_id, surplus_inpatient="0")
        seconds, result = timed(lambda: save(capturista, SaveGridCommand(
            ref, year, clues, group_id, specialty_id, bad)))
        line("refuse the grid with one invalid row", seconds, f"saved={result.saved}")

    if "http" in steps:
        grid_over_http(container, engine, EntityRef(grid_inst, capturing[0]), capturing[1],
                       year, group_id, specialty_id, rounds=args.rounds)

    if "pdf" in steps:
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

    if "export" in steps:
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
