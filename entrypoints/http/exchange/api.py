"""The JSON API of the exchange opportunities (E15), under ``/api/excedentes/intercambios``:
the same data as the pages, as the application's attrs views (documented in
/schema/openapi.json). Bodies are structured with the platform's cattrs converter;
errors are problem details (a foreign or missing analysis id: the same 404)."""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from entrypoints.http.bodies import json_body
from entrypoints.http.dependencies import Injected
from entrypoints.http.exchange.common import (
    API,
    actor_of,
    download_summary,
    download_workbook,
    exchange_guard,
    manager_guard,
)
from entrypoints.http.exchange.forms import view_filter
from exchange.application.model import ExchangeLine, PotentialLevel, Side
from exchange.application.views import (
    AnalysisSummary,
    AnalysisView,
    ExchangeOverview,
    PotentialRow,
    RunFormOptions,
    RunResult,
)
from exchange.application.use_cases import (
    ExchangeQueries,
    ExportExchange,
    PrintExchangeSummary,
    RunExchangeAnalysis,
    RunExchangeCommand,
)
from exchange.domain.matching import AllocationMethod
from shared.kernel.pagination import PageRequest

# --------------------------------------------------------------------------- bodies


@attrs.frozen
class CriteriaBody:
    """Which pairs count as an exchange; a field left out takes its default (tiers 1-3,
    cross-institution allowed, every institution, at least 1 patient)."""

    tiers: list[int] | None = None  # 1 misma entidad, 2 mismo estado, 3 estado vecino
    cross_institution: bool | None = None
    institutions: list[str] | None = None  # codes (IMSS, SS, ...); none: all
    min_patients: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


@attrs.frozen
class RunBody:
    """Run and save an analysis of a period."""

    year: int
    criteria: CriteriaBody | None = None
    state: str | None = None  # faltantes of one state only (code "02" or a name)
    service_group: str | None = None  # one service group only (its name)


# --------------------------------------------------------------------------- responses


@attrs.frozen
class AnalysisPageOut:
    items: list[AnalysisSummary]
    total: int
    page: int
    size: int
    summary: str


@attrs.frozen
class ExchangePageOut:
    items: list[ExchangeLine]
    total: int
    page: int
    size: int
    summary: str


Institution = Annotated[str | None, QueryParameter(description="Código de la institución")]
# "state" is a reserved name of Litestar handlers: the Python name differs, the query's not.
State = Annotated[str | None, QueryParameter(name="state",
                                             description="Estado: clave INEGI o nombre")]
Group = Annotated[str | None, QueryParameter(description="Grupo de servicio (nombre)")]


class ExchangeApi(Controller):
    path = API
    guards = [exchange_guard]
    tags = ["Oportunidades de intercambio"]

    @get("/", sync_to_thread=True, summary="Análisis de intercambio guardados")
    def list_analyses(self, request: Request[Any, Any, Any],
                      queries: Injected[ExchangeQueries],
                      page: Annotated[int, QueryParameter(ge=1)] = 1,
                      size: Annotated[int, QueryParameter(ge=1, le=100)] = 20
                      ) -> AnalysisPageOut:
        result = queries.analyses(actor_of(request), PageRequest(page, size))
        return AnalysisPageOut(list(result.items), result.total, result.request.page,
                               result.request.size, result.summary)

    @get("/options", sync_to_thread=True, summary="Opciones para ejecutar un análisis")
    def options(self, request: Request[Any, Any, Any],
                queries: Injected[ExchangeQueries]) -> RunFormOptions:
        return queries.form_options(actor_of(request))

    @post("/", sync_to_thread=True, status_code=201, guards=[manager_guard],
          summary="Ejecutar y guardar un análisis de intercambio", **json_body(RunBody))
    def run(self, request: Request[Any, Any, Any],
            run_analysis: Injected[RunExchangeAnalysis],
            data: JSONBody[RunBody]) -> RunResult:
        criteria = data.criteria.as_dict() if data.criteria is not None else None
        return run_analysis(actor_of(request), RunExchangeCommand(
            data.year, criteria, data.state, data.service_group))

    @get("/{analysis_id:int}", sync_to_thread=True, summary="Un análisis guardado")
    def analysis(self, request: Request[Any, Any, Any], queries: Injected[ExchangeQueries],
                 analysis_id: FromPath[int]) -> AnalysisView:
        return queries.analysis(actor_of(request), analysis_id)

    @get("/{analysis_id:int}/overview", sync_to_thread=True,
         summary="Vista nacional: voraz vs. óptima, estados, instituciones, productos")
    def overview(self, request: Request[Any, Any, Any], queries: Injected[ExchangeQueries],
                 analysis_id: FromPath[int],
                 institution: Institution = None, state_code: State = None,
                 service_group: Group = None) -> ExchangeOverview:
        return queries.overview(actor_of(request), analysis_id,
                                view_filter(institution, state_code, service_group))

    @get("/{analysis_id:int}/potentials", sync_to_thread=True,
         summary="Potencial de intercambio por nivel (total, institución, entidad, estado)")
    def potentials(self, request: Request[Any, Any, Any], queries: Injected[ExchangeQueries],
                   analysis_id: FromPath[int],
                   level: Annotated[PotentialLevel, QueryParameter()] = PotentialLevel.ENTITY,
                   institution: Institution = None, state_code: State = None,
                   service_group: Group = None) -> list[PotentialRow]:
        flt = view_filter(institution, state_code, service_group)
        return list(queries.potentials(actor_of(request), analysis_id, level, flt))

    @get("/{analysis_id:int}/exchanges", sync_to_thread=True,
         summary="Intercambios propuestos (como solicitante o proveedor)")
    def exchanges(self, request: Request[Any, Any, Any], queries: Injected[ExchangeQueries],
                  analysis_id: FromPath[int],
                  institution: Institution = None, state_code: State = None,
                  service_group: Group = None,
                  side: Annotated[Side, QueryParameter()] = Side.REQUESTING,
                  method: Annotated[AllocationMethod, QueryParameter()] = AllocationMethod.OPTIMAL,
                  page: Annotated[int, QueryParameter(ge=1)] = 1,
                  size: Annotated[int, QueryParameter(ge=1, le=500)] = 50) -> ExchangePageOut:
        flt = view_filter(institution, state_code, service_group, side)
        result = queries.exchanges(actor_of(request), analysis_id, flt,
                                   PageRequest(page, size), method)
        return ExchangePageOut(list(result.items), result.total, result.request.page,
                               result.request.size, result.summary)

    @get("/{analysis_id:int}/xlsx", sync_to_thread=True, summary="Libro de Excel del análisis",
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def xlsx(self, request: Request[Any, Any, Any],
             export_workbook: Injected[ExportExchange],
             analysis_id: FromPath[int], institution: Institution = None,
             state_code: State = None, service_group: Group = None) -> Stream:
        return download_workbook(request, export_workbook, analysis_id,
                                 view_filter(institution, state_code, service_group))

    @get("/{analysis_id:int}/pdf", sync_to_thread=True, summary="Resumen del análisis (PDF)",
         media_type="application/pdf")
    def pdf(self, request: Request[Any, Any, Any],
            print_summary: Injected[PrintExchangeSummary],
            analysis_id: FromPath[int], institution: Institution = None,
            state_code: State = None, service_group: Group = None) -> Stream:
        return download_summary(request, print_summary, analysis_id,
                                view_filter(institution, state_code, service_group))
