"""Pages of the exchange opportunities (E15), under ``/intercambios``.

- ``GET /intercambios``: the saved analyses the caller may see (with its potential) and,
  for coordinadores and admins, the "Nuevo análisis" form (``?desde=N`` fills it with the
  parameters of analysis N); ``POST`` runs and saves one, or shows the form back with the
  typed values and the error (422).
- ``GET /intercambios/{id}``: the national view: greedy vs optimum, faltantes vs excedentes
  per state, potential per state and per institution, the top products in shortage, each
  chart (server-side SVG) with its table; filters by institution, state and service group.
- ``GET /intercambios/{id}/propuestas``: the proposed exchanges (the drill-down from a
  state), as requester or as provider; ``/entidades``: the potential of every entity;
  ``/excel`` and ``/pdf``: the documents. Every read is inside the caller's scope.
"""

from __future__ import annotations

from typing import Any

import attrs
from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Stream
from markupsafe import Markup

from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.common import SYSTEM_TITLE
from entrypoints.http.fragments import Fragments
from entrypoints.http.exchange.charts import overview_charts
from entrypoints.http.exchange.common import (
    BASE,
    actor_of,
    analysis_url,
    download_summary,
    download_workbook,
    exchange_guard,
    manager_guard,
)
from entrypoints.http.exchange.forms import RunForm, filter_query, page_filter
from entrypoints.http.forms import page_request, parse_int, with_query
from entrypoints.http.read_scope import memory_first
from entrypoints.http.rendering import flash, local_time, redirect, render, time_zone
from exchange.application.model import PotentialLevel, Side, may_run
from exchange.application.use_cases import (
    ExchangeQueries,
    ExportExchange,
    PrintExchangeSummary,
    RunExchangeAnalysis,
)
from exchange.application.views import RunFormOptions, comparison_rows, percent_text
from exchange.domain.matching import AllocationMethod
from shared.kernel.errors import NotFound, ValidationError

# The pages' "metodo" values (Spanish) and what they mean.
METHODS = (("optima", "Asignación óptima", AllocationMethod.OPTIMAL),
           ("voraz", "Asignación voraz", AllocationMethod.GREEDY))


def propose_links(actor: Any, analysis_id: int) -> dict[str, Any]:
    """For coordinadores and admins: which proposed exchanges they may turn into an agreement
    (their institution requests it) and the prefilled form's URL."""
    if not may_run(actor.scope):
        return {"may_propose": None}
    own = None if actor.scope.role.value == "admin" else (actor.scope.ref or "").upper()

    def allowed(e: Any) -> bool:
        # Inside one entity an exchange needs no agreement between two parties.
        other = (e.requesting.institution, e.requesting.entity) != (
            e.providing.institution, e.providing.entity)
        return other and (own is None or e.requesting.institution == own)

    def url(e: Any) -> str:
        return with_query(f"{BASE}/acuerdos/nuevo", analisis=analysis_id,
                          solicitante=e.requesting.clues, proveedor=e.providing.clues,
                          producto=e.product, modalidad=e.modality, pacientes=e.patients)

    return {"may_propose": allowed, "propose_url": url}


def _context(**extra: Any) -> dict[str, Any]:
    """What every exchange template reads besides its own data."""
    return {"system_title": SYSTEM_TITLE, "pct": percent_text, "base": BASE,
            "analysis_url": analysis_url, **extra}


def _method(raw: Any) -> tuple[str, AllocationMethod]:
    text = (raw or "").strip().lower() or METHODS[0][0]
    for value, _, method in METHODS:
        if text in (value, method.value):
            return value, method
    raise ValidationError(f"Método desconocido: «{raw}» (optima o voraz).",
                          code="invalid_method")


# The "Nuevo análisis" form's fields (a hundred choices, each escaped): the choices come from
# the read side's process cache, the same tuples until something is written, so the fields
# are rendered once per choices and typed values.
RUN_FIELDS = Fragments("exchange/_campos_analisis.html")


def run_fields(request: Request[Any, Any, Any], options: RunFormOptions,
               form: RunForm) -> Markup:
    o = options
    return RUN_FIELDS.render(
        request, (o.years, o.institutions, o.groups, o.states, o.tiers),
        (o.may_run, o.fixed_institution, form), lambda: {"options": options, "form": form})


# The saved analyses' rows: ``queries.analyses`` hands out the same items while nothing is
# written, so they are rendered once per page of rows (and time zone of the server).
ANALYSIS_ROWS = Fragments("exchange/_filas_analisis.html")


def analysis_rows(request: Request[Any, Any, Any], items: tuple[Any, ...]) -> Markup:
    tz = time_zone(request)
    return ANALYSIS_ROWS.render(request, (items,), (tz,), lambda: {
        "items": items, "base": BASE, "pct": percent_text,
        "local_time": lambda value: local_time(request, value)})


def _index(request: Request[Any, Any, Any], q: ExchangeQueries, form: RunForm | None,
           error: str | None, status: int) -> Any:
    actor = actor_of(request)
    options = q.form_options(actor)
    page = q.analyses(actor, page_request(request, 20))
    form = form or RunForm.defaults(options.years)
    return render(request, "exchange/lista.html", status_code=status, **_context(
        page=page, options=options, form=form, analysis_rows=analysis_rows(request, page.items),
        run_fields=run_fields(request, options, form) if options.may_run and options.years
        else None,
        error=error, page_url=lambda n: with_query(BASE, pagina=n)))


def _run(request: Request[Any, Any, Any], run_analysis: RunExchangeAnalysis,
         queries: ExchangeQueries, form: RunForm) -> Any:
    try:
        result = run_analysis(actor_of(request), form.command())
    except (ValidationError, NotFound) as error:  # a refused form: shown back as typed
        return _index(request, queries, form, error.message, 422)
    a, figures = result.analysis, result.comparison.optimal.figures
    message = (f"Análisis {a.id} guardado: la asignación óptima cubre "
               f"{percent_text(figures.share_records_covered)} de los registros faltantes y "
               f"{percent_text(figures.share_patients_covered)} de los pacientes.")
    if result.same_as:
        message += (f" Mismos criterios y mismos datos que el análisis {result.same_as}: "
                    "el resultado es el mismo.")
    flash(request, message, "success")
    return redirect(f"{BASE}/{a.id}")


class ExchangePages(Controller):
    path = BASE
    guards = [exchange_guard]
    include_in_schema = False

    @get("/")
    @memory_first
    def index(self, request: Request[Any, Any, Any],
              queries: Injected[ExchangeQueries]) -> Any:
        form = None
        since = parse_int(request.query_params.get("desde"), "desde", minimum=1)
        if since is not None:
            form = RunForm.from_analysis(queries.analysis(actor_of(request), since))
        return _index(request, queries, form, None, 200)

    @post("/", guards=[manager_guard])
    async def run(self, request: Request[Any, Any, Any],
                  run_analysis: Injected[RunExchangeAnalysis],
                  queries: Injected[ExchangeQueries]) -> Any:
        form = RunForm.from_form(await request.form())
        # The matching is CPU work of a few seconds at national scale: off the event loop.
        return await to_thread.run_sync(_run, request, run_analysis, queries, form)

    @get("/{analysis_id:int}", sync_to_thread=True)
    def overview(self, request: Request[Any, Any, Any], queries: Injected[ExchangeQueries],
                 analysis_id: FromPath[int]) -> Any:
        flt = page_filter(request.query_params)
        ov = queries.overview(actor_of(request), analysis_id, flt)
        charts = overview_charts(
            ov, lambda state: analysis_url(analysis_id, flt, "propuestas", estado=state),
            lambda inst: analysis_url(analysis_id, flt, "propuestas", institucion=inst))
        return render(request, "exchange/analisis.html", **_context(
            ov=ov, charts=charts, flt=flt, q=filter_query(flt), options=ov.options,
            comparison_rows=comparison_rows(ov.comparison),
            may_run=may_run(actor_of(request).scope)))

    @get("/{analysis_id:int}/propuestas", sync_to_thread=True)
    def exchanges(self, request: Request[Any, Any, Any], queries: Injected[ExchangeQueries],
                  analysis_id: FromPath[int]) -> Any:
        actor = actor_of(request)
        flt = page_filter(request.query_params)
        value, method = _method(request.query_params.get("metodo"))
        analysis = queries.analysis(actor, analysis_id)
        page = queries.exchanges(actor, analysis_id, flt, page_request(request, 50), method)
        extra = {"metodo": value} if method is not AllocationMethod.OPTIMAL else {}
        return render(request, "exchange/propuestas.html", **_context(
            analysis=analysis, page=page, flt=flt, q=filter_query(attrs.evolve(flt, side=None)),
            options=queries.options(actor, analysis_id), method=value, methods=METHODS,
            sides=[(s.value, s.label) for s in Side],
            **propose_links(actor, analysis_id),
            page_url=lambda n: analysis_url(analysis_id, flt, "propuestas", pagina=n, **extra)))

    @get("/{analysis_id:int}/entidades", sync_to_thread=True)
    def entities(self, request: Request[Any, Any, Any], queries: Injected[ExchangeQueries],
                 analysis_id: FromPath[int]) -> Any:
        actor = actor_of(request)
        flt = page_filter(request.query_params)
        analysis = queries.analysis(actor, analysis_id)
        rows = queries.potentials(actor, analysis_id, PotentialLevel.ENTITY, flt)
        total = queries.potentials(actor, analysis_id, PotentialLevel.NATIONAL, flt)[0]
        return render(request, "exchange/entidades.html", **_context(
            analysis=analysis, rows=rows, total=total, flt=flt, q=filter_query(flt),
            options=queries.options(actor, analysis_id)))

    @get("/{analysis_id:int}/excel", sync_to_thread=True)
    def excel(self, request: Request[Any, Any, Any],
              export_workbook: Injected[ExportExchange],
              analysis_id: FromPath[int]) -> Stream:
        return download_workbook(request, export_workbook, analysis_id,
                                 page_filter(request.query_params))

    @get("/{analysis_id:int}/pdf", sync_to_thread=True)
    def pdf(self, request: Request[Any, Any, Any],
            print_summary: Injected[PrintExchangeSummary],
            analysis_id: FromPath[int]) -> Stream:
        return download_summary(request, print_summary, analysis_id,
                                page_filter(request.query_params))
