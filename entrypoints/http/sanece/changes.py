"""Cambios (S6) and its five sections, the director's change requests (S7–S11).

Each section is a page with its search (NSS or folio), its form and its "Solicitudes
realizadas" table. The NSS search is POSTed and the page redirected to an opaque token of it
(``?n=``): an NSS is in no URL. Filing is a multipart POST whose target (patient record or
folio) is in the URL, so that a foreign or missing one is refused before a byte is read; the attachments are
streamed under the attachment policy and handed to the use case as they are. A refusal (a
rule of the use case, a file of the wrong type or too large) shows the form again with what
the user typed and the message; success redirects to the section with a confirmation.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable

import attrs
from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from entrypoints.http.dependencies import Injected
from entrypoints.http.forms import fields_into, page_link
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.sanece.common import (
    CAMBIOS,
    DATOS,
    HOMOLOGACION,
    REQUERIMIENTO,
    NSS_TOKEN,
    UNIDAD,
    VENCIMIENTO,
    Urls,
    actor_of,
    attachment_limit_text,
    director_guard,
    file_request,
    recalled_search,
    remember_search,
    render_san,
    scope_of,
    generic_folio_type,
    search_page,
    section_path,
)
from entrypoints.http.sanece.folios import lookup_folio
from entrypoints.http.sanece.forms import (
    ExpiryChangeForm,
    FolioRequestForm,
    MergeForm,
    PatientDataForm,
    RequirementChangeForm,
    UnitChangeForm,
    stale_view,
)
from entrypoints.http.uploads import UPLOAD_ROUTE, ReceivedForm
from sanece.application.queries import SaneceQueries
from sanece.application.results import RequestFiled
from sanece.application.use_cases.requests import (
    CheckFiling,
    FileExpiryChange,
    FileFolioRequest,
    FileMerge,
    FilePatientDataChange,
    FileRequirementChange,
    FileUnitChange,
)
from sanece.domain.model import PATIENT_FIELD_LABELS
from sanece.domain.request_types import (
    REQUEST_TYPES,
    ChangeRequestType,
    request_type_by_slug,
)
from sanece.domain.request_types.expiry_change import TYPE as EXPIRY_CHANGE
from sanece.domain.request_types.requirement_change import TYPE as REQUIREMENT_CHANGE
from sanece.domain.request_types.unit_change import TYPE as UNIT_CHANGE
from sanece.domain.values import ExpiryChangeKind, MergeChoice, parse_nss
from sanece.domain.request_types import RequestType
from shared.kernel.errors import Conflict, DomainError, NotFound, ValidationError
from shared.storage.domain import FileTooLarge

PAGE_SIZE = 10
URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
FILED = ("Solicitud registrada (En espera). La Jefatura de área de Catálogo II la evaluará; "
         "actualiza esta pantalla para ver el estatus de cambio.")
FILED_MERGE = ("Solicitud de homologación registrada: {n} registro(s) por homologar (En "
               "espera). La Jefatura de área de Catálogo II la evaluará.")
PREVIEW_HINT = ("Para ver la vista previa elige un registro Correcto y al menos un registro "
                "para Homologar.")
REFUSALS = (ValidationError, Conflict, FileTooLarge)

# The Cambios menu: every registered type, in the registry's order.
SECTIONS = tuple((t.section_title, section_path(t.code), t.description) for t in REQUEST_TYPES)
PATIENT_FIELDS_SHOWN = tuple(PATIENT_FIELD_LABELS.items())
KIND_TEXT = {
    ExpiryChangeKind.CANCELLATION: (
        "Aplica para folios con fecha de vencimiento vigente que se requiere dar de baja.",
        "Completa los siguientes datos para registrar la solicitud de baja:", "Solicitar Baja",
        "se recomienda nota del médico tratante o reporte Vigiflow si aplica."),
    ExpiryChangeKind.EXTENSION: (
        "Aplica para folios validados que la fecha de vencimiento se debe de ampliar.",
        "Completa los siguientes datos para registrar la solicitud de prórroga:",
        "Solicitar Prórroga", "se recomienda nota del médico tratante."),
}


def _requests(request: Request[Any, Any, Any], queries: SaneceQueries,
              request_type: RequestType) -> Any:
    """Solicitudes realizadas of one type (Buscar and pagination from the query string)."""
    return queries.requests(scope_of(request), request_type, search_page(request, PAGE_SIZE))


def _render(request: Request[Any, Any, Any], template: str, status_code: int = 200, *,
            get_path: str | None = None, number: str = "", **context: Any) -> Any:
    """A Cambios page. ``get_path``: the GET page of a form re-shown after a POST (the pager of
    its "Solicitudes realizadas" must lead there, with the folio that was shown)."""
    context.setdefault("error", None)
    context.setdefault("refusal", None)
    context.setdefault("stale", None)
    pages = page_link(request, path=get_path, folio=number or None) if get_path else \
        page_link(request)
    return render_san(request, template, status_code=status_code, sections=SECTIONS,
                      limits=attachment_limit_text(request), page_url=pages, number=number,
                      **context)


async def _file(request: Request[Any, Any, Any], use_case: Any,
                command: Callable[[ReceivedForm], Any],
                refused: Callable[[ReceivedForm, DomainError], Any],
                reshow: Callable[[ReceivedForm], Any] | None = None) -> Any:
    """File the request; a refusal renders the form again as typed (``refused``)."""
    form = ReceivedForm()
    try:
        return await file_request(request, use_case, command, into=form, reshow=reshow)
    except REFUSALS as error:
        return await to_thread.run_sync(refused, form, error)


@attrs.define
class NssSearchForm:
    """"Escribe el número de seguridad social (NSS)" (POSTed: an NSS is in no URL)."""

    nss: str = ""
    csrf_token: str = ""


class ChangePages(Controller):
    path = CAMBIOS
    guards = [director_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any]) -> Any:
        return _render(request, "sanece/cambios.html")

    # ------------------------------------------------------------------ S7, S8 search

    @get("/datos-paciente", sync_to_thread=True)
    def patient_search(self, request: Request[Any, Any, Any],
                       queries: Injected[SaneceQueries]) -> Any:
        return self._nss_page(request, queries, RequestType.PATIENT_DATA,
                              recalled_search(request, NSS_TOKEN))

    @post("/datos-paciente", sync_to_thread=True)
    def patient_search_sent(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                            data: Annotated[NssSearchForm, URL_FORM]) -> Any:
        return self._nss_sent(request, queries, RequestType.PATIENT_DATA, DATOS, data.nss)

    @get("/homologacion", sync_to_thread=True)
    def merge_search(self, request: Request[Any, Any, Any],
                     queries: Injected[SaneceQueries]) -> Any:
        return self._nss_page(request, queries, RequestType.MERGE,
                              recalled_search(request, NSS_TOKEN))

    @post("/homologacion", sync_to_thread=True)
    def merge_search_sent(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                          data: Annotated[NssSearchForm, URL_FORM]) -> Any:
        return self._nss_sent(request, queries, RequestType.MERGE, HOMOLOGACION, data.nss)

    def _nss_sent(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                  section: RequestType, path: str, typed: str) -> Any:
        """A typed NSS: refused in the page as typed, or kept under a token and the page
        shown by it (post/redirect/get, so reloading does not post again)."""
        nss = typed.strip()[:20]
        try:
            value = parse_nss(nss)
        except ValidationError as refused:
            return self._nss_page(request, queries, section, nss, refused)
        return redirect(Urls.nss_search(path, remember_search(request, value)))

    def _nss_page(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                  section: RequestType, nss: str,
                  refused: ValidationError | None = None) -> Any:
        search, error, status = None, None, 200
        if refused is not None:
            error, status = refused.message, refused.status
        elif nss:
            try:
                search = queries.search_nss(scope_of(request), nss)
            except ValidationError as problem:
                error, status = problem.message, problem.status
        return _render(request, "sanece/nss.html", status_code=status, section=section,
                       nss=nss, search=search, error=error,
                       nss_token=remember_search(request, search.nss) if search else None,
                       requests=_requests(request, queries, section))

    # ------------------------------------------------------------------ S7 form

    @get("/datos-paciente/{patient_id:int}", sync_to_thread=True)
    def patient_form(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                     check_filing: Injected[CheckFiling], patient_id: FromPath[int]) -> Any:
        patient = queries.patient(scope_of(request), patient_id)
        return self._patient_page(request, check_filing, patient, PatientDataForm.of(patient))

    def _patient_page(self, request: Request[Any, Any, Any], check_filing: CheckFiling,
                      patient: Any, form: PatientDataForm, error: str | None = None,
                      status_code: int = 200, stale: Any = None) -> Any:
        check = check_filing.patient_data(actor_of(request), patient.id)
        return _render(request, "sanece/datos_form.html", status_code=status_code,
                       patient=patient, form=form, fields=PATIENT_FIELDS_SHOWN, stale=stale,
                       back=Urls.nss_search(DATOS, remember_search(request, patient.nss)),
                       **_refusal(check, error))

    @post("/datos-paciente/{patient_id:int}", **UPLOAD_ROUTE)
    async def file_patient_data(self, request: Request[Any, Any, Any],
                                queries: Injected[SaneceQueries],
                                check_filing: Injected[CheckFiling],
                                file_patient_data_change: Injected[FilePatientDataChange],
                                patient_id: FromPath[int]) -> Any:
        patient = await to_thread.run_sync(queries.patient, scope_of(request), patient_id)

        def refused(form: ReceivedForm, error: DomainError) -> Any:
            submitted = PatientDataForm.submitted(form)
            stale = stale_view(error, {f: getattr(submitted, f) for f in submitted.change},
                               PATIENT_FIELDS_SHOWN)
            now = queries.patient(scope_of(request), patient_id) if stale else patient
            typed = _fresh(submitted.shown(now), stale)
            return self._patient_page(request, check_filing, now, typed, error.message,
                                      error.status, stale)

        filed = await _file(request, file_patient_data_change,
                            lambda f: PatientDataForm.submitted(f).command(patient, f.files),
                            refused)
        if not isinstance(filed, RequestFiled):
            return filed
        flash(request, FILED, "success")
        return redirect(Urls.nss_search(DATOS, remember_search(request, patient.nss)))

    # ------------------------------------------------------------------ S8 window

    @get("/homologacion/registro/{record_id:int}", sync_to_thread=True)
    def merge_form(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                   record_id: FromPath[int]) -> Any:
        """The window opened from a row of the NSS search: that record is Correcto; the NSS
        is the record's (the URL names the record by its id, never by the NSS)."""
        q = request.query_params
        search = self._merge_search(request, queries, record_id)
        if q.get("vista"):
            form = MergeForm.submitted(q)
        else:
            form = MergeForm.proposed(search.records, record_id)
        return self._merge_page(request, queries, search, form, preview=bool(q.get("vista")),
                                record_id=record_id)

    def _merge_search(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                      record_id: int) -> Any:
        return queries.search_nss_of(scope_of(request), record_id)

    def _merge_page(self, request: Request[Any, Any, Any], queries: SaneceQueries, search: Any,
                    form: MergeForm, *,
                    preview: bool, record_id: int, error: str | None = None,
                    status_code: int = 200, stale: Any = None) -> Any:
        previews: list[Any] = []
        hint = None
        if search.merge_refusal:  # shown instead of the window
            status_code, preview = 422, False
        if preview:
            correct, merge = form.ids(MergeChoice.CORRECT), form.ids(MergeChoice.MERGE)
            if len(correct) == 1 and merge:
                try:
                    previews = [queries.merge_preview(scope_of(request), rid, correct[0])
                                for rid in merge]
                except ValidationError as refused:
                    error, status_code = refused.message, refused.status
            else:
                hint = PREVIEW_HINT
        return _render(request, "sanece/homologacion_form.html", status_code=status_code,
                       search=search, form=form, previews=previews, hint=hint, error=error,
                       MergeChoice=MergeChoice, record_id=record_id, stale=stale,
                       nss_token=remember_search(request, search.nss),
                       requests=_requests(request, queries, RequestType.MERGE))

    @post("/homologacion/registro/{record_id:int}", **UPLOAD_ROUTE)
    async def file_merge(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                         file_merge: Injected[FileMerge], record_id: FromPath[int]) -> Any:
        search = await to_thread.run_sync(self._merge_search, request, queries, record_id)

        def refused(form: ReceivedForm, error: DomainError) -> Any:
            stale = stale_view(error, labels=PATIENT_FIELDS_SHOWN)
            # after a stale refusal the window is drawn again from the records as they are now
            try:
                now = self._merge_search(request, queries, record_id) if stale else search
            except NotFound:  # the record itself was merged meanwhile
                now = search
            return self._merge_page(request, queries, now, MergeForm.submitted(form),
                                    preview=True,
                                    record_id=record_id, error=error.message,
                                    status_code=error.status, stale=stale)

        filed = await _file(request, file_merge,
                            lambda f: MergeForm.submitted(f).command(search.nss, f.files),
                            refused)
        if not isinstance(filed, RequestFiled):
            return filed
        flash(request, FILED_MERGE.format(n=len(filed.ids)), "success")
        return redirect(Urls.nss_search(HOMOLOGACION, remember_search(request, search.nss)))

    # ------------------------------------------------------------------ S9

    @get("/fecha-vencimiento", sync_to_thread=True)
    def expiry_page(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                    check_filing: Injected[CheckFiling]) -> Any:
        q = request.query_params
        return self._expiry_page(request, queries, check_filing,
                                 (q.get("folio") or "").strip()[:40],
                                 ExpiryChangeForm(kind=q.get("kind") or ""))

    def _expiry_page(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                     check_filing: CheckFiling, number: str, form: ExpiryChangeForm,
                     error: str | None = None, status_code: int = 200,
                     stale: Any = None) -> Any:
        kind = form.kind_enum
        return _folio_section(request, queries, check_filing, EXPIRY_CHANGE,
                              "sanece/vencimiento.html", number, form,
                              subtype=kind, error=error, status_code=status_code, stale=stale,
                              kind=kind, kinds=tuple(ExpiryChangeKind), kind_text=KIND_TEXT)

    @post("/fecha-vencimiento/{number:str}", **UPLOAD_ROUTE)
    async def file_expiry(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                          check_filing: Injected[CheckFiling],
                          file_expiry_change: Injected[FileExpiryChange],
                          number: FromPath[str]) -> Any:
        await self._visible_folio(request, queries, number)

        def refused(form: ReceivedForm, error: DomainError) -> Any:
            stale = stale_view(error)
            return self._expiry_page(request, queries, check_filing, number,
                                     _fresh(fields_into(ExpiryChangeForm, form.fields), stale),
                                     error.message, error.status, stale)

        filed = await _file(request, file_expiry_change,
                            lambda f: fields_into(ExpiryChangeForm, f.fields).command(number,
                                                                                      f.files),
                            refused)
        if not isinstance(filed, RequestFiled):
            return filed
        flash(request, FILED, "success")
        return redirect(VENCIMIENTO)

    async def _visible_folio(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                             number: str) -> Any:
        """The folio must be visible before a byte of the upload is read."""
        return await to_thread.run_sync(queries.folio, scope_of(request), number)

    # ------------------------------------------------------------------ S10

    @get("/unidad-medica", sync_to_thread=True)
    def unit_page(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                  check_filing: Injected[CheckFiling]) -> Any:
        q = request.query_params
        return self._unit_page(request, queries, check_filing, (q.get("folio") or "").strip()[:40],
                               fields_into(UnitChangeForm, q))

    def _unit_page(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                   check_filing: CheckFiling, number: str, form: UnitChangeForm,
                   error: str | None = None, status_code: int = 200, stale: Any = None) -> Any:
        scope = scope_of(request)
        ooads = queries.ooads(scope)
        ooad_id = form.ooad_id if form.ooad_id in {o.id for o in ooads} else None
        units = queries.units(scope, ooad_id) if ooad_id is not None else []
        return _folio_section(request, queries, check_filing, UNIT_CHANGE,
                              "sanece/unidad.html", number, form,
                              error=error, status_code=status_code, stale=stale, ooads=ooads,
                              ooad_id=ooad_id, units=units)

    @post("/unidad-medica/{number:str}", **UPLOAD_ROUTE)
    async def file_unit(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                        check_filing: Injected[CheckFiling],
                        file_unit_change: Injected[FileUnitChange],
                        number: FromPath[str]) -> Any:
        await self._visible_folio(request, queries, number)

        def refused(form: ReceivedForm, error: DomainError) -> Any:
            stale = stale_view(error)
            return self._unit_page(request, queries, check_filing, number,
                                   _fresh(fields_into(UnitChangeForm, form.fields), stale),
                                   error.message, error.status, stale)

        def reshow(form: ReceivedForm) -> Any:  # "Ver unidades de la OOAD" without JavaScript
            return self._unit_page(request, queries, check_filing, number,
                                   fields_into(UnitChangeForm, form.fields))

        filed = await _file(request, file_unit_change,
                            lambda f: fields_into(UnitChangeForm, f.fields).command(number,
                                                                                    f.files),
                            refused, reshow)
        if not isinstance(filed, RequestFiled):
            return filed
        flash(request, FILED, "success")
        return redirect(UNIDAD)

    # ------------------------------------------------------------------ S11

    @get("/requerimiento", sync_to_thread=True)
    def requirement_page(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                         check_filing: Injected[CheckFiling]) -> Any:
        number = (request.query_params.get("folio") or "").strip()[:40]
        return self._requirement_page(request, queries, check_filing, number, None)

    def _requirement_page(self, request: Request[Any, Any, Any], queries: SaneceQueries,
                          check_filing: CheckFiling, number: str,
                          form: RequirementChangeForm | None, error: str | None = None,
                          status_code: int = 200, stale: Any = None) -> Any:
        def of(detail: Any) -> RequirementChangeForm:  # the folio's claves, to be corrected
            if form is not None:
                return form
            return RequirementChangeForm.of(detail) if detail else RequirementChangeForm()

        return _folio_section(request, queries, check_filing, REQUIREMENT_CHANGE,
                              "sanece/requerimiento.html", number,
                              of, error=error, status_code=status_code, stale=stale)

    @post("/requerimiento/{number:str}", **UPLOAD_ROUTE)
    async def file_requirement(self, request: Request[Any, Any, Any],
                               queries: Injected[SaneceQueries],
                               check_filing: Injected[CheckFiling],
                               file_requirement_change: Injected[FileRequirementChange],
                               number: FromPath[str]) -> Any:
        await self._visible_folio(request, queries, number)

        def refused(form: ReceivedForm, error: DomainError) -> Any:
            stale = stale_view(error)
            return self._requirement_page(
                request, queries, check_filing, number,
                _fresh(fields_into(RequirementChangeForm, form.fields), stale),
                error.message, error.status, stale)

        filed = await _file(request, file_requirement_change,
                            lambda f: fields_into(RequirementChangeForm, f.fields).command(
                                number, f.files), refused)
        if not isinstance(filed, RequestFiled):
            return filed
        flash(request, FILED, "success")
        return redirect(REQUERIMIENTO)


def _generic_section(slug: str) -> ChangeRequestType:
    """The registered folio type of a Cambios URL segment without a page of its own."""
    return generic_folio_type(request_type_by_slug, slug)


class SectionPages(Controller):
    """The Cambios section of a registered folio type without a page of its own: the folio
    search, the filing check, the type's form (``sanece/<slug>.html``) and its "Solicitudes
    realizadas"; filing goes to ``FileFolioRequest``."""

    path = CAMBIOS
    guards = [director_guard]
    include_in_schema = False

    @get("/{slug:str}", sync_to_thread=True)
    def section(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                check_filing: Injected[CheckFiling], slug: FromPath[str]) -> Any:
        kind = _generic_section(slug)
        q = request.query_params
        return self._page(request, queries, check_filing, kind, (q.get("folio") or "").strip()[:40],
                          FolioRequestForm.submitted(q, kind.form_fields()))

    def _page(self, request: Request[Any, Any, Any], queries: SaneceQueries,
              check_filing: CheckFiling, kind: ChangeRequestType, number: str,
              form: FolioRequestForm, error: str | None = None, status_code: int = 200,
              stale: Any = None) -> Any:
        return _folio_section(request, queries, check_filing, kind, f"sanece/{kind.slug}.html",
                              number, form,
                              error=error, status_code=status_code, stale=stale, section=kind)

    @post("/{slug:str}/{number:str}", **UPLOAD_ROUTE)
    async def file(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                   check_filing: Injected[CheckFiling],
                   file_folio_request: Injected[FileFolioRequest], slug: FromPath[str],
                   number: FromPath[str]) -> Any:
        kind = _generic_section(slug)
        await to_thread.run_sync(queries.folio, scope_of(request), number)

        def refused(form: ReceivedForm, error: DomainError) -> Any:
            stale = stale_view(error)
            typed = _fresh(FolioRequestForm.submitted(form, kind.form_fields()), stale)
            return self._page(request, queries, check_filing, kind, number, typed,
                              error.message, error.status, stale)

        filed = await _file(request, file_folio_request,
                            lambda f: FolioRequestForm.submitted(f, kind.form_fields()).command(
                                kind.code, number, f.files), refused)
        if not isinstance(filed, RequestFiled):
            return filed
        flash(request, FILED, "success")
        return redirect(section_path(kind.code))


def _folio_section(request: Request[Any, Any, Any], queries: SaneceQueries,
                   check_filing: CheckFiling, of_type: ChangeRequestType, template: str,
                   number: str, form: Any, *, subtype: Any = None, error: str | None = None,
                   status_code: int = 200, stale: Any = None, **context: Any) -> Any:
    """The page of a folio type's section: the folio searched, whether it may get a request
    of the type (checked once the subtype is chosen, for a type with subtypes), the form
    (``form(detail)`` when it starts from the folio), the motives and "Solicitudes
    realizadas"."""
    detail, search_error, search_status = lookup_folio(request, queries, number)
    ready = subtype is not None or not of_type.subtypes
    check = (_folio_check(request, check_filing, detail, of_type.enum_member, subtype)
             if ready else None)
    return _render(request, template, status_code=status_code if error else search_status,
                   get_path=section_path(of_type.code), number=number, stale=stale, detail=detail,
                   search_error=search_error, form=form(detail) if callable(form) else form,
                   **_refusal(check, error), motives=of_type.motives(subtype) if ready else (),
                   requests=_requests(request, queries, of_type.enum_member), **context)


def _folio_check(request: Request[Any, Any, Any], check_filing: CheckFiling, detail: Any,
                 request_type: RequestType, kind: ExpiryChangeKind | None = None) -> Any:
    """Whether the folio found may get a request of this type (the filing's own rules), so
    that a refusal replaces the form; None when no folio was found."""
    if detail is None:
        return None
    return check_filing.folio(actor_of(request), detail.number, request_type, kind)


def _refusal(check: Any, error: str | None) -> dict[str, Any]:
    """The template's ``refusal`` (shown instead of the form) and ``error`` (a refused
    submission), without saying the same thing twice."""
    refusal = check.message if check is not None and not check.allowed else None
    return {"refusal": refusal, "error": None if error == refusal else error}


def _fresh(form: Any, stale: Any) -> Any:
    """After a stale refusal the page is drawn again from the current record: the typed
    values stay, the version becomes the current one (so a deliberate resubmission works)."""
    return attrs.evolve(form, version="") if stale is not None else form


__all__ = ["ChangePages", "SectionPages"]
