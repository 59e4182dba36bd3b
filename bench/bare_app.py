"""The bare baseline of ``bench/http.py``: Litestar + Jinja alone, a page of the product's shape
(the layout's header, menu and footer around a 30-row, 8-column table) and a JSON health
endpoint. No database, no session, no guard: what the framework serves on its own.

``uvicorn --factory bench.bare_app:create_app`` (the same server and settings as the product).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

HERE = Path(__file__).parent
MENU = [{"path": f"/seccion-{i}", "label": f"Sección {i}"} for i in range(8)]
ROWS = [{"code": f"E{i:02d}", "name": f"Entidad federativa número {i} del país",
         "total": 1200 + 37 * i, "done": 800 + 11 * i, "share": (800 + 11 * i) / (1200 + 37 * i),
         "state": "Finalizado" if i % 3 else "En captura", "signed": i % 2 == 0} for i in range(30)]
HEADERS = ["Clave", "Entidad", "Unidades", "Con registros", "Avance", "Estado", "Firmado", "Eventos"]


@get("/page", sync_to_thread=False)
def page() -> Template:
    return Template("page.html", context={
        "title": "Tablero", "menu": MENU, "path": "/seccion-1", "csrf": "x" * 43,
        "user": {"role": "Coordinación", "name": "Coordinación Estatal", "scope": "SS"},
        "info_at": "07/12/2026 00:00", "headers": HEADERS, "rows": ROWS})


@get("/health", sync_to_thread=False)
def health() -> dict[str, Any]:
    return {"status": "ok", "database": "ok"}


def create_app() -> Litestar:
    def _engine_callback(engine: Any) -> None:
        engine.engine.filters["miles"] = lambda n: "" if n is None else f"{int(n):,}"

    return Litestar(route_handlers=[page, health], debug=False, logging_config=None,
                    template_config=TemplateConfig(directory=HERE / "bare_templates",
                                                   engine=JinjaTemplateEngine,
                                                   engine_callback=_engine_callback))
