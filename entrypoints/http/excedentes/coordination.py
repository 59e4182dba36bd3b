"""The coordinador's pages: apertura (reopen) of an entity, the capture periods, the queue of
"solicitar producto" requests, and the catalog and units files (import / export).

Capturistas see their own entity's product requests (read-only); everything else here is the
institution's coordinador's (an admin picks the institution). Actions outside the caller's
institution answer like missing ones; inside it, without the role, ``PermissionDenied``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import attrs
from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Stream

from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.capture import ENTITY, URL_FORM
from entrypoints.http.excedentes.common import (
    actor_of,
    chosen_institution,
    dashboard_url,
    entity_ref,
    exc_guard,
    export_catalog_file,
    manager_guard,
    scope_of,
)
from entrypoints.http.excedentes.pages import render_entity, render_page
from entrypoints.http.forms import page_request, parse_int, with_query
from entrypoints.http.job_uploads import import_job_bytes, start_import_job, tabular_policy
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.uploads import UPLOAD_ROUTE, receive_form
from excedentes.application.access import MANAGE_DENIED
from excedentes.application.queries import ExcedentesQueries
from excedentes.application.use_cases.catalog import (
    ExportCatalog,
    ExportUnits,
    ImportCatalog,
    ImportUnits,
)
from excedentes.application.use_cases.coordination import (
    CaptureWindowCommand,
    ClosePeriod,
    CreatePeriod,
    CreatePeriodCommand,
    OpenPeriod,
    PeriodCommand,
    ReopenCommand,
    ReopenEntity,
    SetCaptureWindow,
)
from excedentes.application.use_cases.product_requests import (
    AcceptProductRequest,
    RejectProductRequest,
)
from excedentes.domain.dates import format_datetime
from excedentes.domain.errors import StaleVersion, VersionRequired
from excedentes.domain.product_requests import RequestStatus
from excedentes.domain.versions import VersionStamp, require_version
from shared.adapters.sql.queries import end_read_snapshot
from shared.jobs.application import StartIfLarge
from shared.jobs.uploads import JobUploads
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from shared.kernel.scope import Role
from shared.storage.domain import FileTooLarge, format_size

STATUSES = tuple((s.slug, s.label) for s in RequestStatus)
@attrs.define
class VersionForm:
    """A form whose only field is the version of what it changes (open / close, accept)."""

    version: str = ""
    csrf_token: str = ""


@attrs.define
class ReasonForm:
    motivo: str = ""
    version: str = ""  # the report version of the apertura page
    csrf_token: str = ""


@attrs.define
class PeriodForm:
    anio: str = ""
    inicio: str = ""
    fin: str = ""
    estado: str = "abierto"
    version: str = ""  # the window form: the period version it was drawn from
    csrf_token: str = ""


@attrs.frozen
class _ImportJob:
    """How a large import becomes a job: its kind and the jobs' use cases."""

    kind: str
    start_if_large: StartIfLarge
    uploads: JobUploads


def parse_date(raw: str, what: str) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc_:
        raise ValidationError(f"«{what}» no es una fecha válida (use AAAA-MM-DD).") from exc_


def _manager_institution(request: Request[Any, Any, Any], queries: ExcedentesQueries,
                         asked: str | None) -> Any:
    """The institution a coordinador manages (an admin's choice); the view of it."""
    scope = scope_of(request)
    code = chosen_institution(request, queries, asked)
    return queries.institution(scope, code)


class ReopenPages(Controller):
    path = "/excedentes"
    guards = [exc_guard]
    include_in_schema = False

    @get(ENTITY + "/apertura", sync_to_thread=True)
    def reopen_page(self, request: Request[Any, Any, Any],
                    queries: Injected[ExcedentesQueries],
                    inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Any:
        return self._page(request, queries, inst, entity, year, "", None)

    @post(ENTITY + "/apertura", sync_to_thread=True)
    def reopen(self, request: Request[Any, Any, Any], reopen: Injected[ReopenEntity],
               queries: Injected[ExcedentesQueries], inst: FromPath[str],
               entity: FromPath[str],
               year: FromPath[int],
               data: Annotated[ReasonForm, URL_FORM]) -> Any:
        ref = entity_ref(inst, entity)
        try:
            result = reopen(actor_of(request), ReopenCommand(
                ref, year, data.motivo, expected_version=require_version(data.version)))
        except (ValidationError, Conflict) as refused:
            is_stale = isinstance(refused, StaleVersion)
            if is_stale:  # show the state another person left: read after their commit
                end_read_snapshot()
            return self._page(request, queries, inst, entity, year, data.motivo,
                              refused.message,
                              refused.status, version=None if is_stale else data.version)
        extra = (" El reporte firmado quedó sustituido (se conserva)."
                 if result.superseded_versions else "")
        flash(request, f"Apertura registrada para {ref.key} ({year}): la entidad puede volver "
                       f"a capturar.{extra}", "success")
        return redirect(dashboard_url(ref.institution_code, year))

    def _page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries, inst: str,
              entity: str, year: int, reason: str, error: str | None, status_code: int = 200,
              version: str | None = None) -> Any:
        ov = queries.overview(scope_of(request), entity_ref(inst, entity), year)
        if not ov.can_manage:
            raise PermissionDenied(MANAGE_DENIED)
        return render_entity(request, "excedentes/apertura.html", ov, status_code=status_code,
                             reason=reason, error=error, version=version)


class PeriodPages(Controller):
    path = "/excedentes/periodos"
    guards = [manager_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def periods(self, request: Request[Any, Any, Any],
                queries: Injected[ExcedentesQueries]) -> Any:
        return self._page(request, queries, request.query_params.get("institucion"))

    def _page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries,
              asked: str | None, *, form: PeriodForm | None = None, error: str | None = None,
              status_code: int = 200, typed: dict[str, Any] | None = None) -> Any:
        scope = scope_of(request)
        institution = _manager_institution(request, queries, asked)
        return render_page(
            request, "excedentes/periodos.html", status_code=status_code,
            institution=institution, periods=queries.periods(scope, institution.code),
            institutions=queries.institutions(scope) if scope.role is Role.ADMIN else [],
            form=form or PeriodForm(), error=error, typed=typed,
            home=dashboard_url(institution.code))

    @post("/{inst:str}", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], create_period: Injected[CreatePeriod],
               queries: Injected[ExcedentesQueries], inst: FromPath[str],
               data: Annotated[PeriodForm, URL_FORM]) -> Any:
        try:
            year = parse_int(data.anio, "Año", minimum=2000)
            if year is None:
                raise ValidationError("Escriba el año del periodo (por ejemplo 2026).")
            view = create_period(actor_of(request), CreatePeriodCommand(
                inst, year, data.estado != "cerrado", parse_date(data.inicio, "Inicio"),
                parse_date(data.fin, "Fin")))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, inst, form=data, error=refused.message,
                              status_code=refused.status)
        flash(request, f"{view.label} creado ({'abierto' if view.is_open else 'cerrado'}).",
              "success")
        return redirect(with_query("/excedentes/periodos", institucion=view.institution_code))

    @post("/{inst:str}/{year:int}/abrir", sync_to_thread=True)
    def open(self, request: Request[Any, Any, Any], open_period: Injected[OpenPeriod],
             queries: Injected[ExcedentesQueries], inst: FromPath[str], year: FromPath[int],
             data: Annotated[VersionForm, URL_FORM]) -> Any:
        try:
            change = open_period(actor_of(request), PeriodCommand(
                inst, year, require_version(data.version)))
        except (StaleVersion, VersionRequired) as refused:
            return self._refused(request, queries, inst, year, refused)
        p = change.period
        msg = f"{p.label}: captura abierta." if change.changed else f"{p.label} ya estaba abierto."
        flash(request, msg + (f" Aviso: {p.refusal}" if p.refusal else ""), "success")
        return redirect(with_query("/excedentes/periodos", institucion=p.institution_code))

    @post("/{inst:str}/{year:int}/cerrar", sync_to_thread=True)
    def close(self, request: Request[Any, Any, Any], close_period: Injected[ClosePeriod],
              queries: Injected[ExcedentesQueries], inst: FromPath[str], year: FromPath[int],
              data: Annotated[VersionForm, URL_FORM]) -> Any:
        try:
            change = close_period(actor_of(request), PeriodCommand(
                inst, year, require_version(data.version)))
        except (StaleVersion, VersionRequired) as refused:
            return self._refused(request, queries, inst, year, refused)
        p = change.period
        msg = (f"{p.label}: captura cerrada; la herramienta queda de solo consulta."
               if change.changed else f"{p.label} ya estaba cerrado.")
        flash(request, msg, "success")
        return redirect(with_query("/excedentes/periodos", institucion=p.institution_code))

    @post("/{inst:str}/{year:int}/ventana", sync_to_thread=True)
    def window(self, request: Request[Any, Any, Any],
               set_capture_window: Injected[SetCaptureWindow],
               queries: Injected[ExcedentesQueries], inst: FromPath[str],
               year: FromPath[int],
               data: Annotated[PeriodForm, URL_FORM]) -> Any:
        typed = {"year": year, "inicio": data.inicio, "fin": data.fin}
        try:
            change = set_capture_window(actor_of(request), CaptureWindowCommand(
                inst, year, parse_date(data.inicio, "Inicio"), parse_date(data.fin, "Fin"),
                require_version(data.version)))
        except (StaleVersion, VersionRequired) as refused:
            return self._refused(request, queries, inst, year, refused, typed)
        except ValidationError as refused:
            return self._page(request, queries, inst,
                              error=f"Periodo {year}: {refused.message}",
                              status_code=refused.status)
        p = change.period
        flash(request, f"{p.label}: fechas de captura guardadas.", "success")
        return redirect(with_query("/excedentes/periodos", institucion=p.institution_code))


    def _refused(self, request: Request[Any, Any, Any], queries: ExcedentesQueries, inst: str,
                 year: int,
                 refused: StaleVersion | VersionRequired,
                 typed: dict[str, Any] | None = None) -> Any:
        """A stale (or version-less) form: nothing changed; the page shows the period as it
        is now, the dates the user typed kept beside the stored ones."""
        end_read_snapshot()
        return self._page(request, queries, inst, error=f"Periodo {year}: {refused.message}",
                          status_code=refused.status, typed=typed)


class RequestPages(Controller):
    """"Solicitudes de producto": the coordinador's queue; a capturista's own requests."""

    path = "/excedentes/solicitudes"
    guards = [exc_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any],
              queries: Injected[ExcedentesQueries]) -> Any:
        return self._page(request, queries)

    def _page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries,
              error: str | None = None, status_code: int = 200,
              typed: dict[str, Any] | None = None) -> Any:
        scope = scope_of(request)
        q = request.query_params
        raw_status = q.get("estatus") or None
        status = RequestStatus.parse(raw_status).slug if raw_status else None
        institution = None
        if scope.role is not Role.CAPTURISTA:
            institution = _manager_institution(request, queries, q.get("institucion"))
        page = queries.product_requests(scope, institution.code if institution else None,
                                        status=status, page=page_request(request, 50))
        return render_page(
            request, "excedentes/solicitudes.html", status_code=status_code, page=page,
            institution=institution, status=status, statuses=STATUSES, error=error,
            typed=typed,
            institutions=queries.institutions(scope) if scope.role is Role.ADMIN else [],
            decides=scope.role in (Role.COORDINADOR, Role.ADMIN))

    @post("/{request_id:int}/aceptar", sync_to_thread=True, guards=[manager_guard])
    def accept(self, request: Request[Any, Any, Any],
               accept_product_request: Injected[AcceptProductRequest],
               queries: Injected[ExcedentesQueries],
               request_id: FromPath[int], data: Annotated[VersionForm, URL_FORM]) -> Any:
        try:
            outcome = accept_product_request(
                actor_of(request), request_id, expected_version=require_version(data.version))
        except (ValidationError, Conflict) as refused:
            if isinstance(refused, StaleVersion):  # show the decision the other person took
                end_read_snapshot()
            return self._page(request, queries, f"Solicitud {request_id}: {refused.message}",
                              refused.status)
        flash(request, f"Solicitud {request_id} aceptada: el producto quedó en el catálogo "
                       f"(producto {outcome.product_id}).", "success")
        return redirect(_back(request, "/excedentes/solicitudes"))

    @post("/{request_id:int}/rechazar", sync_to_thread=True, guards=[manager_guard])
    def reject(self, request: Request[Any, Any, Any],
               reject_product_request: Injected[RejectProductRequest],
               queries: Injected[ExcedentesQueries],
               request_id: FromPath[int], data: Annotated[ReasonForm, URL_FORM]) -> Any:
        try:
            reject_product_request(
                actor_of(request), request_id, data.motivo,
                expected_version=require_version(data.version))
        except (ValidationError, Conflict) as refused:
            if isinstance(refused, StaleVersion):
                end_read_snapshot()
            return self._page(request, queries, f"Solicitud {request_id}: {refused.message}",
                              refused.status, typed={"id": request_id, "motivo": data.motivo})
        flash(request, f"Solicitud {request_id} rechazada.", "success")
        return redirect(_back(request, "/excedentes/solicitudes"))


def _back(request: Request[Any, Any, Any], path: str) -> str:
    query = request.url.query
    return path + (f"?{query}" if query else "")


def _last_change(stamp: VersionStamp) -> str | None:
    """'06/12/2026 10:42 (coordinador.ss2)' — None before the first import."""
    if stamp.updated_at is None:
        return None
    return format_datetime(stamp.updated_at) + (f" ({stamp.updated_by})"
                                                if stamp.updated_by else "")


class CatalogPages(Controller):
    """Catalog and units: import (CSV/XLSX, line-numbered errors, all-or-nothing), export."""

    path = "/excedentes/catalogos"
    guards = [manager_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def page(self, request: Request[Any, Any, Any],
             queries: Injected[ExcedentesQueries]) -> Any:
        return self._page(request, queries, request.query_params.get("institucion"))

    def _page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries, asked: str | None,
              status_code: int = 200, **context: Any) -> Any:
        scope = scope_of(request)
        institution = _manager_institution(request, queries, asked)
        context.setdefault("error", None)
        context.setdefault("line_errors", ())
        context.setdefault("target", None)
        state = queries.catalog_state(scope, institution.code)
        return render_page(
            request, "excedentes/catalogos.html", status_code=status_code,
            institution=institution, tree=queries.catalog_tree(scope, institution.code),
            state=state, catalog_updated=_last_change(state.catalog),
            units_updated=_last_change(state.units),
            institutions=queries.institutions(scope) if scope.role is Role.ADMIN else [],
            home=dashboard_url(institution.code),
            import_job_size=format_size(import_job_bytes(request)),
            **context)

    @post("/{inst:str}/productos", **UPLOAD_ROUTE)
    async def import_catalog(self, request: Request[Any, Any, Any],
                             import_catalog: Injected[ImportCatalog],
                             queries: Injected[ExcedentesQueries],
                             start_if_large: Injected[StartIfLarge],
                             job_uploads: Injected[JobUploads],
                             inst: FromPath[str]) -> Any:
        return await self._import(request, queries, inst, "productos",
                                  lambda path, name, expected: import_catalog(
                                      actor_of(request), inst, path, name,
                                      expected_version=expected),
                                  _ImportJob("catalog-import", start_if_large, job_uploads))

    @post("/{inst:str}/unidades", **UPLOAD_ROUTE)
    async def import_units(self, request: Request[Any, Any, Any],
                           import_units: Injected[ImportUnits],
                           queries: Injected[ExcedentesQueries],
                           start_if_large: Injected[StartIfLarge],
                           job_uploads: Injected[JobUploads], inst: FromPath[str]) -> Any:
        return await self._import(request, queries, inst, "unidades",
                                  lambda path, name, expected: import_units(
                                      actor_of(request), path, name, institution_code=inst,
                                      expected_version=expected),
                                  _ImportJob("units-import", start_if_large, job_uploads))

    async def _import(self, request: Request[Any, Any, Any], queries: ExcedentesQueries,
                      inst: str, target: str, run: Any, job: _ImportJob) -> Any:
        # the institution must be visible and managed before a byte is read
        await to_thread.run_sync(_manager_institution, request, queries, inst)
        try:
            with await receive_form(request, tabular_policy(request), max_files=1) as form:
                if not form.files:
                    raise ValidationError("Seleccione el archivo CSV o XLSX a importar.")
                received = form.files[0]
                # the version of the catalog / units the page was drawn from
                expected = require_version(form.get("version"), "este catálogo" if
                                           target == "productos" else "las unidades médicas")
                # Above JOBS_IMPORT_BYTES the file is stored and imported by a job: its page
                # shows the progress, and the summary stays in «Mis descargas».
                started = await to_thread.run_sync(lambda: start_import_job(
                    request, job.start_if_large, job.uploads, job.kind, received,
                    {"institution": inst, "version": expected}))
                if started is not None:
                    flash(request, f"El archivo es grande: se importa como un trabajo "
                                   f"(«{started.description}»). Puede salir de esta página: el "
                                   "resumen quedará en «Mis descargas».", "info")
                    return redirect(f"/trabajos/{started.id}")
                summary = await to_thread.run_sync(run, received.path, received.original_name,
                                                   expected)
        except (ValidationError, FileTooLarge, PermissionDenied, StaleVersion) as refused:
            details = refused.details if isinstance(refused.details, (list, tuple)) else ()
            message = refused.message
            if isinstance(refused, StaleVersion):
                # a browser never keeps a chosen file: say so; show the state now current
                message += " Vuelva a seleccionar el archivo: no se importó nada."
                end_read_snapshot()
            return await to_thread.run_sync(lambda: self._page(
                request, queries, inst, refused.status, error=message,
                line_errors=tuple(details), target=target))
        label = "Catálogo de productos" if target == "productos" else "Unidades médicas"
        flash(request, f"{label} importado: {summary.message}", "success")
        return redirect(with_query("/excedentes/catalogos", institucion=inst.upper()))

    @get("/{inst:str}/exportar/{what:str}/{fmt:str}", sync_to_thread=True)
    def export(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
               export_catalog: Injected[ExportCatalog],
               export_units: Injected[ExportUnits], inst: FromPath[str],
               what: FromPath[str], fmt: FromPath[str]) -> Stream:
        if what not in ("productos", "unidades"):
            raise NotFound("El archivo solicitado no existe.")
        institution = _manager_institution(request, queries, inst)
        use_case = export_catalog if what == "productos" else export_units
        return export_catalog_file(request, use_case, institution.code, what, fmt)
