"""HTTP pages and API of the excedentes context.

Pages (server-rendered, Spanish, the guides' labels) under ``/excedentes``: the tablero
(Paso 1), an entity's Pasos 2–9, the coordinador's apertura, periods, product requests and
catalogs, the administrator's Instituciones, and the Guía de Ayuda. The same operations as JSON under ``/api/excedentes``.

Handlers take their queries and use cases as typed parameters (``save_grid: SaveGrid``): the
module's router maps each name of ``common.DEPENDENCIES`` to the container's provider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.kernel.scope import Role

HERE = Path(__file__).parent
TABLERO = "/excedentes/tablero"


def modules(container: Any) -> list[Any]:
    from entrypoints.http.excedentes.api import EntityApi, InstitutionApi, ProductRequestApi
    from entrypoints.http.dependencies import bound, dependency_map
    from entrypoints.http.excedentes.capture import CapturePages
    from entrypoints.http.excedentes.common import DEPENDENCIES, ROOT_DEPENDENCIES
    from entrypoints.http.excedentes.coordination import (
        CatalogPages,
        PeriodPages,
        ReopenPages,
        RequestPages,
    )
    from entrypoints.http.excedentes.dashboard import DashboardPages
    from entrypoints.http.excedentes.institutions import InstitutionPages
    from entrypoints.http.excedentes.quality import QualityApi, QualityPages
    from entrypoints.http.excedentes.reports import ReportPages
    from entrypoints.http.excedentes.review import (
        CompletenessApi,
        ReturnReasonPages,
        ReviewPages,
    )
    from entrypoints.http.rendering import HttpModule, MenuItem

    everyone = frozenset({Role.CAPTURISTA, Role.COORDINADOR, Role.ADMIN})
    managers = frozenset({Role.COORDINADOR, Role.ADMIN})
    return [HttpModule(
        name="excedentes",
        route_handlers=[bound(
            [DashboardPages, CapturePages, ReportPages, ReopenPages, PeriodPages, RequestPages,
             CatalogPages, InstitutionPages, QualityPages, EntityApi, InstitutionApi,
             ProductRequestApi, QualityApi, ReviewPages, ReturnReasonPages, CompletenessApi],
            {**dependency_map(container.excedentes, DEPENDENCIES),
             **dependency_map(container, ROOT_DEPENDENCIES)})],
        template_dir=HERE / "templates",
        menu=[
            MenuItem("Excedentes y Faltantes", TABLERO, everyone),
            MenuItem("Periodos", "/excedentes/periodos", managers),
            MenuItem("Solicitudes de producto", "/excedentes/solicitudes", everyone),
            MenuItem("Catálogos", "/excedentes/catalogos", managers),
            MenuItem("Completitud", "/excedentes/completitud", managers),
            MenuItem("Motivos de devolución", "/excedentes/motivos", frozenset({Role.ADMIN})),
            MenuItem("Instituciones", "/excedentes/instituciones", frozenset({Role.ADMIN})),
            MenuItem("Guía de Ayuda", "/excedentes/ayuda", everyone),
        ],
        home_by_role={Role.CAPTURISTA: TABLERO, Role.COORDINADOR: TABLERO},
    )]
