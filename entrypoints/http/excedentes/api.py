"""The JSON API of the excedentes context (``/api/excedentes``): the same operations as the
pages, returning the application's attrs read-model rows (documented in /schema/openapi.json)
and taking bodies structured with cattrs (``bodies.py``).

Errors are problem details: a foreign or missing id is 404 (the same body), a refused grid is
422 with ``errors`` listing every row's field errors, locks and state conflicts are 409.

Optimistic concurrency: a GET of a resource two people can edit answers an ``ETag`` (its
version); a PUT/POST on it needs ``If-Match`` with that ETag (428 without it) and a version
someone else already replaced answers 412 with who saved it and when; nothing changes.
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from anyio import to_thread
from litestar import Controller, Request, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Response, Stream

from entrypoints.http.bodies import json_body as body
from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.bodies import (
    AnswerBody,
    CreatePeriodBody,
    FinalizeBody,
    ProductRequestBody,
    ReasonBody,
    SaveGridBody,
    WindowBody,
)
from entrypoints.http.excedentes.common import (
    actor_of,
    entity_ref,
    exc_guard,
    export_catalog_file,
    if_match,
    manager_guard,
    precondition,
    reauthenticate,
    scope_of,
    stream_records,
    stream_report,
    version_refusals,
)
from entrypoints.http.job_uploads import start_import_job, tabular_policy
from entrypoints.http.excedentes.reports import receive_signed, stream_signed
from entrypoints.http.forms import search_term
from entrypoints.http.jobs import JobOut
from entrypoints.http.uploads import UPLOAD_ROUTE, receive_form
from excedentes.application.queries import ExcedentesQueries
from excedentes.application.use_cases.capture import (
    AnswerStep2,
    AnswerStep2Command,
    FinalizeCommand,
    FinalizeReport,
    SaveGrid,
    SaveGridCommand,
)
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
from excedentes.application.use_cases.exports import ExportRecords
from excedentes.application.use_cases.product_requests import (
    AcceptProductRequest,
    FileProductRequest,
    FileProductRequestCommand,
    RejectProductRequest,
)
from excedentes.application.use_cases.reports import (
    OpenSignedReport,
    PrintReport,
    UploadSignedReport,
)
from excedentes.application.results import (
    AnswerResult,
    CatalogStateView,
    CatalogTree,
    DashboardView,
    EntityOverview,
    FinalizeResult,
    FinalPrintView,
    GridView,
    GroupListing,
    ImportSummary,
    InstitutionView,
    PeriodView,
    ProductRequestView,
    ReopenResult,
    SignedReportView,
    SpecialtyListing,
    UnitListing,
)
from excedentes.domain.errors import GridInvalid
from excedentes.domain.grid import GridRow
from excedentes.domain.versions import VERSION_MISSING, VersionStamp, version_required
from shared.identity.application import IdentityService
from shared.jobs.application import StartIfLarge
from shared.jobs.uploads import JobUploads
from shared.kernel.errors import ValidationError
from shared.kernel.pagination import PageRequest

ENTITY = "/entities/{inst:str}/{entity:str}/{year:int}"
# what an ETag of ``overview`` versions (answer, finalize, reopen)
REPORT_WHAT = "la entidad (GET de la entidad en el periodo)"
GROUP = ENTITY + "/units/{clues:str}/groups/{group_id:int}"


# --------------------------------------------------------------------------- responses


@attrs.frozen
class SaveGridOut:
    """Paso 6 saved (a refusal is a 422 problem whose ``errors`` list every field error)."""

    saved: bool
    summary: str
    added: int
    removed: int
    version: int  # the grid's new version (also the response's ETag)


@attrs.frozen
class GridFieldErrorOut:
    row: int  # 1-based position in the submitted ``rows``
    product_id: int
    field: str  # shortage_outpatient, cause, monthly_patients, …
    label: str  # "Faltante Ambulatoria", "Causa", …
    message: str


@attrs.frozen
class PeriodChangeOut:
    period: PeriodView
    changed: bool


@attrs.frozen
class RequestOutcomeOut:
    id: int
    status: str
    status_label: str
    product_id: int | None


@attrs.frozen
class RequestPageOut:
    items: list[ProductRequestView]
    total: int
    page: int
    size: int
    summary: str


@attrs.frozen
class ImportOut:
    created: int
    updated: int
    unchanged: int
    total: int
    message: str

    @classmethod
    def of(cls, s: ImportSummary) -> "ImportOut":
        return cls(s.created, s.updated, s.unchanged, s.total, s.message)


PERIOD_WHAT = "el periodo (GET /institutions/{inst}/periods/{year})"
CATALOG_WHAT = "el catálogo (GET /institutions/{inst}/catalog/version)"
UNITS_WHAT = "las unidades médicas (GET /institutions/{inst}/units/version)"
REQUEST_WHAT = "la solicitud (GET /product-requests/{id})"


def _period_change(request: Request[Any, Any, Any], change: Any) -> Response[PeriodChangeOut]:
    """Run a period change with the ``If-Match`` version; answer its new ETag."""
    with version_refusals(PERIOD_WHAT):
        done = change(if_match(request, PERIOD_WHAT))
    return Response(PeriodChangeOut(done.period, done.changed),
                    headers={"ETag": done.period.version.etag})


def _outcome(o: Any) -> RequestOutcomeOut:
    return RequestOutcomeOut(o.id, o.status.value, o.status_label, o.product_id)


# --------------------------------------------------------------------------- entity


class EntityApi(Controller):
    path = "/api/excedentes"
    guards = [exc_guard]
    tags = ["Excedentes y Faltantes"]

    @get(ENTITY, sync_to_thread=True, summary="Estado de una entidad en un periodo (Pasos 2, 7–9)")
    def overview(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
                 inst: FromPath[str],
                 entity: FromPath[str], year: FromPath[int]) -> Response[EntityOverview]:
        ov = queries.overview(scope_of(request), entity_ref(inst, entity), year)
        # the report's version: send it back in If-Match to answer, finalize or reopen
        return Response(ov, headers={"ETag": ov.version.etag})

    @put(ENTITY + "/answer", sync_to_thread=True, summary="Paso 2: responder SI / NO",
         **body(AnswerBody))
    def answer(self, request: Request[Any, Any, Any], answer_step2: Injected[AnswerStep2],
               inst: FromPath[str],
               entity: FromPath[str], year: FromPath[int],
               data: JSONBody[AnswerBody]) -> AnswerResult:
        expected = if_match(request, REPORT_WHAT)
        with version_refusals(REPORT_WHAT):
            return answer_step2(actor_of(request), AnswerStep2Command(
                entity_ref(inst, entity), year, data.answer, expected_version=expected))

    @get(ENTITY + "/units", sync_to_thread=True, summary="Paso 3: unidades médicas")
    def units(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
              inst: FromPath[str], entity: FromPath[str],
              year: FromPath[int], q: Annotated[str, QueryParameter()] = "",
              page: Annotated[int, QueryParameter(ge=1)] = 1,
              size: Annotated[int, QueryParameter(ge=1, le=500)] = 25) -> UnitListing:
        return queries.units(scope_of(request), entity_ref(inst, entity), year,
                             PageRequest(page, size, search_term(q)))

    @get(ENTITY + "/units/{clues:str}/groups", sync_to_thread=True,
         summary="Paso 4: grupos de servicio de una unidad")
    def groups(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
               inst: FromPath[str],
               entity: FromPath[str], year: FromPath[int],
               clues: FromPath[str]) -> GroupListing:
        return queries.service_groups(scope_of(request),
                                      entity_ref(inst, entity), year, clues)

    @get(GROUP + "/specialties", sync_to_thread=True,
         summary="Paso 5: especialidades troncales de un grupo")
    def specialties(self, request: Request[Any, Any, Any],
                    queries: Injected[ExcedentesQueries],
                    inst: FromPath[str],
                    entity: FromPath[str], year: FromPath[int], clues: FromPath[str],
                    group_id: FromPath[int]) -> SpecialtyListing:
        return queries.specialties(scope_of(request), entity_ref(inst, entity),
                                   year, clues, group_id)

    @get(GROUP + "/grid", sync_to_thread=True, summary="Paso 6: la tabla de productos")
    def grid(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
             inst: FromPath[str],
             entity: FromPath[str],
             year: FromPath[int], clues: FromPath[str], group_id: FromPath[int],
             specialty_id: Annotated[int | None, QueryParameter()] = None,
             q: Annotated[str, QueryParameter()] = "") -> Response[GridView]:
        view = queries.grid(scope_of(request), entity_ref(inst, entity), year,
                            clues, group_id, specialty_id, search_term(q))
        # the version of this unit's grid: PUT it back in If-Match
        return Response(view, headers={"ETag": view.version.etag})

    @put(GROUP + "/grid", sync_to_thread=True,
         summary="Paso 6: guardar (todo o nada; If-Match con la ETag del GET)",
         **body(SaveGridBody))
    def save_grid(self, request: Request[Any, Any, Any], save_grid: Injected[SaveGrid],
                  inst: FromPath[str],
                  entity: FromPath[str], year: FromPath[int], clues: FromPath[str],
                  group_id: FromPath[int],
                  data: JSONBody[SaveGridBody]) -> Response[SaveGridOut]:
        expected = if_match(request, "la tabla del Paso 6")
        rows = [GridRow(r.product_id, r.shortage_outpatient, r.shortage_inpatient, r.cause,
                        r.surplus_outpatient, r.surplus_inpatient, r.monthly_patients)
                for r in data.rows]
        with version_refusals("la tabla del Paso 6"):
            result = save_grid(actor_of(request), SaveGridCommand(
                entity_ref(inst, entity), year, clues, group_id, data.specialty_id, rows,
                expected_version=expected,
                comments={r.product_id: r.comment for r in data.rows if r.comment is not None}))
        if not result.saved:
            raise GridInvalid(result.summary, details=[attrs.asdict(GridFieldErrorOut(
                e.row_number, e.product_id, e.field.value, e.field.label, e.message))
                for e in result.errors])
        return Response(SaveGridOut(True, result.summary, result.added, result.removed,
                                    result.version),
                        headers={"ETag": VersionStamp(result.version).etag})

    @post(ENTITY + "/finalize", sync_to_thread=True, status_code=200,
          summary="Paso 7: finalizar con la contraseña del usuario", **body(FinalizeBody))
    def finalize(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
                 finalize: Injected[FinalizeReport],
                 identity: Injected[IdentityService], inst: FromPath[str],
                 entity: FromPath[str], year: FromPath[int],
                 data: JSONBody[FinalizeBody]) -> FinalizeResult:
        ref = entity_ref(inst, entity)
        queries.overview(scope_of(request), ref, year)  # NotFound first
        confirmed = reauthenticate(request, identity, data.password)
        with version_refusals(REPORT_WHAT):
            return finalize(actor_of(request), FinalizeCommand(
                ref, year, confirmed, expected_version=if_match(request, REPORT_WHAT)))

    @get(ENTITY + "/reports/preliminary", sync_to_thread=True,
         summary="Paso 8: reporte Preliminar (PDF, Sin Validez Oficial)",
         media_type="application/pdf")
    def preliminary(self, request: Request[Any, Any, Any],
                    print_report: Injected[PrintReport],
                    inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Stream:
        return stream_report(request, print_report, entity_ref(inst, entity), year,
                             final=False)

    @get(ENTITY + "/reports/final", sync_to_thread=True,
         summary="Paso 8: reporte Versión Final (PDF para firmas)", media_type="application/pdf")
    def final(self, request: Request[Any, Any, Any], print_report: Injected[PrintReport],
              inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Stream:
        return stream_report(request, print_report, entity_ref(inst, entity), year,
                             final=True)

    @get(ENTITY + "/reports/final/prints", sync_to_thread=True,
         summary="Versiones finales impresas (folio y huella)")
    def prints(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
               inst: FromPath[str], entity: FromPath[str],
               year: FromPath[int]) -> list[FinalPrintView]:
        return queries.final_prints(scope_of(request), entity_ref(inst, entity), year)

    @get(ENTITY + "/signed", sync_to_thread=True,
         summary="Paso 9: versiones del reporte firmado (la actual y las anteriores)")
    def signed_versions(self, request: Request[Any, Any, Any],
                        queries: Injected[ExcedentesQueries],
                        inst: FromPath[str], entity: FromPath[str],
                        year: FromPath[int]) -> list[SignedReportView]:
        return queries.signed_versions(scope_of(request), entity_ref(inst, entity), year)

    @post(ENTITY + "/signed", summary="Paso 9: subir el reporte firmado (multipart, campo "
                                      "«archivo», token CSRF antes del archivo)", **UPLOAD_ROUTE)
    async def upload_signed(self, request: Request[Any, Any, Any],
                            queries: Injected[ExcedentesQueries],
                            upload_signed: Injected[UploadSignedReport], inst: FromPath[str],
                            entity: FromPath[str], year: FromPath[int]) -> SignedReportView:
        return await receive_signed(request, queries, upload_signed, entity_ref(inst, entity),
                                    year)

    @get(ENTITY + "/signed/current", sync_to_thread=True, media_type="application/pdf",
         summary="Paso 9: descargar el reporte firmado vigente")
    def signed_current(self, request: Request[Any, Any, Any],
                       open_signed: Injected[OpenSignedReport],
                       inst: FromPath[str], entity: FromPath[str],
                       year: FromPath[int]) -> Stream:
        return stream_signed(request, open_signed, entity_ref(inst, entity), year, None)

    @get(ENTITY + "/signed/{version:int}", sync_to_thread=True, media_type="application/pdf",
         summary="Paso 9: descargar una versión del reporte firmado")
    def signed_version(self, request: Request[Any, Any, Any],
                       open_signed: Injected[OpenSignedReport],
                       inst: FromPath[str], entity: FromPath[str], year: FromPath[int],
                       version: FromPath[int]) -> Stream:
        return stream_signed(request, open_signed, entity_ref(inst, entity), year, version)

    @post(ENTITY + "/reopen", sync_to_thread=True, status_code=200,
          summary="Apertura: regresar la entidad a no finalizada (coordinador)",
          **body(ReasonBody))
    def reopen(self, request: Request[Any, Any, Any], reopen: Injected[ReopenEntity],
               inst: FromPath[str],
               entity: FromPath[str], year: FromPath[int],
               data: JSONBody[ReasonBody]) -> ReopenResult:
        with version_refusals(REPORT_WHAT):
            return reopen(actor_of(request), ReopenCommand(
                entity_ref(inst, entity), year, data.reason,
                expected_version=if_match(request, REPORT_WHAT)))

    @get(ENTITY + "/records", sync_to_thread=True,
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         summary="Excel de los registros de la entidad")
    def export(self, request: Request[Any, Any, Any],
               export_records: Injected[ExportRecords],
               inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Stream:
        ref = entity_ref(inst, entity)
        return stream_records(request, export_records, year, ref.institution_code,
                              ref.entity_code)

    @post(ENTITY + "/product-requests", sync_to_thread=True,
          summary="Solicitar producto (desde el Paso 6)", **body(ProductRequestBody))
    def file_request(self, request: Request[Any, Any, Any],
                     file_product_request: Injected[FileProductRequest], inst: FromPath[str],
                     entity: FromPath[str], year: FromPath[int],
                     data: JSONBody[ProductRequestBody]) -> RequestOutcomeOut:
        return _outcome(file_product_request(
            actor_of(request), FileProductRequestCommand(
                entity_ref(inst, entity), data.group_id, data.specialty_id, data.product_name,
                data.unit_of_measure, data.justification)))


# --------------------------------------------------------------------------- institution


LARGE_IMPORT = ("Un archivo de más de `JOBS_IMPORT_BYTES` bytes se guarda y se importa como un "
                "trabajo: la respuesta es 202 con `Location: /api/jobs/{id}` (su estado, avance "
                "y, al terminar, el resumen en `result_url`).")
LARGE_IMPORT_RESPONSE = ResponseSpec(data_container=JobOut, description=(
    "Archivo grande: se importa como un trabajo (`Location: /api/jobs/{id}`)."))


class InstitutionApi(Controller):
    path = "/api/excedentes"
    guards = [exc_guard]
    tags = ["Excedentes y Faltantes"]

    @get("/institutions", sync_to_thread=True, summary="Instituciones visibles")
    def institutions(self, request: Request[Any, Any, Any],
                     queries: Injected[ExcedentesQueries]) -> list[InstitutionView]:
        return queries.institutions(scope_of(request))

    @get("/institutions/{inst:str}/dashboard/{year:int}", sync_to_thread=True,
         summary="Paso 1: tablero de control de la institución")
    def dashboard(self, request: Request[Any, Any, Any],
                  queries: Injected[ExcedentesQueries],
                  inst: FromPath[str],
                  year: FromPath[int]) -> DashboardView:
        return queries.dashboard(scope_of(request), inst, year)

    @get("/institutions/{inst:str}/periods", sync_to_thread=True,
         summary="Periodos de captura, el más reciente primero")
    def periods(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
                inst: FromPath[str]) -> list[PeriodView]:
        return queries.periods(scope_of(request), inst)

    @post("/institutions/{inst:str}/periods", sync_to_thread=True, guards=[manager_guard],
          summary="Crear el periodo de un año", **body(CreatePeriodBody))
    def create_period(self, request: Request[Any, Any, Any],
                      create_period: Injected[CreatePeriod],
                      inst: FromPath[str],
                      data: JSONBody[CreatePeriodBody]) -> PeriodView:
        return create_period(actor_of(request), CreatePeriodCommand(
            inst, data.year, data.is_open, data.window_start, data.window_end))

    @get("/institutions/{inst:str}/periods/{year:int}", sync_to_thread=True,
         summary="Un periodo de captura (su ETag se envía en If-Match para cambiarlo)")
    def period(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
               inst: FromPath[str],
               year: FromPath[int]) -> Response[PeriodView]:
        view = queries.period(scope_of(request), inst, year)
        return Response(view, headers={"ETag": view.version.etag})

    @post("/institutions/{inst:str}/periods/{year:int}/open", sync_to_thread=True,
          status_code=200, guards=[manager_guard], summary="Abrir la captura del periodo")
    def open_period(self, request: Request[Any, Any, Any], open_period: Injected[OpenPeriod],
                    inst: FromPath[str],
                    year: FromPath[int]) -> Response[PeriodChangeOut]:
        return _period_change(request, lambda expected: open_period(
            actor_of(request), PeriodCommand(inst, year, expected)))

    @post("/institutions/{inst:str}/periods/{year:int}/close", sync_to_thread=True,
          status_code=200, guards=[manager_guard], summary="Cerrar la captura del periodo")
    def close_period(self, request: Request[Any, Any, Any],
                     close_period: Injected[ClosePeriod],
                     inst: FromPath[str],
                     year: FromPath[int]) -> Response[PeriodChangeOut]:
        return _period_change(request, lambda expected: close_period(
            actor_of(request), PeriodCommand(inst, year, expected)))

    @put("/institutions/{inst:str}/periods/{year:int}/window", sync_to_thread=True,
         guards=[manager_guard], summary="Fechas de la captura", **body(WindowBody))
    def window(self, request: Request[Any, Any, Any],
               set_capture_window: Injected[SetCaptureWindow],
               inst: FromPath[str], year: FromPath[int],
               data: JSONBody[WindowBody]) -> Response[PeriodChangeOut]:
        return _period_change(request, lambda expected: set_capture_window(
            actor_of(request), CaptureWindowCommand(inst, year, data.window_start,
                                                    data.window_end, expected)))

    @get("/institutions/{inst:str}/records/{year:int}", sync_to_thread=True,
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         summary="Excel de los registros de la institución (coordinador)")
    def export(self, request: Request[Any, Any, Any],
               export_records: Injected[ExportRecords],
               inst: FromPath[str], year: FromPath[int]) -> Stream:
        return stream_records(request, export_records, year, inst.upper(), None)

    @get("/records/{year:int}", sync_to_thread=True, guards=[manager_guard],
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         summary="Excel nacional de los registros (administración)")
    def export_country(self, request: Request[Any, Any, Any],
                       export_records: Injected[ExportRecords],
                       year: FromPath[int]) -> Stream:
        return stream_records(request, export_records, year, None, None)

    @get("/institutions/{inst:str}/catalog/tree", sync_to_thread=True,
         summary="Servicio > Grupo > Especialidad del catálogo")
    def catalog_tree(self, request: Request[Any, Any, Any],
                     queries: Injected[ExcedentesQueries],
                     inst: FromPath[str]) -> CatalogTree:
        return queries.catalog_tree(scope_of(request), inst)

    @get("/institutions/{inst:str}/catalog", sync_to_thread=True, guards=[manager_guard],
         summary="Exportar el catálogo de productos (format=csv|xlsx)")
    def export_catalog(self, request: Request[Any, Any, Any],
                       export_catalog: Injected[ExportCatalog],
                       inst: FromPath[str],
                       format: Annotated[str, QueryParameter()] = "csv") -> Stream:
        return export_catalog_file(request, export_catalog, inst.upper(), "productos", format)

    @get("/institutions/{inst:str}/units", sync_to_thread=True, guards=[manager_guard],
         summary="Exportar las unidades médicas (format=csv|xlsx)")
    def export_units(self, request: Request[Any, Any, Any],
                     export_units: Injected[ExportUnits],
                     inst: FromPath[str],
                     format: Annotated[str, QueryParameter()] = "csv") -> Stream:
        return export_catalog_file(request, export_units, inst.upper(), "unidades", format)

    @get("/institutions/{inst:str}/catalog/version", sync_to_thread=True,
         guards=[manager_guard],
         summary="Versión del catálogo (su ETag se envía en If-Match para importarlo)")
    def catalog_version(self, request: Request[Any, Any, Any],
                        queries: Injected[ExcedentesQueries],
                        inst: FromPath[str]) -> Response[CatalogStateView]:
        view = queries.catalog_state(scope_of(request), inst)
        return Response(view, headers={"ETag": view.catalog.etag})

    @get("/institutions/{inst:str}/units/version", sync_to_thread=True,
         guards=[manager_guard],
         summary="Versión de las unidades médicas (su ETag se envía en If-Match al importar)")
    def units_version(self, request: Request[Any, Any, Any],
                      queries: Injected[ExcedentesQueries],
                      inst: FromPath[str]) -> Response[CatalogStateView]:
        view = queries.catalog_state(scope_of(request), inst)
        return Response(view, headers={"ETag": view.units.etag})

    @post("/institutions/{inst:str}/catalog", guards=[manager_guard], status_code=200,
          summary="Importar el catálogo (CSV/XLSX, todo o nada; If-Match con la ETag de "
                  "GET …/catalog/version)", description=LARGE_IMPORT,
          responses={202: LARGE_IMPORT_RESPONSE}, **UPLOAD_ROUTE)
    async def import_catalog(self, request: Request[Any, Any, Any],
                             import_catalog: Injected[ImportCatalog],
                             queries: Injected[ExcedentesQueries],
                             start_if_large: Injected[StartIfLarge],
                             job_uploads: Injected[JobUploads],
                             inst: FromPath[str]) -> Response[ImportOut]:
        # the institution must be visible before a byte of the file is read
        await to_thread.run_sync(queries.institution, scope_of(request), inst)
        expected = _import_version(request, CATALOG_WHAT)
        return await _import(request, CATALOG_WHAT, lambda path, name: import_catalog(
            actor_of(request), inst, path, name, expected_version=expected),
            ("catalog-import", {"institution": inst, "version": expected}),
            start_if_large, job_uploads)

    @post("/units", guards=[manager_guard], status_code=200,
          summary="Importar unidades médicas (CSV/XLSX, todo o nada; If-Match con la ETag de "
                  "GET /institutions/{institution}/units/version)", description=LARGE_IMPORT,
          responses={202: LARGE_IMPORT_RESPONSE}, **UPLOAD_ROUTE)
    async def import_units(self, request: Request[Any, Any, Any],
                           import_units: Injected[ImportUnits],
                           start_if_large: Injected[StartIfLarge],
                           job_uploads: Injected[JobUploads],
                           institution: Annotated[str | None, QueryParameter()] = None
                           ) -> Response[ImportOut]:
        """``institution``: whose units version ``If-Match`` names (a coordinador's own by
        default; an admin names it)."""
        expected = _import_version(request, UNITS_WHAT)
        return await _import(request, UNITS_WHAT, lambda path, name: import_units(
            actor_of(request), path, name, institution_code=institution,
            expected_version=expected),
            ("units-import", {"institution": institution, "version": expected}),
            start_if_large, job_uploads)


def _import_version(request: Request[Any, Any, Any], what: str) -> int:
    """The ``If-Match`` version of an import, refused (428/412) before the file is read."""
    expected = if_match(request, what)
    if expected == VERSION_MISSING:
        raise precondition(version_required(), what)
    return expected


async def _import(request: Request[Any, Any, Any], what: str, run: Any,
                  job: tuple[str, dict[str, Any]], start_if_large: StartIfLarge,
                  job_uploads: JobUploads) -> Response[Any]:
    with await receive_form(request, tabular_policy(request), max_files=1) as form:
        if not form.files:
            raise ValidationError("Adjunte el archivo CSV o XLSX a importar (campo «archivo»).")
        received = form.files[0]
        with version_refusals(what):
            # above JOBS_IMPORT_BYTES: stored, imported by a job (202 + Location)
            kind, params = job
            started = await to_thread.run_sync(lambda: start_import_job(
                request, start_if_large, job_uploads, kind, received, params))
            if started is not None:
                return Response(JobOut.of(started), status_code=202,
                                headers={"Location": f"/api/jobs/{started.id}"})
            summary = await to_thread.run_sync(run, received.path, received.original_name)
    return Response(ImportOut.of(summary))


# --------------------------------------------------------------------------- requests


class ProductRequestApi(Controller):
    path = "/api/excedentes/product-requests"
    guards = [exc_guard]
    tags = ["Excedentes y Faltantes"]

    @get("/", sync_to_thread=True, summary="Solicitudes de producto (según el ámbito)")
    def list_requests(self, request: Request[Any, Any, Any],
                      queries: Injected[ExcedentesQueries],
             institution: Annotated[str | None, QueryParameter()] = None,
             status: Annotated[str | None, QueryParameter()] = None,
             page: Annotated[int, QueryParameter(ge=1)] = 1,
             size: Annotated[int, QueryParameter(ge=1, le=500)] = 50) -> RequestPageOut:
        result = queries.product_requests(
            scope_of(request), institution, status=status, page=PageRequest(page, size))
        return RequestPageOut(list(result.items), result.total, result.request.page, size,
                              result.summary)

    @get("/{request_id:int}", sync_to_thread=True, summary="Una solicitud de producto")
    def one(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
            request_id: FromPath[int]) -> Response[ProductRequestView]:
        view = queries.product_request(scope_of(request), request_id)
        return Response(view, headers={"ETag": view.version.etag})  # If-Match to decide

    @post("/{request_id:int}/accept", sync_to_thread=True, status_code=200,
          guards=[manager_guard], summary="Aceptar: el producto se agrega al catálogo")
    def accept(self, request: Request[Any, Any, Any],
               accept_product_request: Injected[AcceptProductRequest],
               request_id: FromPath[int]) -> RequestOutcomeOut:
        with version_refusals(REQUEST_WHAT):
            return _outcome(accept_product_request(
                actor_of(request), request_id,
                expected_version=if_match(request, REQUEST_WHAT)))

    @post("/{request_id:int}/reject", sync_to_thread=True, status_code=200,
          guards=[manager_guard], summary="Rechazar con un motivo", **body(ReasonBody))
    def reject(self, request: Request[Any, Any, Any],
               reject_product_request: Injected[RejectProductRequest],
               request_id: FromPath[int],
               data: JSONBody[ReasonBody]) -> RequestOutcomeOut:
        with version_refusals(REQUEST_WHAT):
            return _outcome(reject_product_request(
                actor_of(request), request_id, data.reason,
                expected_version=if_match(request, REQUEST_WHAT)))

