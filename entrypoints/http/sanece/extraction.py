"""Extracción de datos (S13) and Comentarios o sugerencias (S15, with the administrators'
list).

The extraction is a POST (patient data leaves the system: audited, CSRF-protected); a window
or filter refusal shows the form again with every broken rule listed; otherwise the browser
receives a genuine .xlsx as an attachment, or, above ``JOBS_SANECE_EXTRACTION_ROWS`` folios,
is sent to the page of the job that prepares it.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from entrypoints.http.dependencies import Injected
from entrypoints.http.forms import page_link
from entrypoints.http.jobs import requester_of
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.sanece.common import (
    COMENTARIOS,
    COMENTARIOS_RECIBIDOS,
    EXTRACCION,
    actor_of,
    admin_guard,
    extraction_xlsx,
    render_san,
    sanece_guard,
    scope_of,
    search_page,
    unit_choice,
    unit_pages_guard,
)
from entrypoints.http.sanece.forms import ExtractionPageForm, FeedbackForm
from entrypoints.http.streams import XLSX
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.documents import ExtractFolios
from sanece.application.use_cases.feedback import SubmitFeedback
from sanece.domain.feedback import FeedbackKind
from shared.jobs.application import StartIfLarge
from shared.kernel.errors import NotFound, ValidationError

URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
THANKS = ("Gracias por tu comentario: lo recibió la administración del sistema. Agradecemos "
          "tus opiniones y reportes de posibles fallas o mejoras.")


class ExtractionPages(Controller):
    path = EXTRACCION
    guards = [unit_pages_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def page(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries]) -> Any:
        defaults = queries.extraction_form(scope_of(request))
        return self._page(request, queries, ExtractionPageForm.of(defaults), defaults)

    def _page(self, request: Request[Any, Any, Any], queries: SaneceQueries,
              form: ExtractionPageForm, defaults: Any = None, errors: list[str] | None = None,
              status_code: int = 200) -> Any:
        defaults = defaults or queries.extraction_form(scope_of(request))
        choice = unit_choice(request, queries)
        return render_san(request, "sanece/extraccion.html", status_code=status_code,
                          form=form, f=defaults, errors=errors or [], units=choice.units)

    # The route's media type wins over a streamed response's own (Litestar 2): declare the
    # .xlsx here; a refusal is a Template, which keeps its text/html.
    @post("/", sync_to_thread=True, status_code=200, media_type=XLSX)
    def export(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               extract: Injected[ExtractFolios], start_if_large: Injected[StartIfLarge],
               data: Annotated[ExtractionPageForm, URL_FORM]) -> Any:
        try:
            cmd = data.command()
            # Above JOBS_SANECE_EXTRACTION_ROWS folios the workbook is prepared by a job: its
            # page shows the progress and "Mis descargas" keeps the file.
            job = start_if_large(requester_of(request), "sanece-extraction", _params(cmd),
                                 extract.size(actor_of(request), cmd))
            if job is not None:
                flash(request, f"La extracción es grande: se prepara como un trabajo "
                               f"(«{job.description}»).", "info")
                # the route's .xlsx media type would apply to the redirect: text, no body
                return Redirect(path=f"/trabajos/{job.id}", status_code=303,
                                media_type=MediaType.TEXT)
            return extraction_xlsx(request, extract, cmd)
        except (ValidationError, NotFound) as refused:
            details = refused.details if isinstance(refused.details, (list, tuple)) else None
            return self._page(request, queries, data, errors=list(details or [refused.message]),
                              status_code=refused.status)


def _params(cmd: Any) -> dict[str, Any]:
    """The ``sanece-extraction`` job's parameters of the page's command."""
    return {"start": cmd.start.isoformat(), "end": cmd.end.isoformat(), "unit_id": cmd.unit_id,
            "medicine_id": cmd.medicine_id, "status": getattr(cmd.status, "value", cmd.status),
            "mode": getattr(cmd.mode, "value", cmd.mode)}


class FeedbackPages(Controller):
    path = COMENTARIOS
    guards = [sanece_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def page(self, request: Request[Any, Any, Any]) -> Any:
        return self._page(request, FeedbackForm())

    def _page(self, request: Request[Any, Any, Any], form: FeedbackForm,
              error: str | None = None, status_code: int = 200) -> Any:
        return render_san(request, "sanece/comentarios.html", status_code=status_code,
                          form=form, error=error, kinds=tuple(FeedbackKind))

    @post("/", sync_to_thread=True)
    def submit(self, request: Request[Any, Any, Any], submit_feedback: Injected[SubmitFeedback],
               data: Annotated[FeedbackForm, URL_FORM]) -> Any:
        try:
            submit_feedback(actor_of(request), data.command())
        except ValidationError as refused:
            return self._page(request, data, refused.message, refused.status)
        flash(request, THANKS, "success")
        return redirect(COMENTARIOS)


class FeedbackAdminPages(Controller):
    path = COMENTARIOS_RECIBIDOS
    guards = [admin_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def received(self, request: Request[Any, Any, Any],
                 queries: Injected[SaneceQueries]) -> Any:
        page = queries.feedback(scope_of(request), search_page(request, 25))
        return render_san(request, "sanece/comentarios_recibidos.html", page=page,
                          page_url=page_link(request))
