"""Review by levels (pages and API): the coordinador's Revisión page of an entity (Aceptar,
Devolver para corrección), the administrator's revert, bulk accept from the tablero with a
confirmation listing the entities, the entity's Historial, the catalog of return reasons
(admin) and Completitud y oportunidad (national, per period, per institution; SVG chart).

Handlers stay thin: one query or use case each; the decision of what is allowed comes from
the overview's ``allowed_actions`` (pages show only those buttons); a refused action
re-renders the page with the use case's reason.
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from entrypoints.http.bodies import json_body as body
from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.bodies import ReviewBody
from entrypoints.http.excedentes.capture import ENTITY, URL_FORM
from entrypoints.http.excedentes.common import (
    actor_of,
    chosen_institution,
    dashboard_url,
    entity_ref,
    exc_guard,
    if_match,
    manager_guard,
    scope_of,
    version_refusals,
)
from entrypoints.http.excedentes.completeness_chart import trend_svg
from entrypoints.http.excedentes.pages import render_entity, render_page
from entrypoints.http.forms import all_values, parse_int
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.security import require_roles
from excedentes.application.quality import QualityQueries
from excedentes.application.queries import ExcedentesQueries
from excedentes.application.results import CompletenessView
from excedentes.application.use_cases.review import (
    AddReturnReason,
    BulkAccept,
    BulkAcceptCommand,
    ReasonCommand,
    ReviewCommand,
    ReviewEntity,
    ReviewResult,
    SetReturnReasonActive,
)
from excedentes.domain.review import ReturnReason
from excedentes.domain.errors import StaleVersion
from excedentes.domain.versions import require_version
from shared.adapters.sql.queries import end_read_snapshot
from shared.kernel.errors import Conflict, NotFound, ValidationError
from shared.kernel.scope import Role

COMPLETENESS = "/excedentes/completitud"


@attrs.define
class ReviewForm:
    motivo: str = ""  # return: the reason's code; revert: the reason's text
    observaciones: str = ""
    version: str = ""
    csrf_token: str = ""


@attrs.define
class BulkForm:
    institucion: str = ""
    periodo: str = ""
    entidades: str = ""  # codes separated by commas (the confirmation page's list)
    csrf_token: str = ""


@attrs.define
class ReasonForm:
    clave: str = ""
    texto: str = ""
    csrf_token: str = ""


ACTIONS = {"aceptar": "accept", "devolver": "return", "revertir": "revert"}


class ReviewPages(Controller):
    path = "/excedentes"
    guards = [exc_guard]
    include_in_schema = False

    @get(ENTITY + "/revision", sync_to_thread=True)
    def review_page(self, request: Request[Any, Any, Any],
                    queries: Injected[ExcedentesQueries],
                    quality_queries: Injected[QualityQueries], inst: FromPath[str],
                    entity: FromPath[str], year: FromPath[int]) -> Any:
        return self._page(request, queries, quality_queries, inst, entity, year)

    @post(ENTITY + "/revision/{accion:str}", sync_to_thread=True)
    def review(self, request: Request[Any, Any, Any], review: Injected[ReviewEntity],
               queries: Injected[ExcedentesQueries],
               quality_queries: Injected[QualityQueries], inst: FromPath[str],
               entity: FromPath[str], year: FromPath[int], accion: FromPath[str],
               data: Annotated[ReviewForm, URL_FORM]) -> Any:
        action = ACTIONS.get(accion)
        if action is None:
            raise NotFound("La acción solicitada no existe.")
        ref = entity_ref(inst, entity)
        cmd = ReviewCommand(
            ref, year, action,
            reason_code=data.motivo if action == "return" else None,
            note=data.observaciones if action == "return" else data.motivo,
            expected_version=require_version(data.version))
        try:
            result = review(actor_of(request), cmd)
        except (ValidationError, Conflict) as refused:
            if isinstance(refused, StaleVersion):
                end_read_snapshot()
            return self._page(request, queries, quality_queries, inst, entity, year,
                              error=refused.message,
                              status_code=refused.status, form=data)
        flash(request, result.message, "success")
        return redirect(dashboard_url(ref.institution_code, year))

    def _page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries,
              quality: QualityQueries, inst: str, entity: str, year: int, *, error: str | None = None, status_code: int = 200,
              form: ReviewForm | None = None) -> Any:
        scope = scope_of(request)
        ref = entity_ref(inst, entity)
        ov = queries.overview(scope, ref, year)
        reasons = (queries.return_reasons(scope, active_only=True)
                   if ov.allows("return") else [])
        return render_entity(request, "excedentes/revision.html", ov, status_code=status_code,
                             error=error, form=form or ReviewForm(), reasons=reasons,
                             signed=queries.signed_versions(scope, ref, year),
                             history=queries.history(scope, ref, year),
                             # the reviewer weighs the values kept although they were atypical
                             outliers=quality.outliers(scope, ref, year).items)

    @get(ENTITY + "/historial", sync_to_thread=True)
    def history(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
                inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Any:
        """Every audited transition of the entity in the period (who, when, why)."""
        scope = scope_of(request)
        ref = entity_ref(inst, entity)
        ov = queries.overview(scope, ref, year)
        return render_entity(request, "excedentes/historial.html", ov,
                             history=queries.history(scope, ref, year))

    # ------------------------------------------------------------- bulk accept

    @get("/tablero/aceptar", sync_to_thread=True, guards=[manager_guard])
    def bulk_confirm(self, request: Request[Any, Any, Any],
                     queries: Injected[ExcedentesQueries]) -> Any:
        """The confirmation: the entities chosen on the tablero, listed before accepting."""
        q = request.query_params
        return self._bulk_page(request, queries, q.get("institucion"),
                               parse_int(q.get("periodo"), "periodo"), all_values(q, "entidad"))

    def _bulk_page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries,
                   asked: str | None, year: int | None, codes: tuple[str, ...],
                   error: str | None = None, status_code: int = 200) -> Any:
        scope = scope_of(request)
        inst = chosen_institution(request, queries, asked)
        if year is None:
            raise ValidationError("Indique el periodo.")
        view = queries.dashboard(scope, inst, year)
        chosen = [e for e in view.entries if e.row.entity_code in set(codes)]
        return render_page(request, "excedentes/aceptar_varias.html", status_code=status_code,
                           view=view, chosen=chosen, error=error,
                           codes=",".join(e.row.entity_code for e in chosen),
                           back=dashboard_url(view.institution.code, year))

    @post("/tablero/aceptar", sync_to_thread=True, guards=[manager_guard])
    def bulk_accept(self, request: Request[Any, Any, Any], bulk_accept: Injected[BulkAccept],
                    queries: Injected[ExcedentesQueries],
                    data: Annotated[BulkForm, URL_FORM]) -> Any:
        year = parse_int(data.periodo, "periodo")
        inst = chosen_institution(request, queries, data.institucion)
        codes = tuple(c for c in data.entidades.split(",") if c.strip())
        if year is None:
            raise ValidationError("Indique el periodo.")
        try:
            done = bulk_accept(actor_of(request), BulkAcceptCommand(inst, year, codes))
        except (ValidationError, Conflict) as refused:
            return self._bulk_page(request, queries, inst, year, codes, refused.message,
                                   refused.status)
        n = len(done)
        flash(request, f"Se {'aceptó' if n == 1 else 'aceptaron'} {n:,} "
                       f"{'reporte' if n == 1 else 'reportes'}: "
                       + ", ".join(r.entity_code for r in done) + ".", "success")
        return redirect(dashboard_url(inst, year))

    # ------------------------------------------------------------- completeness

    @get("/completitud", sync_to_thread=True, guards=[manager_guard])
    def completeness(self, request: Request[Any, Any, Any],
                     queries: Injected[ExcedentesQueries]) -> Any:
        """National across periods (admin), one period by institution, one institution's
        entities; a coordinador sees only their institution."""
        q = request.query_params
        year = parse_int(q.get("periodo"), "periodo")
        asked = (q.get("institucion") or "").strip().upper() or None
        view = queries.completeness(scope_of(request), year, asked)
        return render_page(request, "excedentes/completitud.html", view=view,
                           chart=trend_svg(view) if view.level == "national" else None,
                           is_admin=scope_of(request).role is Role.ADMIN)


class ReturnReasonPages(Controller):
    """The administrator's catalog of return reasons."""

    path = "/excedentes/motivos"
    guards = [require_roles(Role.ADMIN)]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def list_page(self, request: Request[Any, Any, Any],
                  queries: Injected[ExcedentesQueries]) -> Any:
        return self._page(request, queries)

    def _page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries,
              form: ReasonForm | None = None, error: str | None = None,
              status_code: int = 200) -> Any:
        return render_page(request, "excedentes/motivos.html", status_code=status_code,
                           reasons=queries.return_reasons(scope_of(request)),
                           form=form or ReasonForm(), error=error)

    @post("/", sync_to_thread=True)
    def add(self, request: Request[Any, Any, Any], add_return_reason: Injected[AddReturnReason],
            queries: Injected[ExcedentesQueries],
            data: Annotated[ReasonForm, URL_FORM]) -> Any:
        try:
            reason = add_return_reason(actor_of(request), ReasonCommand(data.clave, data.texto))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, data, refused.message, refused.status)
        flash(request, f"Motivo {reason.code} agregado.", "success")
        return redirect("/excedentes/motivos")

    @post("/{code:str}/{estado:str}", sync_to_thread=True)
    def set_active(self, request: Request[Any, Any, Any],
                   set_return_reason_active: Injected[SetReturnReasonActive],
                   code: FromPath[str], estado: FromPath[str],
                   data: Annotated[ReasonForm, URL_FORM]) -> Any:
        if estado not in ("activar", "desactivar"):
            raise NotFound("La acción solicitada no existe.")
        reason = set_return_reason_active(actor_of(request), code, estado == "activar")
        flash(request, f"Motivo {reason.code} {'activo' if reason.active else 'desactivado'}.",
              "success")
        return redirect("/excedentes/motivos")


API_ENTITY = "/entities/{inst:str}/{entity:str}/{year:int}"
REPORT_WHAT = "la entidad (GET de la entidad en el periodo)"


class CompletenessApi(Controller):
    """Review by levels and completeness in the JSON API."""

    path = "/api/excedentes"
    guards = [exc_guard]
    tags = ["Excedentes y Faltantes"]

    @post(API_ENTITY + "/review", sync_to_thread=True, status_code=200,
          summary="Revisión: aceptar, devolver para corrección (motivo) o revertir (admin)",
          **body(ReviewBody))
    def review(self, request: Request[Any, Any, Any], review: Injected[ReviewEntity],
               inst: FromPath[str], entity: FromPath[str], year: FromPath[int],
               data: JSONBody[ReviewBody]) -> ReviewResult:
        with version_refusals(REPORT_WHAT):
            return review(actor_of(request), ReviewCommand(
                entity_ref(inst, entity), year, data.action, data.reason_code, data.note,
                expected_version=if_match(request, REPORT_WHAT)))

    @get("/return-reasons", sync_to_thread=True, guards=[manager_guard],
         summary="Catálogo de motivos de devolución")
    def return_reasons(self, request: Request[Any, Any, Any],
                       queries: Injected[ExcedentesQueries]) -> list[ReturnReason]:
        return queries.return_reasons(scope_of(request))

    @get("/completeness", sync_to_thread=True,
         summary="Completitud y oportunidad: nacional, por periodo o por institución")
    def completeness(self, request: Request[Any, Any, Any],
                     queries: Injected[ExcedentesQueries],
                     year: Annotated[int | None, QueryParameter(name="period", ge=1900, le=2999)] = None,
                     institution: Annotated[str | None,
                                            QueryParameter(name="institution")] = None,
                     ) -> CompletenessView:
        return queries.completeness(scope_of(request), year, institution)
