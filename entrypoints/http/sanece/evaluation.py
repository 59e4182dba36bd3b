"""The evaluador's pages (S14): the Pendiente folios (oldest first, filters OOAD/UMAE and
Buscar) and the registration of a folio's result: Validada (periodo in months, claves of
the genérico with quantities, requerimiento) or No Validada (observaciones)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from entrypoints.http.dependencies import Injected
from entrypoints.http.forms import page_link, parse_int
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.sanece.common import (
    EVALUACION,
    actor_of,
    evaluator_guard,
    render_san,
    scope_of,
    search_page,
)
from entrypoints.http.sanece.forms import EvaluationForm, stale_view
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.evaluation import RegisterEvaluation
from sanece.domain.rules import PeriodMonthsInRange
from sanece.domain.values import EvaluationStatus, format_date
from shared.kernel.errors import Conflict, ValidationError

URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
QUEUE_SIZE = 25
RESULTS = (EvaluationStatus.VALIDATED, EvaluationStatus.NOT_VALIDATED)


class EvaluationPages(Controller):
    path = EVALUACION
    guards = [evaluator_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries]) -> Any:
        scope = scope_of(request)
        ooad_id = parse_int(request.query_params.get("ooad"), "OOAD/UMAE", minimum=1)
        page = queries.pending_evaluations(scope, search_page(request, QUEUE_SIZE),
                                           ooad_id=ooad_id)
        return render_san(request, "sanece/evaluacion.html", page=page,
                          ooads=queries.ooads(scope), ooad_id=ooad_id,
                          page_url=page_link(request))

    @get("/{number:str}", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
             number: FromPath[str]) -> Any:
        return self._page(request, queries, number, EvaluationForm())

    def _page(self, request: Request[Any, Any, Any], queries: SaneceQueries, number: str,
              form: EvaluationForm, error: str | None = None, status_code: int = 200,
              stale: Any = None) -> Any:
        detail = queries.folio(scope_of(request), number)
        return render_san(request, "sanece/evaluar.html", status_code=status_code, d=detail,
                          form=form, error=error, results=RESULTS, stale=stale,
                          pending=detail.status is EvaluationStatus.PENDING,
                          min_months=queries.period_in_force(detail.evaluation_date),
                          max_months=PeriodMonthsInRange.MAX)

    @post("/{number:str}", sync_to_thread=True)
    def register(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                 register_evaluation: Injected[RegisterEvaluation], number: FromPath[str],
                 data: Annotated[EvaluationForm, URL_FORM]) -> Any:
        try:
            result = register_evaluation(actor_of(request), data.command(number))
        except (ValidationError, Conflict) as refused:
            # a stale save (another evaluador was first): what was typed beside what is saved
            return self._page(request, queries, number, data, refused.message, refused.status,
                              stale_view(refused, data.typed()))
        expiry = (f"; fecha de vencimiento {format_date(result.expiry_date)}"
                  if result.expiry_date else "")
        flash(request, f"Folio {result.number}: {result.status_label}{expiry}.", "success")
        return redirect(EVALUACION)
