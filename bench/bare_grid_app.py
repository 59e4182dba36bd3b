"""The bare baseline of the Paso 6 grid over HTTP (``bench/excedentes_national.py --steps
http``): Litestar + Jinja alone, on the same database, doing the work the page needs and no
more: GET reads the group's products and the unit's records (two SELECTs) and renders them as
the same table of inputs; POST parses the form and saves every row with one DELETE and one
``executemany`` INSERT in one transaction. No session, guard, scope check, validation or
version: what the framework and the libraries cost on their own. Both answers gzip like the
product's grid (same level, ``GRID_GZIP_LEVEL``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from anyio import to_thread
from litestar import Litestar, Request, get, post
from litestar.config.compression import CompressionConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from entrypoints.http.excedentes.capture import GRID_GZIP_LEVEL

HERE = Path(__file__).parent
MENU = [{"path": f"/seccion-{i}", "label": f"Sección {i}"} for i in range(8)]
KIND_FIELDS = {("faltante", "ambulatorio"): "fa", ("faltante", "hospitalario"): "fh",
               ("excedente", "ambulatorio"): "ea", ("excedente", "hospitalario"): "eh"}


def create_app(engine: Any, *, report_id: int, clues: str, group_id: int,
               specialty_id: int | None) -> Litestar:
    def read() -> tuple[Any, Any]:  # in a worker thread, as the product's sync handlers run
        with engine.connect() as conn:
            lines = conn.execute(sa.text(
                "SELECT id, name, unit_of_measure AS unit FROM exc_products WHERE group_id = :g "
                "AND (CAST(:s AS INTEGER) IS NULL OR specialty_id = :s) ORDER BY search_key, id"),
                {"g": group_id, "s": specialty_id}).mappings().all()
            records = conn.execute(sa.text(
                "SELECT product_id, kind, modality, monthly_events, monthly_patients, cause "
                "FROM exc_records WHERE report_id = :r AND clues = :c"),
                {"r": report_id, "c": clues}).all()
        return lines, records

    @get("/grid")
    async def grid() -> Template:
        lines, records = await to_thread.run_sync(read)
        rows: dict[int, dict[str, Any]] = {}
        for r in records:
            row = rows.setdefault(r.product_id, {})
            row[KIND_FIELDS.get((r.kind, r.modality), "fa")] = r.monthly_events
            row["pm"], row["c"] = r.monthly_patients, r.cause
        return Template("grid.html", context={
            "title": "Paso 6", "menu": MENU, "csrf": "x" * 43, "version": 1, "lines": lines,
            "rows": rows, "product_ids": " ".join(str(x["id"]) for x in lines)})

    @post("/grid")
    async def save(request: Request[Any, Any, Any]) -> Redirect:
        form = await request.form()
        ids = [int(x) for x in form.get("p", "").split()]
        values = [{"r": report_id, "c": clues, "p": pid, "e": int(form.get(f"fa{pid}") or 0),
                   "n": int(form.get(f"pm{pid}") or 0), "cause": form.get(f"c{pid}") or None}
                  for pid in ids if form.get(f"fa{pid}")]

        def write() -> None:  # in a worker thread, as the product's sync handlers run
            with engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM exc_records WHERE report_id = :r "
                                     "AND clues = :c AND product_id = :p"),
                             [{"r": report_id, "c": clues, "p": p} for p in ids])
                if values:
                    conn.execute(sa.text(
                        "INSERT INTO exc_records (report_id, clues, product_id, kind, modality, "
                        "monthly_events, monthly_patients, cause) VALUES (:r, :c, :p, "
                        "'faltante', 'ambulatorio', :e, :n, :cause)"), values)

        await to_thread.run_sync(write)
        return Redirect("/grid", status_code=303)

    return Litestar(route_handlers=[grid, save], debug=False, logging_config=None,
                    request_max_body_size=16 * 1024 * 1024,
                    compression_config=CompressionConfig(backend="gzip", minimum_size=16 * 1024,
                                                         gzip_compress_level=GRID_GZIP_LEVEL),
                    template_config=TemplateConfig(directory=HERE / "bare_templates",
                                                   engine=JinjaTemplateEngine))
