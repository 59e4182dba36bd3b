"""HTTP pages and API of the exchange opportunities (E15), the exchange context.

Pages under ``/intercambios`` (``pages.py``), the JSON API under
``/api/excedentes/intercambios`` (``api.py``), SVG charts drawn on the server (``charts.py``),
templates in ``templates/exchange/`` and the stylesheet ``/static/exchange.css``. Open to
capturistas, coordinadores and admins; what each sees is the application's scope rule.
Handlers take their queries and use cases as typed parameters (``queries: ExchangeQueries``):
the module's router maps each name of ``common.DEPENDENCIES`` to the container's provider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.kernel.scope import Role

HERE = Path(__file__).parent
MENU_LABEL = "Oportunidades de intercambio"
AGREEMENTS_LABEL = "Acuerdos de intercambio"


def modules(container: Any) -> list[Any]:
    from entrypoints.http.exchange.agreements import (
        AGREEMENTS,
        AgreementApi,
        AgreementPages,
        LoopApi,
        LoopPages,
    )
    from entrypoints.http.exchange.api import ExchangeApi
    from entrypoints.http.dependencies import bound, dependency_map
    from entrypoints.http.exchange.common import BASE, DEPENDENCIES
    from entrypoints.http.exchange.pages import ExchangePages
    from entrypoints.http.rendering import HttpModule, MenuItem

    roles = frozenset({Role.CAPTURISTA, Role.COORDINADOR, Role.ADMIN})
    return [HttpModule(name="exchange", route_handlers=[bound(
        [ExchangePages, ExchangeApi, AgreementPages, LoopPages, AgreementApi, LoopApi],
        dependency_map(container.exchange, DEPENDENCIES))],
                       template_dir=HERE / "templates",
                       menu=[MenuItem(MENU_LABEL, BASE, roles),
                             MenuItem(AGREEMENTS_LABEL, AGREEMENTS, roles)])]
