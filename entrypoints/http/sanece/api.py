"""The JSON API of the sanece context (``/api/sanece``): the same operations as the pages,
returning the application's attrs views (documented in /schema/openapi.json), with JSON
bodies structured by cattrs (``entrypoints.http.bodies``) and change requests filed as
multipart forms (the pages' field names, attachments as file parts after the CSRF token).

Errors are problem details: a foreign or missing folio, patient, request or attachment is 404
with the same body; a broken rule is 422 (with ``errors`` when several rules broke, e.g. the
extraction window); a target that changed since filing is 409.

Optimistic concurrency: ``GET /folios/{number}`` and ``GET /patients/{id}`` answer an ``ETag``
(the record's version). Registering an evaluation and filing a change request on a folio or a
patient record need ``If-Match`` with that ETag: 428 without it, 412 (problem JSON naming who
changed the record and when, with its current values) when it is no longer current; nothing
changes then.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Any, TypeVar

import attrs
from anyio import to_thread
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from entrypoints.http.bodies import json_body
from entrypoints.http.dependencies import Injected
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
    generic_folio_type,
    reviewer_guard,
    sanece_guard,
    scope_of,
)
from entrypoints.http.sanece.forms import (
    ExpiryChangeForm,
    FolioRequestForm,
    MergeForm,
    PatientDataForm,
    RequirementChangeForm,
    UnitChangeForm,
)
from entrypoints.http.streams import PDF, XLSX
from entrypoints.http.uploads import UPLOAD_ROUTE
from sanece.application.access import PATIENT_NOT_FOUND
from sanece.application.concurrency import StaleVersion, parse_version
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.attachments import OpenAttachment
from sanece.application.use_cases.documents import (
    ExtractFolios,
    ExtractionCommand,
    PrintFolioResponse,
)
from sanece.application.use_cases.evaluation import EvaluationCommand, RegisterEvaluation
from sanece.application.use_cases.feedback import FeedbackCommand, SubmitFeedback
from sanece.application.use_cases.requests import (
    CheckFiling,
    FileExpiryChange,
    FileFolioRequest,
    FileMerge,
    FilePatientDataChange,
    FileRequirementChange,
    FileUnitChange,
)
from sanece.application.inputs import parse_modifications
from sanece.application.use_cases.decisions import (
    AddReason,
    AnswerCommand,
    AnswerRequest,
    BulkApprove,
    CancelCommand,
    CancelRequest,
    DisableReason,
    ExpireRequests,
    ListReasons,
    PendCommand,
    PendRequest,
)
from sanece.application.use_cases.review import (
    ApproveCommand,
    ApproveRequest,
    RejectCommand,
    RejectRequest,
    UndoMerge,
)
from sanece.application.results import (
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
    QueueStats,
    RequestDetail,
    RequestFiled,
    RequestRow,
    UndoneMerge,
    UnitView,
)
from sanece.domain.request_types import (
    REQUEST_TYPES,
    folio_request_types,
    request_type_of,
    subtype_codes,
)
from sanece.domain.values import ExpiryChangeKind, RequestStatus
from sanece.domain.request_types import RequestType
from shared.kernel.errors import DomainError, NotFound, ValidationError
from shared.kernel.pagination import Page, PageRequest

E = TypeVar("E", bound=enum.Enum)
# The request types' vocabulary, from the registry (the parameters' descriptions).
TYPE_CODES = " | ".join(t.code for t in REQUEST_TYPES)
FOLIO_TYPE_CODES = " | ".join(t.code for t in folio_request_types())
SUBTYPE_CODES = " | ".join(subtype_codes())
SUBTYPES_OF_FOLIO_TYPES = " ".join(
    f"{' | '.join(s.code for s in t.subtypes)} ({t.code})" for t in folio_request_types()
    if t.subtypes)
PageNo = Annotated[int, QueryParameter(ge=1, description="Página (1 = la primera)")]
PageSize = Annotated[int, QueryParameter(ge=1, le=500, description="Registros por página")]
FOLIO_TYPE_REQUIRED = ("Indique el tipo de solicitud sobre el folio («type»: expiry_change, "
                       "unit_change o requirement_change).")
MULTIPART = ("Formulario multipart/form-data: el campo csrf_token (o el encabezado "
             "X-CSRF-Token) antes de los archivos; adjuntos PDF o imagen, hasta 3.")
IF_MATCH = (" Requiere el encabezado If-Match con la ETag del GET del registro (428 sin él; "
            "412 si otro usuario lo modificó después).")
ETAG = [ResponseHeader(name="ETag", documentation_only=True,
                       description="Versión del registro: envíela en If-Match al modificarlo.")]


# HTTP preconditions of the API (If-Match): statuses of this entrypoint, not of the context.


class PreconditionRequired(DomainError):
    """The API changes a versioned resource only with ``If-Match`` (its ``ETag``)."""

    code = "precondition_required"
    status = 428

    def __init__(self) -> None:
        super().__init__("Envía el encabezado If-Match con la ETag que obtuviste al consultar "
                         "el registro; sin ella no se puede evitar sobrescribir el cambio de "
                         "otro usuario.", log_message="If-Match missing")


class PreconditionFailed(DomainError):
    """A stale ``If-Match``: the same body as ``StaleVersion``, as HTTP 412."""

    code = "stale_version"
    status = 412

    def __init__(self, stale: StaleVersion) -> None:
        super().__init__(stale.message, log_message=stale.log_message, details=stale.details)


def _etag(version: int) -> str:
    return f'"{int(version)}"'


def _if_match(request: Request[Any, Any, Any]) -> int:
    """The version the client changes (its ETag in ``If-Match``); 428 without one."""
    expected = parse_version(request.headers.get("if-match"))
    if expected is None:
        raise PreconditionRequired()
    return expected


def _versioned(call: Any) -> Any:
    """Run ``call``; a stale ``If-Match`` is 412 with the same problem body as a page's
    refusal (who changed the record, when, and its current values)."""
    try:
        return call()
    except StaleVersion as stale:
        raise PreconditionFailed(stale) from None


async def _versioned_async(call: Any) -> Any:
    try:
        return await call()
    except StaleVersion as stale:
        raise PreconditionFailed(stale) from None


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
    # Validado con modificación: field -> authorized value (key1, quantity1, key2, quantity2,
    # requirement; nss, aggregate, paternal_surname, maternal_surname, given_names)
    modifications: dict[str, str] | None = None


@attrs.frozen
class RejectBody:
    """No Validado: a code of the catalog of reasons and the text the director reads in
    "Revisar" (required with the code OTRO)."""

    reason: str | None = None
    reason_code: str = "OTRO"


@attrs.frozen
class PendBody:
    """Requiere información: a code of the catalog and what is missing."""

    reason_code: str
    missing: str


@attrs.frozen
class CancelBody:
    """Cancelada por la unidad: a code of the catalog and an optional note."""

    reason_code: str = "YA-NO-APLICA"
    note: str | None = None


@attrs.frozen
class BulkApproveBody:
    """Validado en lote (simple kinds: baja de folio)."""

    request_ids: list[int]


@attrs.frozen
class ReasonBody:
    code: str
    text: str


@attrs.frozen
class ReasonOut:
    code: str
    text: str
    active: bool


@attrs.frozen
class BulkApproveOut:
    approved: list[int]
    refused: list[list[str]]  # [request id, why]


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
class NssBody:
    """The NSS searched (10 digits), in the body so that no URL or log carries it."""

    nss: str


@attrs.frozen
class MergePreviewBody:
    """``record``: the record to homologate; ``correct``: the Correcto one (same NSS)."""

    record: int
    correct: int


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


@attrs.frozen
class SearchBody:
    """Buscar (folio, NSS, agregado o nombre) and the page: POSTed, because the text may be
    an NSS or a patient's name, which no URL (logs, proxies) may carry."""

    q: str = ""
    page: int = 1
    size: int = 10


@attrs.frozen
class FolioSearchBody(SearchBody):
    unit_id: int | None = None  # central roles: one unit


@attrs.frozen
class RequestSearchBody(SearchBody):
    type: str = ""  # a request type code (``TYPE_CODES``)
    kind: str | None = None  # its subtype, if it has them (``SUBTYPE_CODES``)
    status: str | None = None  # pending | approved | rejected


@attrs.frozen
class QueueSearchBody(SearchBody):
    size: int = 25
    type: str | None = None
    kind: str | None = None
    ooad_id: int | None = None
    min_age_days: int | None = None  # business days
    status: str = "pending"  # pending | info_requested | approved | rejected | cancelled | expired | all
    unit_id: int | None = None


@attrs.frozen
class PendingSearchBody(SearchBody):
    size: int = 25
    ooad_id: int | None = None
    unit_id: int | None = None


def _asked(body: SearchBody) -> PageRequest:
    return PageRequest(body.page, body.size, search_term(body.q))


def _folios(request: Request[Any, Any, Any], queries: SaneceQueries,
            body: FolioSearchBody) -> FolioPageOut:
    return _page(FolioPageOut, queries.latest_folios(
        scope_of(request), _asked(body), body.unit_id))


def _patients(request: Request[Any, Any, Any], queries: SaneceQueries,
              body: SearchBody) -> PatientPageOut:
    return _page(PatientPageOut, queries.recent_patients(
        scope_of(request), _asked(body)))


def _requests(request: Request[Any, Any, Any], queries: SaneceQueries,
              body: RequestSearchBody) -> ChangeRequestPageOut:
    request_type = _enum(RequestType, body.type, "type")
    if request_type is None:
        raise ValidationError("Indique el tipo de solicitud («type»).")
    return _page(ChangeRequestPageOut, queries.requests(
        scope_of(request), request_type, _asked(body),
        kind=_enum(ExpiryChangeKind, body.kind, "kind"),
        status=_enum(RequestStatus, body.status, "status")))


def _review_queue(request: Request[Any, Any, Any], queries: SaneceQueries,
                  body: QueueSearchBody) -> ChangeRequestPageOut:
    return _page(ChangeRequestPageOut, queries.review_queue(
        scope_of(request), _asked(body), request_type=_enum(RequestType, body.type, "type"),
        kind=_enum(ExpiryChangeKind, body.kind, "kind"), ooad_id=body.ooad_id,
        min_age_days=body.min_age_days, unit_id=body.unit_id,
        status=None if body.status == "all" else _enum(RequestStatus, body.status, "status")))


def _merges(request: Request[Any, Any, Any], queries: SaneceQueries,
            body: SearchBody) -> ChangeRequestPageOut:
    return _page(ChangeRequestPageOut, queries.merges(scope_of(request), _asked(body)))


def _pending(request: Request[Any, Any, Any], queries: SaneceQueries,
             body: PendingSearchBody) -> FolioPageOut:
    return _page(FolioPageOut, queries.pending_evaluations(
        scope_of(request), _asked(body), ooad_id=body.ooad_id, unit_id=body.unit_id))


# --------------------------------------------------------------------------- the API


class SaneceApi(Controller):
    path = "/api/sanece"
    guards = [sanece_guard]
    tags = ["SAnECE"]

    # ------------------------------------------------------------------ organisation

    @get("/ooads", sync_to_thread=True, summary="OOAD/UMAE (destinos de un cambio de unidad)")
    def ooads(self, request: Request[Any, Any, Any],
              queries: Injected[SaneceQueries]) -> list[OoadView]:
        return queries.ooads(scope_of(request))

    @get("/ooads/{ooad_id:int}/units", sync_to_thread=True,
         summary="Unidades médicas de una OOAD/UMAE")
    def units(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
              ooad_id: FromPath[int]) -> list[UnitView]:
        return queries.units(scope_of(request), ooad_id)

    @get("/medicines", sync_to_thread=True, summary="Genéricos con sus claves")
    def medicines(self, request: Request[Any, Any, Any],
                  queries: Injected[SaneceQueries]) -> list[MedicineView]:
        return queries.medicines(scope_of(request))

    # ------------------------------------------------------------------ S2–S5

    @get("/folios", sync_to_thread=True,
         summary="Inicio: estatus de últimos folios registrados en la unidad")
    def folios(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               page: PageNo = 1, size: PageSize = 10,
               unit_id: Annotated[int | None, QueryParameter(
                   description="Unidad médica (solo roles centrales)")] = None) -> FolioPageOut:
        return _folios(request, queries, FolioSearchBody(page=page, size=size, unit_id=unit_id))

    @post("/folios/search", sync_to_thread=True, status_code=200,
          summary="Inicio con Buscar (el texto va en el cuerpo: puede ser un NSS o un nombre)",
          **json_body(FolioSearchBody))
    def folio_search(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                     data: JSONBody[FolioSearchBody]) -> FolioPageOut:
        return _folios(request, queries, data)

    @get("/folios/{number:str}", sync_to_thread=True, summary="Consultar folio (11 dígitos)",
         response_headers=ETAG)
    def folio(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
              number: FromPath[str]) -> Response[FolioDetail]:
        detail = queries.folio(scope_of(request), number)
        return Response(detail, headers={"ETag": _etag(detail.version)})

    @get("/folios/{number:str}/pdf", sync_to_thread=True, media_type=PDF,
         summary="Formato de respuesta del folio (PDF con los datos actuales)")
    def folio_pdf(self, request: Request[Any, Any, Any],
                  print_response: Injected[PrintFolioResponse],
                  number: FromPath[str]) -> Stream:
        return folio_pdf(request, print_response, number)

    @get("/patients", sync_to_thread=True, summary="Pacientes con solicitudes recientes")
    def patients(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                 page: PageNo = 1, size: PageSize = 10) -> PatientPageOut:
        return _patients(request, queries, SearchBody(page=page, size=size))

    @post("/patients/search", sync_to_thread=True, status_code=200,
          summary="Pacientes con Buscar (el texto va en el cuerpo: puede ser un NSS o un "
          "nombre)", **json_body(SearchBody))
    def patient_search(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                       data: JSONBody[SearchBody]) -> PatientPageOut:
        return _patients(request, queries, data)

    @get("/patients/{patient_id:int}", sync_to_thread=True,
         summary="Historial de evaluaciones de un paciente", response_headers=ETAG)
    def history(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                patient_id: FromPath[int]) -> Response[PatientHistory]:
        history = queries.patient_history(scope_of(request), patient_id)
        return Response(history, headers={"ETag": _etag(history.patient.version)})

    @post("/nss-search", sync_to_thread=True, status_code=200,
          summary="Buscar registros por NSS (cambio de datos y homologación)",
          description="El NSS va en el cuerpo, nunca en la URL (bitácoras, proxies).",
          **json_body(NssBody))
    def nss(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
            data: JSONBody[NssBody]) -> NssSearch:
        return queries.search_nss(scope_of(request), data.nss)

    @post("/merge-preview", sync_to_thread=True, status_code=200,
          summary="Vista previa de una homologación: ambos registros y los folios a mover",
          **json_body(MergePreviewBody))
    def merge_preview(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                      data: JSONBody[MergePreviewBody]) -> MergePreviewView:
        scope = scope_of(request)
        found = {r.id for r in queries.search_nss_of(scope, data.record).records}
        if data.correct not in found:
            raise NotFound(PATIENT_NOT_FOUND)
        return queries.merge_preview(scope, data.record, data.correct)

    # ------------------------------------------------------------------ S7–S11 filing

    @post("/patients/{patient_id:int}/patient-data-requests", status_code=201,
          guards=[director_guard], summary="Solicitar cambio de datos de paciente",
          description=MULTIPART + " Campos: nss, aggregate, paternal_surname, "
          "maternal_surname, given_names (los enviados se cambian); la vigencia como archivo."
          + IF_MATCH, **UPLOAD_ROUTE)
    async def file_patient_data(self, request: Request[Any, Any, Any],
                                queries: Injected[SaneceQueries],
                                file_patient_data_change: Injected[FilePatientDataChange],
                                patient_id: FromPath[int]) -> RequestFiled:
        patient = await to_thread.run_sync(queries.patient, scope_of(request), patient_id)
        expected = _if_match(request)
        return await _versioned_async(lambda: file_request(
            request, file_patient_data_change,
            lambda f: attrs.evolve(PatientDataForm.submitted(f).command(patient, f.files),
                                   expected_version=expected)))

    @post("/patients/{patient_id:int}/merge-requests", status_code=201,
          guards=[director_guard], summary="Solicitar homologación de registros",
          description=MULTIPART + " Los registros son los del NSS del registro de la URL "
          "(por su id: el NSS nunca va en la URL). Campos choice_<id del registro> = correct "
          "| merge | not_applicable, y opcionalmente version_<id> (la ETag de cada registro); "
          "la vigencia como archivo." + IF_MATCH, **UPLOAD_ROUTE)
    async def file_merge(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                         file_merge: Injected[FileMerge],
                         patient_id: FromPath[int]) -> RequestFiled:
        search = await to_thread.run_sync(queries.search_nss_of,
                                          scope_of(request), patient_id)
        expected = _if_match(request)  # the URL's record; others by their version_<id> fields

        def command(f: Any) -> Any:
            cmd = MergeForm.submitted(f).command(search.nss, f.files)
            return attrs.evolve(cmd, expected_versions={**(cmd.expected_versions or {}),
                                                        patient_id: expected})

        return await _versioned_async(lambda: file_request(request, file_merge, command))

    @post("/folios/{number:str}/expiry-change-requests", status_code=201,
          guards=[director_guard], summary="Solicitar baja de folio o ampliación de fecha de "
          "vencimiento", description=MULTIPART + " Campos: kind (cancellation | extension), "
          "motive, detail." + IF_MATCH, **UPLOAD_ROUTE)
    async def file_expiry(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                          file_expiry_change: Injected[FileExpiryChange],
                          number: FromPath[str]) -> RequestFiled:
        await self._visible(request, queries, number)
        expected = _if_match(request)
        return await _versioned_async(lambda: file_request(
            request, file_expiry_change,
            lambda f: attrs.evolve(fields_into(ExpiryChangeForm, f.fields).command(number, f.files),
                                   expected_version=expected)))

    @post("/folios/{number:str}/unit-change-requests", status_code=201,
          guards=[director_guard], summary="Solicitar cambio de unidad médica",
          description=MULTIPART + " Campos: motive, detail, destination_ooad_id, "
          "destination_unit_id." + IF_MATCH, **UPLOAD_ROUTE)
    async def file_unit(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                        file_unit_change: Injected[FileUnitChange],
                        number: FromPath[str]) -> RequestFiled:
        await self._visible(request, queries, number)
        expected = _if_match(request)
        return await _versioned_async(lambda: file_request(
            request, file_unit_change,
            lambda f: attrs.evolve(fields_into(UnitChangeForm, f.fields).command(number, f.files),
                                   expected_version=expected)))

    @post("/folios/{number:str}/requirement-change-requests", status_code=201,
          guards=[director_guard], summary="Solicitar cambio de requerimiento",
          description=MULTIPART + " Campos: key1, quantity1, key2, quantity2 (opcionales), "
          "requirement, motive, detail." + IF_MATCH, **UPLOAD_ROUTE)
    async def file_requirement(self, request: Request[Any, Any, Any],
                               queries: Injected[SaneceQueries],
                               file_requirement_change: Injected[FileRequirementChange],
                               number: FromPath[str]) -> RequestFiled:
        await self._visible(request, queries, number)
        expected = _if_match(request)
        return await _versioned_async(lambda: file_request(
            request, file_requirement_change,
            lambda f: attrs.evolve(
                fields_into(RequirementChangeForm, f.fields).command(number, f.files),
                expected_version=expected)))

    @post("/folios/{number:str}/requests/{type:str}", status_code=201,
          guards=[director_guard], summary="Solicitar un cambio de otro tipo registrado (los "
          "de la guía tienen su propia ruta)", description=MULTIPART + " Campos: motive, "
          "detail y los del tipo." + IF_MATCH, **UPLOAD_ROUTE)
    async def file_other(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                         file_folio_request: Injected[FileFolioRequest], number: FromPath[str],
                         type: FromPath[str]) -> RequestFiled:
        kind = generic_folio_type(request_type_of, type)
        await self._visible(request, queries, number)
        expected = _if_match(request)
        return await _versioned_async(lambda: file_request(
            request, file_folio_request,
            lambda f: attrs.evolve(FolioRequestForm.submitted(f, kind.form_fields()).command(
                kind.code, number, f.files), expected_version=expected)))

    @get("/folios/{number:str}/filing-check", sync_to_thread=True, guards=[director_guard],
         summary="¿Se puede solicitar este cambio sobre el folio? (las mismas reglas que al "
         "registrar la solicitud)")
    def folio_filing_check(self, request: Request[Any, Any, Any],
                           check_filing: Injected[CheckFiling], number: FromPath[str],
                           type: Annotated[str, QueryParameter(
                               description=FOLIO_TYPE_CODES)],
                           kind: Annotated[str | None, QueryParameter(
                               description=SUBTYPES_OF_FOLIO_TYPES)] = None
                           ) -> FilingCheck:
        request_type = _enum(RequestType, type, "type")
        if request_type is None or request_type.targets_patient:
            raise ValidationError(FOLIO_TYPE_REQUIRED, log_message=f"filing check type {type!r}")
        return check_filing.folio(actor_of(request), number, request_type,
                                  _enum(ExpiryChangeKind, kind, "kind"))

    @get("/patients/{patient_id:int}/filing-check", sync_to_thread=True,
         guards=[director_guard],
         summary="¿Se puede solicitar un cambio de datos del paciente? (las mismas reglas que "
         "al registrar la solicitud)")
    def patient_filing_check(self, request: Request[Any, Any, Any],
                             check_filing: Injected[CheckFiling],
                             patient_id: FromPath[int]) -> FilingCheck:
        return check_filing.patient_data(actor_of(request), patient_id)

    async def _visible(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                       number: str) -> None:
        """The folio must be visible before a byte of the upload is read."""
        await to_thread.run_sync(queries.folio, scope_of(request), number)

    # ------------------------------------------------------------------ requests

    @get("/requests", sync_to_thread=True,
         summary="Solicitudes realizadas de un tipo (las de la unidad del director)")
    def requests(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                 type: Annotated[str, QueryParameter(description=TYPE_CODES)],
                 kind: Annotated[str | None, QueryParameter(description=SUBTYPE_CODES)] = None,
                 status: Annotated[str | None, QueryParameter(
                     description="pending | approved | rejected")] = None,
                 page: PageNo = 1, size: PageSize = 10) -> ChangeRequestPageOut:
        return _requests(request, queries, RequestSearchBody(type=type, kind=kind, status=status,
                                                    page=page, size=size))

    @post("/requests/search", sync_to_thread=True, status_code=200,
          summary="Solicitudes realizadas con Buscar (el texto va en el cuerpo)",
          **json_body(RequestSearchBody))
    def request_search(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                       data: JSONBody[RequestSearchBody]) -> ChangeRequestPageOut:
        return _requests(request, queries, data)

    @get("/requests/{request_id:int}", sync_to_thread=True,
         summary="Revisar: una solicitud con su antes y después, adjuntos y motivo")
    def request_detail(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                       request_id: FromPath[int]) -> RequestDetail:
        return queries.request(scope_of(request), request_id)

    @get("/requests/{request_id:int}/attachments/{index:int}", sync_to_thread=True,
         summary="Descargar un adjunto de una solicitud (PDF o imagen)")
    def attachment(self, request: Request[Any, Any, Any],
                   open_attachment: Injected[OpenAttachment], request_id: FromPath[int],
                   index: FromPath[int]) -> Stream:
        return attachment_download(request, open_attachment, request_id, index)

    @get("/review-queue", sync_to_thread=True, guards=[reviewer_guard],
         summary="Solicitudes en espera de todos los tipos (la más antigua primero)")
    def review_queue(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                     type: Annotated[str | None, QueryParameter()] = None,
                     kind: Annotated[str | None, QueryParameter()] = None,
                     ooad_id: Annotated[int | None, QueryParameter()] = None,
                     min_age_days: Annotated[int | None, QueryParameter(ge=0)] = None,
                     status: Annotated[str, QueryParameter(
                         description="pending | approved | rejected | all")] = "pending",
                     page: PageNo = 1, size: PageSize = 25) -> ChangeRequestPageOut:
        return _review_queue(request, queries, QueueSearchBody(
            type=type, kind=kind, ooad_id=ooad_id, min_age_days=min_age_days, status=status,
            page=page, size=size))

    @post("/review-queue/search", sync_to_thread=True, status_code=200,
          guards=[reviewer_guard], summary="Solicitudes de cambio con Buscar (el texto va en "
          "el cuerpo)", **json_body(QueueSearchBody))
    def review_queue_search(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                            data: JSONBody[QueueSearchBody]) -> ChangeRequestPageOut:
        return _review_queue(request, queries, data)

    @post("/requests/{request_id:int}/approve", sync_to_thread=True, status_code=200,
          guards=[reviewer_guard], summary="Validado: aplicar el cambio",
          **json_body(ApproveBody))
    def approve(self, request: Request[Any, Any, Any],
                approve_request: Injected[ApproveRequest], request_id: FromPath[int],
                data: JSONBody[ApproveBody]) -> Decision:
        return approve_request(actor_of(request), ApproveCommand(
            request_id, data.new_expiry, data.cancellation_date,
            parse_modifications(data.modifications or {})))

    @post("/requests/{request_id:int}/reject", sync_to_thread=True, status_code=200,
          guards=[reviewer_guard], summary="No Validado, con el motivo", **json_body(RejectBody))
    def reject(self, request: Request[Any, Any, Any], reject_request: Injected[RejectRequest],
               request_id: FromPath[int], data: JSONBody[RejectBody]) -> Decision:
        return reject_request(actor_of(request), RejectCommand(request_id, data.reason,
                                                               data.reason_code))

    @post("/requests/{request_id:int}/pend", sync_to_thread=True, status_code=200,
          guards=[reviewer_guard], summary="Requiere información: motivo y qué falta",
          **json_body(PendBody))
    def pend(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
             pend_request: Injected[PendRequest], request_id: FromPath[int],
             data: JSONBody[PendBody]) -> RequestDetail:
        pend_request(actor_of(request), PendCommand(request_id, data.reason_code, data.missing))
        return queries.request(scope_of(request), request_id)

    @post("/requests/{request_id:int}/answer", guards=[director_guard], status_code=200,
          summary="Responder a Requiere información: nota y adjuntos (multipart: note, "
                  "archivo1..3)", **UPLOAD_ROUTE)
    async def answer(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                     answer_request: Injected[AnswerRequest],
                     request_id: FromPath[int]) -> RequestDetail:
        await file_request(request, answer_request,
                           lambda f: AnswerCommand(request_id, f.get("note"), f.files))
        return await to_thread.run_sync(queries.request, scope_of(request), request_id)

    @post("/requests/{request_id:int}/cancel", sync_to_thread=True, status_code=200,
          summary="Cancelada por la unidad (el director de la unidad)", **json_body(CancelBody))
    def cancel(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               cancel_request: Injected[CancelRequest], request_id: FromPath[int],
               data: JSONBody[CancelBody]) -> RequestDetail:
        cancel_request(actor_of(request), CancelCommand(request_id, data.reason_code,
                                                        data.note))
        return queries.request(scope_of(request), request_id)

    @post("/review-queue/approve", sync_to_thread=True, status_code=200,
          guards=[reviewer_guard], summary="Validado en lote (solo bajas de folio En espera)",
          **json_body(BulkApproveBody))
    def bulk_approve(self, request: Request[Any, Any, Any],
                     bulk_approve: Injected[BulkApprove],
                     data: JSONBody[BulkApproveBody]) -> BulkApproveOut:
        result = bulk_approve(actor_of(request), data.request_ids)
        return BulkApproveOut(list(result.approved),
                              [[str(i), why] for i, why in result.refused])

    @get("/review-queue/stats", sync_to_thread=True, guards=[reviewer_guard],
         summary="Estadísticas de la cola: pendientes por tipo y antigüedad, mediana de días "
                 "a la decisión, decisiones por revisor")
    def queue_stats(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                    expire_requests: Injected[ExpireRequests]) -> QueueStats:
        expire_requests()
        return queries.queue_stats(scope_of(request))

    @get("/reasons", sync_to_thread=True, summary="Catálogo de motivos (clave, texto, activo)")
    def reasons(self, request: Request[Any, Any, Any],
                list_reasons: Injected[ListReasons]) -> list[ReasonOut]:
        return [ReasonOut(r.code, r.text, r.active) for r in list_reasons(actor_of(request))]

    @post("/reasons", sync_to_thread=True, status_code=201, guards=[admin_guard],
          summary="Agregar un motivo al catálogo", **json_body(ReasonBody))
    def add_reason(self, request: Request[Any, Any, Any], add_reason: Injected[AddReason],
                   data: JSONBody[ReasonBody]) -> ReasonOut:
        r = add_reason(actor_of(request), data.code, data.text)
        return ReasonOut(r.code, r.text, r.active)

    @post("/reasons/{code:str}/disable", sync_to_thread=True, status_code=200,
          guards=[admin_guard], summary="Desactivar un motivo del catálogo")
    def disable_reason(self, request: Request[Any, Any, Any],
                       disable_reason: Injected[DisableReason], code: FromPath[str]) -> ReasonOut:
        r = disable_reason(actor_of(request), code)
        return ReasonOut(r.code, r.text, r.active)

    @get("/merges", sync_to_thread=True, guards=[admin_guard],
         summary="Homologaciones validadas, con los folios que trasladó cada una")
    def merges(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               page: PageNo = 1, size: PageSize = 25) -> ChangeRequestPageOut:
        return _merges(request, queries, SearchBody(page=page, size=size))

    @post("/merges/search", sync_to_thread=True, status_code=200, guards=[admin_guard],
          summary="Homologaciones validadas con Buscar (el texto va en el cuerpo)",
          **json_body(SearchBody))
    def merge_search(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                     data: JSONBody[SearchBody]) -> ChangeRequestPageOut:
        return _merges(request, queries, data)

    @post("/merges/{request_id:int}/undo", sync_to_thread=True, status_code=200,
          guards=[admin_guard], summary="Deshacer una homologación validada por error",
          **json_body(UndoMergeBody))
    def undo_merge(self, request: Request[Any, Any, Any], undo_merge: Injected[UndoMerge],
                   request_id: FromPath[int], data: JSONBody[UndoMergeBody]) -> UndoneMerge:
        return undo_merge(actor_of(request), request_id, data.reason)

    # ------------------------------------------------------------------ S14

    @get("/evaluations/pending", sync_to_thread=True, guards=[evaluator_guard],
         summary="Folios pendientes de evaluación (el más antiguo primero)")
    def pending(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                ooad_id: Annotated[int | None, QueryParameter()] = None,
                unit_id: Annotated[int | None, QueryParameter()] = None,
                page: PageNo = 1, size: PageSize = 25) -> FolioPageOut:
        return _pending(request, queries, PendingSearchBody(ooad_id=ooad_id, unit_id=unit_id,
                                                            page=page, size=size))

    @post("/evaluations/pending/search", sync_to_thread=True, status_code=200,
          guards=[evaluator_guard], summary="Folios pendientes con Buscar (el texto va en el "
          "cuerpo)", **json_body(PendingSearchBody))
    def pending_search(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                       data: JSONBody[PendingSearchBody]) -> FolioPageOut:
        return _pending(request, queries, data)

    @post("/folios/{number:str}/evaluation", sync_to_thread=True, status_code=200,
          guards=[evaluator_guard], summary="Registrar la evaluación de un folio Pendiente",
          description=IF_MATCH.strip(), **json_body(EvaluationBody))
    def evaluate(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                 register_evaluation: Injected[RegisterEvaluation], number: FromPath[str],
                 data: JSONBody[EvaluationBody]) -> EvaluationResult:
        queries.folio(scope_of(request), number)  # 404 before 428
        expected = _if_match(request)
        return _versioned(lambda: register_evaluation(
            actor_of(request), EvaluationCommand(
                number, data.status, data.period_months, data.key1, data.quantity1, data.key2,
                data.quantity2, data.requirement, data.observations,
                expected_version=expected)))

    # ------------------------------------------------------------------ S13, S15

    @get("/extraction", sync_to_thread=True,
         summary="Extracción de datos: fechas propuestas y listas de filtros")
    def extraction_form(self, request: Request[Any, Any, Any],
                        queries: Injected[SaneceQueries]) -> ExtractionForm:
        return queries.extraction_form(scope_of(request))

    @post("/extraction", sync_to_thread=True, status_code=200, media_type=XLSX,
          summary="Exportar a Excel (.xlsx) los folios de la unidad",
          **json_body(ExtractionBody))
    def extract(self, request: Request[Any, Any, Any], extract: Injected[ExtractFolios],
                data: JSONBody[ExtractionBody]) -> Stream:
        return extraction_xlsx(request, extract, ExtractionCommand(
            start=data.start, end=data.end, unit_id=data.unit_id, medicine_id=data.medicine_id,
            status=data.status or None, mode=data.mode))

    @post("/feedback", sync_to_thread=True, status_code=201,
          summary="Comentarios o sugerencias", **json_body(FeedbackBody))
    def feedback(self, request: Request[Any, Any, Any], submit_feedback: Injected[SubmitFeedback],
                 data: JSONBody[FeedbackBody]) -> FeedbackOut:
        return FeedbackOut(submit_feedback(actor_of(request),
                                           FeedbackCommand(data.text, data.kind)))

    @get("/feedback", sync_to_thread=True, guards=[admin_guard],
         summary="Comentarios o sugerencias recibidos (administración)")
    def feedback_list(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                      page: PageNo = 1, size: PageSize = 50) -> FeedbackPageOut:
        return _page(FeedbackPageOut, queries.feedback(
            scope_of(request), PageRequest(page, size)))
