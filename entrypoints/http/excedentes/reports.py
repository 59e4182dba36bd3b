"""Paso 8 (Preliminar and Versión Final PDFs) and Paso 9 (upload of the signed PDF, then
"Consultar/Modificar": download the current file, see earlier versions, replace it), plus the
entity's Excel export.

Downloads are always attachments; a foreign entity's file answers exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, MediaType, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Stream

from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.capture import ENTITY
from entrypoints.http.excedentes.common import (
    actor_of,
    entity_ref,
    exc_guard,
    path_urls,
    scope_of,
    step_number,
    stream_records,
    stream_report,
)
from entrypoints.http.excedentes.pages import render_entity
from entrypoints.http.forms import parse_int
from entrypoints.http.jobs import requester_of
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.streams import PDF, stream_open_file
from entrypoints.http.uploads import UPLOAD_ROUTE, ReceivedFile, receive_form
from excedentes.application.access import CAPTURE_DENIED, EntityRef
from excedentes.application.queries import ExcedentesQueries
from excedentes.application.results import SignedReportView
from excedentes.application.use_cases.exports import ExportRecords
from excedentes.application.use_cases.reports import (
    OpenSignedReport,
    PrintReport,
    UploadSignedCommand,
    UploadSignedReport,
)
from shared.jobs.application import StartIfLarge
from shared.kernel.errors import Conflict, PermissionDenied, ValidationError
from shared.storage.domain import FileTooLarge, UploadPolicy

NO_FILE = "Seleccione el archivo PDF firmado («Seleccionar archivo») antes de guardar."
SIGNED_FIELD = "archivo"


def signed_policy(overview: Any) -> UploadPolicy:
    """PDF only (sniffed), at most the institution's limit (100 MB; 150 MB for SS)."""
    return UploadPolicy.pdf_only(overview.institution.signed_pdf_max_bytes)


def stream_signed(request: Request[Any, Any, Any], use_case: OpenSignedReport, ref: EntityRef,
                year: int, version: int | None) -> Stream:
    download = use_case(actor_of(request), ref, year, version)
    return stream_open_file(download.stream, download.report.size, download.filename,
                            download.content_type)


async def receive_signed(request: Request[Any, Any, Any], queries: ExcedentesQueries,
                         use_case: UploadSignedReport, ref: EntityRef,
                         year: int) -> SignedReportView:
    """Scope first (nothing is read for a foreign entity nor for a mere reader), then the
    streamed upload under the institution's policy (size while reading, PDF by content), then
    the use case (the state rules, one transaction)."""
    ov = await to_thread.run_sync(queries.overview, scope_of(request), ref, year)
    if not ov.can_capture:  # a reader of the entity (coordinador) may not upload
        raise PermissionDenied(CAPTURE_DENIED)
    with await receive_form(request, signed_policy(ov), max_files=1) as form:
        files = form.files_for(SIGNED_FIELD) or form.files
        if not files:
            raise ValidationError(NO_FILE, code="file_missing")
        received: ReceivedFile = files[0]

        def store() -> SignedReportView:
            with received.open() as fh:
                return use_case(actor_of(request), UploadSignedCommand(
                    ref, year, fh, received.size, received.original_name,
                    received.content_type))

        return await to_thread.run_sync(store)


class ReportPages(Controller):
    path = "/excedentes"
    guards = [exc_guard]
    include_in_schema = False

    # ------------------------------------------------------------------ Paso 8

    @get(ENTITY + "/reportes", sync_to_thread=True)
    def reports(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
                inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Any:
        ref = entity_ref(inst, entity)
        ov = queries.overview(scope_of(request), ref, year)
        prints = queries.final_prints(scope_of(request), ref, year)
        return render_entity(request, "excedentes/paso8.html", ov, prints=prints)

    # The PDF's media type for the route; a refusal is a Template (text/html) and the redirect
    # to a job says text (a route's media type would apply to both otherwise).
    @get(ENTITY + "/reportes/preliminar", sync_to_thread=True, media_type=PDF)
    def preliminary(self, request: Request[Any, Any, Any],
                    print_report: Injected[PrintReport], queries: Injected[ExcedentesQueries],
                    start_if_large: Injected[StartIfLarge],
                    inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Any:
        return _report(request, print_report, queries, start_if_large,
                       entity_ref(inst, entity), year, final=False)

    @get(ENTITY + "/reportes/final", sync_to_thread=True, media_type=PDF)
    def final(self, request: Request[Any, Any, Any], print_report: Injected[PrintReport],
              queries: Injected[ExcedentesQueries], start_if_large: Injected[StartIfLarge],
              inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Any:
        return _report(request, print_report, queries, start_if_large,
                       entity_ref(inst, entity), year, final=True)

    # ------------------------------------------------------------------ Paso 9

    @get(ENTITY + "/firmado", sync_to_thread=True)
    def signed_page(self, request: Request[Any, Any, Any],
                    queries: Injected[ExcedentesQueries],
                    inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Any:
        return self._signed_page(request, queries, entity_ref(inst, entity), year)

    def _signed_page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries,
                     ref: EntityRef, year: int, status_code: int = 200,
                     error: str | None = None) -> Any:
        ov = queries.overview(scope_of(request), ref, year)
        versions = queries.signed_versions(scope_of(request), ref, year)
        # the server's decision (``allowed_actions``): an accepted report takes no upload
        can_upload = ov.allows("upload_signed")
        if ov.lock is not None and ov.lock.kind == "accepted":
            why = ov.lock.reason
        elif not ov.final_available:
            step = step_number(7, ov.institution.has_specialty_level)
            why = (f"El reporte firmado se sube después de finalizar el registro (Paso {step}) "
                   "e imprimir la Versión Final.")
        elif not ov.period.capture_open:
            why = ov.period.refusal
        else:
            why = None
        return render_entity(request, "excedentes/paso9.html", ov, status_code=status_code,
                             versions=versions, can_upload=can_upload, why_not=why,
                             error=error, field=SIGNED_FIELD)

    @post(ENTITY + "/firmado", **UPLOAD_ROUTE)
    async def upload(self, request: Request[Any, Any, Any],
                     queries: Injected[ExcedentesQueries],
                     upload_signed: Injected[UploadSignedReport], inst: FromPath[str],
                     entity: FromPath[str], year: FromPath[int]) -> Any:
        ref = entity_ref(inst, entity)
        try:
            stored = await receive_signed(request, queries, upload_signed, ref, year)
        except (ValidationError, Conflict, FileTooLarge) as refused:
            return await to_thread.run_sync(lambda: self._signed_page(
                request, queries, ref, year, refused.status, refused.message))
        flash(request, f"Reporte firmado guardado: «{stored.original_name}» (versión "
                       f"{stored.version}).", "success")
        return redirect(path_urls(ref, year).signed)

    @get(ENTITY + "/firmado/descargar", sync_to_thread=True)
    def download(self, request: Request[Any, Any, Any],
                 open_signed: Injected[OpenSignedReport],
                 inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Stream:
        version = parse_int(request.query_params.get("version"), "version", minimum=1)
        return stream_signed(request, open_signed, entity_ref(inst, entity), year, version)

    # ------------------------------------------------------------------ E14

    @get(ENTITY + "/exportar", sync_to_thread=True)
    def export(self, request: Request[Any, Any, Any],
               export_records: Injected[ExportRecords],
               inst: FromPath[str], entity: FromPath[str], year: FromPath[int]) -> Stream:
        ref = entity_ref(inst, entity)
        return stream_records(request, export_records, year, ref.institution_code,
                              ref.entity_code)


def _report(request: Request[Any, Any, Any], print_report: PrintReport,
            queries: ExcedentesQueries, start_if_large: StartIfLarge, ref: EntityRef, year: int,
            *, final: bool) -> Any:
    """Paso 8's PDF: at once, or above ``JOBS_REPORT_PDF_RECORDS`` records by a job (the
    job's start applies the same access and Paso 7 rules, and refuses at once)."""
    size = queries.overview(scope_of(request), ref, year).record_count
    job = start_if_large(requester_of(request), "report-pdf",
                         {"institution": ref.institution_code, "entity": ref.entity_code,
                          "period": year, "final": final}, size)
    if job is None:
        return stream_report(request, print_report, ref, year, final=final)
    flash(request, f"El reporte es grande ({size:,} registros): se prepara como un trabajo "
                   f"(«{job.description}»).", "info")
    return Redirect(path=f"/trabajos/{job.id}", status_code=303, media_type=MediaType.TEXT)
