"""Paso 1 (the tablero de control), the institution's Excel export and the Guía de Ayuda."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Redirect, Stream
from markupsafe import Markup

from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.common import (
    EntityUrls,
    chosen_institution,
    exc_guard,
    own_institution,
    scope_of,
    stream_records,
)
from entrypoints.http.fragments import Fragments
from entrypoints.http.excedentes.pages import render_page
from entrypoints.http.forms import parse_int
from entrypoints.http.read_scope import memory_first
from entrypoints.http.rendering import redirect
from excedentes.application.access import may_manage
from excedentes.application.queries import ExcedentesQueries
from excedentes.application.results import DashboardView
from excedentes.application.use_cases.exports import ExportRecords
from excedentes.domain.review import ReviewStatus
from shared.kernel.errors import ValidationError
from shared.kernel.scope import Role


# The tablero's <tbody> and <tfoot>: ``queries.dashboard`` hands out the same (immutable)
# entries tuple while the data and the caller's scope are the same, so the rows are
# rendered once per data version and caller's view of them (about 1,300 look-ups and 550
# escapes a page otherwise).
TABLE_ROWS = Fragments("excedentes/_tablero_filas.html")


def table_rows(request: Request[Any, Any, Any], view: DashboardView, manages: bool,
               is_admin: bool) -> Markup:
    inst, year, entries = view.institution.code, view.period.year, view.entries

    def context() -> dict[str, Any]:
        return {"entries": entries, "totals": view.totals, "manages": manages,
                "is_admin": is_admin, "legend_finalized": view.legend_finalized,
                "legend_not_finalized": view.legend_not_finalized,
                "urls": {e.entity_key: EntityUrls(inst, e.row.entity_code, year)
                         for e in entries}}

    return TABLE_ROWS.render(request, (entries,), (
        view.totals, inst, year, view.legend_finalized, view.legend_not_finalized, manages,
        is_admin), context)


class DashboardPages(Controller):
    path = "/excedentes"
    guards = [exc_guard]
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def index(self, request: Request[Any, Any, Any]) -> Redirect:
        return redirect("/excedentes/tablero")

    @get("/tablero")
    @memory_first
    def dashboard(self, request: Request[Any, Any, Any],
                  queries: Injected[ExcedentesQueries]) -> Any:
        """Paso 1: one row per entity of the institution for the chosen period."""
        scope = scope_of(request)
        q = request.query_params
        inst = chosen_institution(request, queries, q.get("institucion"))
        institution = queries.institution(scope, inst)
        year = parse_int(q.get("periodo"), "periodo") or queries.current_year(scope, inst)
        institutions = queries.institutions(scope) if scope.role is Role.ADMIN else []
        manages = may_manage(scope, institution.code)
        if year is None:
            return render_page(request, "excedentes/tablero_sin_periodo.html",
                               institution=institution, institutions=institutions,
                               manages=manages)
        view = queries.dashboard(scope, institution.code, year,
                                 ReviewStatus.parse(q.get("estado")))
        is_admin = scope.role is Role.ADMIN
        own_exports = [] if is_admin else [
            (EntityUrls(institution.code, e.row.entity_code, year).export, e.row.entity_name)
            for e in view.entries if e.can_capture]
        return render_page(request, "excedentes/tablero.html", view=view,
                           table_rows=table_rows(request, view, manages, is_admin),
                           own_exports=own_exports, institutions=institutions,
                           manages=manages, is_admin=is_admin)

    @get("/exportar", sync_to_thread=True)
    def export(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
               export_records: Injected[ExportRecords]) -> Stream:
        """E14: the records of the institution (coordinador, admin) or, for an admin asking
        ``ambito=pais``, of the whole country, for a period."""
        scope = scope_of(request)
        q = request.query_params
        year = parse_int(q.get("periodo"), "periodo")
        if year is None:
            raise ValidationError("Indique el periodo (año) a exportar.")
        if scope.role is Role.ADMIN and q.get("ambito") == "pais":
            return stream_records(request, export_records, year, None, None)
        if scope.role is Role.CAPTURISTA:
            # a capturista exports their own entity (the institution is the coordinador's)
            entity = (scope.ref or "").partition(":")[2]
            return stream_records(request, export_records, year, own_institution(scope), entity)
        return stream_records(request, export_records, year,
                              chosen_institution(request, queries, q.get("institucion")), None)

    @get("/ayuda", sync_to_thread=True)
    def help(self, request: Request[Any, Any, Any],
             queries: Injected[ExcedentesQueries]) -> Any:
        """The Guía de Ayuda, worded for the user's institution when it has one."""
        scope = scope_of(request)
        own = own_institution(scope)
        asked = request.query_params.get("institucion")
        code = own or (asked.strip().upper() if asked else None)
        institution = queries.institution(scope, code) if code else None
        institutions = queries.institutions(scope) if own is None else []
        return render_page(request, "excedentes/ayuda.html", institution=institution,
                           institutions=institutions)
