"""The JSON API of the sanece context (``/api/sanece``): the same operations as the pages,
returning the application's attrs views (documented in /schema/openapi.json), with JSON
bodies structured by cattrs (``entrypoints.http.bodies``) and change requests filed as
multipart forms (the pages' field names, attachments as file parts after the CSRF token).

Errors are problem details: a foreign or missing folio, patient, request or attachment is 404
with the same body; a broken rule is 422 (with ``errors`` when several rules broke, e.g. the
extraction window); a target that changed since filing is 409.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Any, TypeVar

import attrs
from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from entrypoints.http.bodies import json_body
from entrypoints.http.forms import fields_into, search_term
from entrypoints.http.sanece.common import (
    actor_of,
    admin_guard,
    attachment_download,
    director_guard,
    evaluator_guard,
    extraction_xlsx,
    file_request,
    folio_pdf,
    reviewer_guard,
    san,
    sanece_guard,
    scope_of,
)
from entrypoints.http.sanece.forms import (
    ExpiryChangeForm,
    MergeForm,
    PatientDataForm,
    RequirementChangeForm,
    UnitChangeForm,
)
from entrypoints.http.streams import PDF, XLSX
from entrypoints.http.uploads import UPLOAD_ROUTE
from sanece.application.access import PATIENT_NOT_FOUND
from sanece.application.use_cases.documents import ExtractionCommand
from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.feedback import FeedbackCommand
from sanece.application.use_cases.review import ApproveCommand, RejectCommand
from sanece.application.views import (
    Decision,
    EvaluationResult,
    ExtractionForm,
    FeedbackRow,
    FilingCheck,
    FolioDetail,
    FolioRow,
    MedicineView,
    MergePreviewView,
    NssSearch,
    OoadView,
    PatientHistory,
    PatientRow,
    RequestDetail,
    RequestFiled,
    RequestRow,
    UndoneMerge,
    UnitView,
)
from sanece.domain.values import ExpiryChangeKind, RequestStatus, RequestType
from shared.kernel.errors import NotFound, ValidationError
from shared.kernel.pagination import Page, PageRequest

E = TypeVar("E", bound=enum.Enum)
PageNo = Annotated[int, QueryParameter(ge=1, description="Página (1 = la primera)")]
PageSize = Annotated[int, QueryParameter(ge=1, le=500, description="Registros por página")]
Search = Annotated[str, QueryParameter(description="Buscar: folio, NSS, agregado o nombre")]
FOLIO_TYPE_REQUIRED = ("Indique el tipo de solicitud sobre el folio («type»: expiry_change, "
                       "unit_change o requirement_change).")
MULTIPART = ("Formulario multipart/form-data: el campo csrf_token (o el encabezado "
             "X-CSRF-Token) antes de los archivos; adjuntos PDF o imagen, hasta 3.")


def _enum(cls: type[E], raw: str | None, what: str) -> E | None:
    """An enumeration value from a query parameter; a bad one is a Spanish 422."""
    if raw is None or raw == "":
        return None
    try:
        return cls(raw)
    except ValueError:
        options = ", ".join(str(m.value) for m in cls)  # type: ignore[attr-defined]
        raise ValidationError(f"«{what}» no es válido (use: {options}).",
                              log_message=f"bad {what}: {raw!r}") from None


# --------------------------------------------------------------------------- responses


@attrs.frozen
class FolioPageOut:
    items: list[FolioRow]
    total: int
    page: int
    size: int
    summary: str  # "Mostrando 1 a 10 de 30 registros"


@attrs.frozen
class PatientPageOut:
    items: list[PatientRow]
    total: int
    page: int
    size: int
    summary: str


@attrs.frozen
class ChangeRequestPageOut:
    items: list[RequestRow]
    total: int
    page: int
    size: int
    summary: str


@attrs.frozen
class FeedbackPageOut:
    items: list[FeedbackRow]
    total: int
    page: int
    size: int
    summary: str


@attrs.frozen
class FeedbackOut:
    id: int


def _page(cls: type, page: Page[Any]) -> Any:
    return cls(list(page.items), page.total, page.request.page, page.request.size, page.summary)


# --------------------------------------------------------------------------- bodies


@attrs.frozen
class ApproveBody:
    """Validado: ``new_expiry`` (Fecha final) is required for an ampliación;
    ``cancellation_date`` (fecha de baja) defaults to today for a baja."""

    new_expiry: date | None = None
    cancellation_date: date | None = None


@attrs.frozen
class RejectBody:
    """No Validado: the reason the director reads in "Revisar"."""

    reason: str


@attrs.frozen
class UndoMergeBody:
    """Deshacer homologación: why (required; audited)."""

    reason: str


@attrs.frozen
class EvaluationBody:
    """S14: ``status`` validated (periodo, claves, requerimiento) or not_validated
    (observaciones)."""

    status: str
    period_months: int | None = None
    key1: str | None = None
    quantity1: int | None = None
    key2: str | None = None
    quantity2: int | None = None
    requirement: str = ""
    observations: str | None = None


@attrs.frozen
class ExtractionBody:
    """S13: dates AAAA-MM-DD; ``unit_id`` only for central roles (a director extracts their
    unit); ``medicine_id`` and ``status`` empty = TODOS; ``mode`` by_folio or by_patient."""

    start: date
    end: date
    unit_id: int | None = None
    medicine_id: int | None = None
    status: str | None = None
    mode: str = "by_folio"


@attrs.frozen
class FeedbackBody:
    """S15: ``kind`` comment, improvement or failure."""

    text: str
    kind: str = "comment"


# --------------------------------------------------------------------------- the API


class SaneceApi(Controller):
    path = "/api/sanece"
    guards = [sanece_guard]
    tags = ["SAnECE"]

    # ------------------------------------------------------------------ organisation

    @get("/ooads", sync_to_thread=True, summary="OOAD/UMAE (destinos de un cambio de unidad)")
    def ooads(self, request: Request[Any, Any, Any]) -> list[OoadView]:
        return san(request).queries().ooads(scope_of(request))

    @get("/ooads/{ooad_id:int}/units", sync_to_thread=True,
         summary="Unidades médicas de una OOAD/UMAE")
    def units(self, request: Request[Any, Any, Any], ooad_id: FromPath[int]) -> list[UnitView]:
        return san(request).queries().units(scope_of(request), ooad_id)

    @get("/medicines", sync_to_thread=True, summary="Genéricos con sus claves")
    def medicines(self, request: Request[Any, Any, Any]) -> list[MedicineView]:
        return san(request).queries().medicines(scope_of(request))

    # ------------------------------------------------------------------ S2–S5

    @get("/folios", sync_to_thread=True,
         summary="Inicio: estatus de últimos folios registrados en la unidad")
    def folios(self, request: Request[Any, Any, Any], q: Search = "", page: PageNo = 1,
               size: PageSize = 10,
               unit_id: Annotated[int | None, QueryParameter(
                   description="Unidad médica (solo roles centrales)")] = None) -> FolioPageOut:
        result = san(request).queries().latest_folios(scope_of(request),
                                                      PageRequest(page, size, search_term(q)),
                                                      unit_id)
        return _page(FolioPageOut, result)

    @get("/folios/{number:str}", sync_to_thread=True, summary="Consultar folio (11 dígitos)")
    def folio(self, request: Request[Any, Any, Any], number: FromPath[str]) -> FolioDetail:
        return san(request).queries().folio(scope_of(request), number)

    @get("/folios/{number:str}/pdf", sync_to_thread=True, media_type=PDF,
         summary="Formato de respuesta del folio (PDF con los datos actuales)")
    def folio_pdf(self, request: Request[Any, Any, Any], number: FromPath[str]) -> Stream:
        return folio_pdf(request, number)

    @get("/patients", sync_to_thread=True, summary="Pacientes con solicitudes recientes")
    def patients(self, request: Request[Any, Any, Any], q: Search = "", page: PageNo = 1,
                 size: PageSize = 10) -> PatientPageOut:
        result = san(request).queries().recent_patients(
            scope_of(request), PageRequest(page, size, search_term(q)))
        return _page(PatientPageOut, result)

    @get("/patients/{patient_id:int}", sync_to_thread=True,
         summary="Historial de evaluaciones de un paciente")
    def history(self, request: Request[Any, Any, Any],
                patient_id: FromPath[int]) -> PatientHistory:
        return san(request).queries().patient_history(scope_of(request), patient_id)

    @get("/nss/{nss:str}", sync_to_thread=True,
         summary="Buscar registros por NSS (cambio de datos y homologación)")
    def nss(self, request: Request[Any, Any, Any], nss: FromPath[str]) -> NssSearch:
        return san(request).queries().search_nss(scope_of(request), nss)

    @get("/nss/{nss:str}/merge-preview", sync_to_thread=True,
         summary="Vista previa de una homologación: ambos registros y los folios a mover")
    def merge_preview(self, request: Request[Any, Any, Any], nss: FromPath[str],
                      record: Annotated[int, QueryParameter(description="Registro a homologar")],
                      correct: Annotated[int, QueryParameter(description="Registro correcto")]
                      ) -> MergePreviewView:
        queries = san(request).queries()
        found = {r.id for r in queries.search_nss(scope_of(request), nss).records}
        if record not in found or correct not in found:
            raise NotFound(PATIENT_NOT_FOUND)
        return queries.merge_preview(scope_of(request), record, correct)

    # ------------------------------------------------------------------ S7–S11 filing

    @post("/patients/{patient_id:int}/patient-data-requests", status_code=201,
          guards=[director_guard], summary="Solicitar cambio de datos de paciente",
          description=MULTIPART + " Campos: nss, aggregate, paternal_surname, "
          "maternal_surname, given_names (los enviados se cambian); la vigencia como archivo.",
          **UPLOAD_ROUTE)
    async def file_patient_data(self, request: Request[Any, Any, Any],
                                patient_id: FromPath[int]) -> RequestFiled:
        queries = san(request).queries()
        patient = await to_thread.run_sync(queries.patient, scope_of(request), patient_id)
        return await file_request(
            request, san(request).file_patient_data_change(),
            lambda f: PatientDataForm.submitted(f).command(patient, f.files))

    @post("/nss/{nss:str}/merge-requests", status_code=201, guards=[director_guard],
          summary="Solicitar homologación de registros",
          description=MULTIPART + " Campos choice_<id del registro> = correct | merge | "
          "not_applicable; la vigencia como archivo.", **UPLOAD_ROUTE)
    async def file_merge(self, request: Request[Any, Any, Any],
                         nss: FromPath[str]) -> RequestFiled:
        queries = san(request).queries()
        search = await to_thread.run_sync(queries.search_nss, scope_of(request), nss)
        if not search.records:
            raise NotFound(PATIENT_NOT_FOUND)
        return await file_request(request, san(request).file_merge(),
                                  lambda f: MergeForm.submitted(f).command(search.nss, f.files))

    @post("/folios/{number:str}/expiry-change-requests", status_code=201,
          guards=[director_guard], summary="Solicitar baja de folio o ampliación de fecha de "
          "vencimiento", description=MULTIPART + " Campos: kind (cancellation | extension), "
          "motive, detail.", **UPLOAD_ROUTE)
    async def file_expiry(self, request: Request[Any, Any, Any],
                          number: FromPath[str]) -> RequestFiled:
        await self._visible(request, number)
        return await file_request(request, san(request).file_expiry_change(),
                                  lambda f: fields_into(ExpiryChangeForm, f.fields).command(
                                      number, f.files))

    @post("/folios/{number:str}/unit-change-requests", status_code=201,
          guards=[director_guard], summary="Solicitar cambio de unidad médica",
          description=MULTIPART + " Campos: motive, detail, destination_ooad_id, "
          "destination_unit_id.", **UPLOAD_ROUTE)
    async def file_unit(self, request: Request[Any, Any, Any],
                        number: FromPath[str]) -> RequestFiled:
        await self._visible(request, number)
        return await file_request(request, san(request).file_unit_change(),
                                  lambda f: fields_into(UnitChangeForm, f.fields).command(
                                      number, f.files))

    @post("/folios/{number:str}/requirement-change-requests", status_code=201,
          guards=[director_guard], summary="Solicitar cambio de requerimiento",
          description=MULTIPART + " Campos: key1, quantity1, key2, quantity2 (opcionales), "
          "requirement, motive, detail.", **UPLOAD_ROUTE)
    async def file_requirement(self, request: Request[Any, Any, Any],
                               number: FromPath[str]) -> RequestFiled:
        await self._visible(request, number)
        return await file_request(request, san(request).file_requirement_change(),
                                  lambda f: fields_into(RequirementChangeForm, f.fields).command(
                                      number, f.files))

    @get("/folios/{number:str}/filing-check", sync_to_thread=True, guards=[director_guard],
         summary="¿Se puede solicitar este cambio sobre el folio? (las mismas reglas que al "
         "registrar la solicitud)")
    def folio_filing_check(self, request: Request[Any, Any, Any], number: FromPath[str],
                           type: Annotated[str, QueryParameter(
                               description="expiry_change | unit_change | requirement_change")],
                           kind: Annotated[str | None, QueryParameter(
                               description="extension | cancellation (expiry_change)")] = None
                           ) -> FilingCheck:
        request_type = _enum(RequestType, type, "type")
        if request_type is None or request_type.targets_patient:
            raise ValidationError(FOLIO_TYPE_REQUIRED, log_message=f"filing check type {type!r}")
        return san(request).check_filing().folio(actor_of(request), number, request_type,
                                                 _enum(ExpiryChangeKind, kind, "kind"))

    @get("/patients/{patient_id:int}/filing-check", sync_to_thread=True,
         guards=[director_guard],
         summary="¿Se puede solicitar un cambio de datos del paciente? (las mismas reglas que "
         "al registrar la solicitud)")
    def patient_filing_check(self, request: Request[Any, Any, Any],
                             patient_id: FromPath[int]) -> FilingCheck:
        return san(request).check_filing().patient_data(actor_of(request), patient_id)

    async def _visible(self, request: Request[Any, Any, Any], number: str) -> None:
        """The folio must be visible before a byte of the upload is read."""
        await to_thread.run_sync(san(request).queries().folio, scope_of(request), number)

    # ------------------------------------------------------------------ requests

    @get("/requests", sync_to_thread=True,
         summary="Solicitudes realizadas de un tipo (las de la unidad del director)")
    def requests(self, request: Request[Any, Any, Any],
                 type: Annotated[str, QueryParameter(
                     description="patient_data | merge | expiry_change | unit_change | "
                                 "requirement_change")],
                 kind: Annotated[str | None, QueryParameter(
                     description="extension | cancellation")] = None,
                 status: Annotated[str | None, QueryParameter(
                     description="pending | approved | rejected")] = None,
                 q: Search = "", page: PageNo = 1, size: PageSize = 10) -> ChangeRequestPageOut:
        request_type = _enum(RequestType, type, "type")
        if request_type is None:
            raise ValidationError("Indique el tipo de solicitud («type»).")
        result = san(request).queries().requests(
            scope_of(request), request_type, PageRequest(page, size, search_term(q)),
            kind=_enum(ExpiryChangeKind, kind, "kind"),
            status=_enum(RequestStatus, status, "status"))
        return _page(ChangeRequestPageOut, result)

    @get("/requests/{request_id:int}", sync_to_thread=True,
         summary="Revisar: una solicitud con su antes y después, adjuntos y motivo")
    def request_detail(self, request: Request[Any, Any, Any],
                       request_id: FromPath[int]) -> RequestDetail:
        return san(request).queries().request(scope_of(request), request_id)

    @get("/requests/{request_id:int}/attachments/{index:int}", sync_to_thread=True,
         summary="Descargar un adjunto de una solicitud (PDF o imagen)")
    def attachment(self, request: Request[Any, Any, Any], request_id: FromPath[int],
                   index: FromPath[int]) -> Stream:
        return attachment_download(request, request_id, index)

    @get("/review-queue", sync_to_thread=True, guards=[reviewer_guard],
         summary="Solicitudes en espera de todos los tipos (la más antigua primero)")
    def review_queue(self, request: Request[Any, Any, Any],
                     type: Annotated[str | None, QueryParameter()] = None,
                     kind: Annotated[str | None, QueryParameter()] = None,
                     ooad_id: Annotated[int | None, QueryParameter()] = None,
                     min_age_days: Annotated[int | None, QueryParameter(ge=0)] = None,
                     status: Annotated[str, QueryParameter(
                         description="pending | approved | rejected | all")] = "pending",
                     q: Search = "", page: PageNo = 1, size: PageSize = 25) -> ChangeRequestPageOut:
        result = san(request).queries().review_queue(
            scope_of(request), PageRequest(page, size, search_term(q)),
            request_type=_enum(RequestType, type, "type"),
            kind=_enum(ExpiryChangeKind, kind, "kind"), ooad_id=ooad_id,
            min_age_days=min_age_days,
            status=None if status == "all" else _enum(RequestStatus, status, "status"))
        return _page(ChangeRequestPageOut, result)

    @post("/requests/{request_id:int}/approve", sync_to_thread=True, status_code=200,
          guards=[reviewer_guard], summary="Validado: aplicar el cambio",
          **json_body(ApproveBody))
    def approve(self, request: Request[Any, Any, Any], request_id: FromPath[int],
                data: JSONBody[ApproveBody]) -> Decision:
        return san(request).approve_request()(actor_of(request), ApproveCommand(
            request_id, data.new_expiry, data.cancellation_date))

    @post("/requests/{request_id:int}/reject", sync_to_thread=True, status_code=200,
          guards=[reviewer_guard], summary="No Validado, con el motivo", **json_body(RejectBody))
    def reject(self, request: Request[Any, Any, Any], request_id: FromPath[int],
               data: JSONBody[RejectBody]) -> Decision:
        return san(request).reject_request()(actor_of(request),
                                             RejectCommand(request_id, data.reason))

    @get("/merges", sync_to_thread=True, guards=[admin_guard],
         summary="Homologaciones validadas, con los folios que trasladó cada una")
    def merges(self, request: Request[Any, Any, Any], q: Search = "", page: PageNo = 1,
               size: PageSize = 25) -> ChangeRequestPageOut:
        return _page(ChangeRequestPageOut, san(request).queries().merges(
            scope_of(request), PageRequest(page, size, search_term(q))))

    @post("/merges/{request_id:int}/undo", sync_to_thread=True, status_code=200,
          guards=[admin_guard], summary="Deshacer una homologación validada por error",
          **json_body(UndoMergeBody))
    def undo_merge(self, request: Request[Any, Any, Any], request_id: FromPath[int],
                   data: JSONBody[UndoMergeBody]) -> UndoneMerge:
        return san(request).undo_merge()(actor_of(request), request_id, data.reason)

    # ------------------------------------------------------------------ S14

    @get("/evaluations/pending", sync_to_thread=True, guards=[evaluator_guard],
         summary="Folios pendientes de evaluación (el más antiguo primero)")
    def pending(self, request: Request[Any, Any, Any],
                ooad_id: Annotated[int | None, QueryParameter()] = None,
                unit_id: Annotated[int | None, QueryParameter()] = None,
                q: Search = "", page: PageNo = 1, size: PageSize = 25) -> FolioPageOut:
        result = san(request).queries().pending_evaluations(
            scope_of(request), PageRequest(page, size, search_term(q)), ooad_id=ooad_id,
            unit_id=unit_id)
        return _page(FolioPageOut, result)

    @post("/folios/{number:str}/evaluation", sync_to_thread=True, status_code=200,
          guards=[evaluator_guard], summary="Registrar la evaluación de un folio Pendiente",
          **json_body(EvaluationBody))
    def evaluate(self, request: Request[Any, Any, Any], number: FromPath[str],
                 data: JSONBody[EvaluationBody]) -> EvaluationResult:
        return san(request).register_evaluation()(actor_of(request), EvaluationCommand(
            number, data.status, data.period_months, data.key1, data.quantity1, data.key2,
            data.quantity2, data.requirement, data.observations))

    # ------------------------------------------------------------------ S13, S15

    @get("/extraction", sync_to_thread=True,
         summary="Extracción de datos: fechas propuestas y listas de filtros")
    def extraction_form(self, request: Request[Any, Any, Any]) -> ExtractionForm:
        return san(request).queries().extraction_form(scope_of(request))

    @post("/extraction", sync_to_thread=True, status_code=200, media_type=XLSX,
          summary="Exportar a Excel (.xlsx) los folios de la unidad",
          **json_body(ExtractionBody))
    def extract(self, request: Request[Any, Any, Any],
                data: JSONBody[ExtractionBody]) -> Stream:
        return extraction_xlsx(request, ExtractionCommand(
            start=data.start, end=data.end, unit_id=data.unit_id, medicine_id=data.medicine_id,
            status=data.status or None, mode=data.mode))

    @post("/feedback", sync_to_thread=True, status_code=201,
          summary="Comentarios o sugerencias", **json_body(FeedbackBody))
    def feedback(self, request: Request[Any, Any, Any],
                 data: JSONBody[FeedbackBody]) -> FeedbackOut:
        return FeedbackOut(san(request).submit_feedback()(actor_of(request),
                                                          FeedbackCommand(data.text, data.kind)))

    @get("/feedback", sync_to_thread=True, guards=[admin_guard],
         summary="Comentarios o sugerencias recibidos (administración)")
    def feedback_list(self, request: Request[Any, Any, Any], page: PageNo = 1,
                      size: PageSize = 50) -> FeedbackPageOut:
        return _page(FeedbackPageOut, san(request).queries().feedback(
            scope_of(request), PageRequest(page, size)))
