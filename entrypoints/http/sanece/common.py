"""What every sanece handler shares: the caller as the use cases see them, the guards by role,
the pages' URLs, the attachment upload policy, and the three downloads (response PDF, Excel
extraction, a request's attachment) streamed as attachments.

Handlers stay thin: parse here or in ``forms.py``, call one query or use case (typed
parameters the module's router injects, see ``DEPENDENCIES``), render or return JSON.
"""

from __future__ import annotations

import functools
import secrets
from urllib.parse import quote_plus
from typing import TYPE_CHECKING, Any, Callable, Sequence
from zoneinfo import ZoneInfo

import attrs
from anyio import to_thread
from litestar import Request
from litestar.response import Stream, Template
from markupsafe import Markup

from entrypoints.http.forms import page_request, search_term, with_query
from entrypoints.http.rendering import format_local, render, time_zone
from entrypoints.http.security import require_roles, scope_of, session_actor
from entrypoints.http.sessions import get_session
from entrypoints.http.streams import PDF, XLSX, into_temp_file, stream_open_file, stream_temp_file
from entrypoints.http.uploads import ReceivedForm, receive_form
from sanece.application.access import Actor
from sanece.application.use_cases.documents import ExtractionCommand
from sanece.domain.request_types import ChangeRequestType, request_type_of
from sanece.domain.request_types import RequestType
from shared.kernel.errors import NotFound
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role
from shared.storage.domain import UploadPolicy, format_mb

if TYPE_CHECKING:
    from sanece.application.use_cases.attachments import OpenAttachment
    from sanece.application.use_cases.documents import ExtractFolios, PrintFolioResponse

SYSTEM_TITLE = "Módulo del Sistema de Análisis y Evaluación de Casos Específicos (SAnECE)"

# Who may open which pages; the application's scope rules do the rest.
SANECE_ROLES = (Role.DIRECTOR, Role.REVISOR, Role.EVALUADOR, Role.ADMIN)
sanece_guard = require_roles(*SANECE_ROLES)
director_guard = require_roles(Role.DIRECTOR)
reviewer_guard = require_roles(Role.REVISOR, Role.ADMIN)
evaluator_guard = require_roles(Role.EVALUADOR, Role.ADMIN)
admin_guard = require_roles(Role.ADMIN)
# The director's pages of one unit that the admin and the evaluador (read-only) also open,
# after choosing the unit (``?unidad=ID``).
unit_pages_guard = require_roles(Role.DIRECTOR, Role.ADMIN, Role.EVALUADOR)

# --------------------------------------------------------------------------- URLs

BASE = "/sanece"
INICIO = f"{BASE}/inicio"
CONSULTAR = f"{BASE}/consultar"
PACIENTES = f"{BASE}/pacientes"
CAMBIOS = f"{BASE}/cambios"


def section_path(request_type: Any) -> str:
    """The Cambios section of a request type (its slug from the registry)."""
    return f"{CAMBIOS}/{request_type_of(request_type).slug}"


# The guide's five types have pages and API routes of their own (an NSS search, subtypes, a
# destination, claves); any other registered folio type is served by the generic ones.
OWN_ROUTES = frozenset({"patient_data", "merge", "expiry_change", "unit_change",
                        "requirement_change"})


def generic_folio_type(find: Callable[[str], ChangeRequestType], key: str) -> ChangeRequestType:
    """The registered folio type ``find(key)`` names, when it has no routes of its own
    (``NotFound`` otherwise, like an unknown page or resource)."""
    try:
        found: ChangeRequestType | None = find(key)
    except ValueError:
        found = None
    if found is None or found.code in OWN_ROUTES or found.targets_patient:
        raise NotFound(log_message=f"no generic request type {key!r}")
    return found


DATOS = section_path("patient_data")
HOMOLOGACION = section_path("merge")
VENCIMIENTO = section_path("expiry_change")
UNIDAD = section_path("unit_change")
REQUERIMIENTO = section_path("requirement_change")
SOLICITUDES = f"{BASE}/solicitudes"
REVISION = f"{BASE}/revision"
ESTADISTICAS = f"{REVISION}/estadisticas"
MOTIVOS = f"{BASE}/motivos"
EVALUACION = f"{BASE}/evaluacion"
EXTRACCION = f"{BASE}/extraccion"
COMENTARIOS = f"{BASE}/comentarios"
COMENTARIOS_RECIBIDOS = f"{BASE}/comentarios-recibidos"
HOMOLOGACIONES = f"{BASE}/homologaciones"
BUSCAR = f"{BASE}/buscar"

# What people search for (a "Buscar:" text, an NSS) may be an NSS or a patient's name: it never
# travels in a URL (request logs, proxies, browser history). Search forms are POSTed; the text
# is kept in the server-side session under an opaque token, and the page is redirected to
# (and paginated with) that token only: ``?b=`` for "Buscar:", ``?n=`` for the NSS search.
SEARCH_TOKEN = "b"
NSS_TOKEN = "n"
_SEARCHES = "_san_searches"
SEARCHES_KEPT = 40


class Urls:
    """The links templates need (one place, so a route change is one edit)."""

    inicio = INICIO
    consultar = CONSULTAR
    pacientes = PACIENTES
    cambios = CAMBIOS
    datos = DATOS
    homologacion = HOMOLOGACION
    vencimiento = VENCIMIENTO
    unidad = UNIDAD
    requerimiento = REQUERIMIENTO
    revision = REVISION
    estadisticas = ESTADISTICAS
    motivos = MOTIVOS
    evaluacion = EVALUACION
    extraccion = EXTRACCION
    comentarios = COMENTARIOS
    homologaciones = HOMOLOGACIONES

    section = staticmethod(section_path)

    @staticmethod
    def folio(number: str) -> str:
        # what ``with_query(CONSULTAR, folio=number)`` writes, without its dict and urlencode
        # (Inicio asks for one per row)
        return f"{CONSULTAR}?folio={quote_plus(number)}" if number else CONSULTAR

    @staticmethod
    def pdf(number: str) -> str:
        return f"{BASE}/folios/{number}/pdf"

    @staticmethod
    def patient(patient_id: int, folio: str | None = None) -> str:
        return with_query(f"{PACIENTES}/{patient_id}", folio=folio)

    @staticmethod
    def patient_form(patient_id: int) -> str:
        return f"{DATOS}/{patient_id}"

    buscar = BUSCAR

    @staticmethod
    def merge_form(record_id: int) -> str:
        """The homologación window of the NSS of this record (the clicked row: Correcto)."""
        return f"{HOMOLOGACION}/registro/{record_id}"

    @staticmethod
    def nss_search(path: str, token: str | None) -> str:
        return with_query(path, **{NSS_TOKEN: token})

    @staticmethod
    def request(request_id: int) -> str:
        return f"{SOLICITUDES}/{request_id}"

    @staticmethod
    def attachment(request_id: int, index: int) -> str:
        return f"{SOLICITUDES}/{request_id}/adjuntos/{index}"

    @staticmethod
    def evaluate(number: str) -> str:
        return f"{EVALUACION}/{number}"

    @staticmethod
    def undo_merge(request_id: int) -> str:
        return f"{HOMOLOGACIONES}/{request_id}"


# --------------------------------------------------------------------------- searches


def remember_search(request: Request[Any, Any, Any], text: str) -> str | None:
    """The opaque token of a searched text (the same token for the same text, so that pages
    and their pager keep one URL); None for an empty text."""
    if not text:
        return None
    session = get_session(request)
    kept: dict[str, str] = dict(session.get(_SEARCHES) or {})
    for token, value in kept.items():
        if value == text:
            return token
    token = secrets.token_urlsafe(9)
    kept[token] = text
    while len(kept) > SEARCHES_KEPT:  # the oldest go first: a session is not an archive
        kept.pop(next(iter(kept)))
    session[_SEARCHES] = kept  # a new dict: the session sees the change
    return token


def recalled_search(request: Request[Any, Any, Any], key: str) -> str:
    """The text behind the token in ``?<key>=`` ("" when absent or forgotten)."""
    token = request.query_params.get(key) or ""
    kept = get_session(request).get(_SEARCHES) or {}
    return str(kept.get(token, "")) if token else ""


def search_page(request: Request[Any, Any, Any], size: int = 10) -> PageRequest:
    """``?pagina=N&b=<token>``: the page asked for, with the "Buscar:" text the token names
    (a ``q`` in the URL is ignored: the forms never put one there)."""
    page = page_request(request, size, search_key=SEARCH_TOKEN)
    return attrs.evolve(page, search=search_term(recalled_search(request, SEARCH_TOKEN)))


# --------------------------------------------------------------------------- caller


# What the sanece handlers receive by parameter name: the providers of the sanece container,
# plus ``clock`` of the root one (the review page's "today").
DEPENDENCIES = (
    "queries", "file_patient_data_change", "file_merge", "file_expiry_change",
    "file_unit_change", "file_requirement_change", "file_folio_request", "check_filing",
    "open_attachment", "print_response", "extract", "submit_feedback", "approve_request",
    "reject_request", "register_evaluation", "undo_merge", "pend_request", "answer_request",
    "cancel_request", "expire_requests", "bulk_approve", "list_reasons", "add_reason",
    "disable_reason",
)
ROOT_DEPENDENCIES = ("clock", "start_if_large")  # start_if_large: large extractions as jobs


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    """The session user as the sanece use cases see them: username (audit) and scope."""
    return session_actor(request, Actor)


ROWS_KEPT = 512  # pages of rows kept as HTML per process (a few KB each)


def table_rows(request: Request[Any, Any, Any], template: str, rows: Sequence[Any]) -> Markup:
    """The ``<tr>``s of ``rows`` as ``template`` writes them, kept per process by value.

    A row (frozen attrs: its ages and labels included) and the product's time zone are all
    such a template reads (``rows``, ``u``, ``local_time``), so equal rows give equal HTML and
    a list read again (the read model's cache) is not rendered again on every view; rows
    that changed are another key. Rows that cannot be a key are rendered every time."""
    timezone = time_zone(request)
    engine = request.app.template_engine
    items = tuple(rows)
    try:
        return _rows_html(engine, template, timezone, items)
    except TypeError:  # an unhashable row
        return _render_rows(engine, template, timezone, items)


def _render_rows(engine: Any, template: str, timezone: str, rows: tuple[Any, ...]) -> Markup:
    local_time = functools.partial(format_local, ZoneInfo(timezone))  # as the pages' own
    return Markup(engine.get_template(template).render(rows=rows, u=Urls,
                                                        local_time=local_time))


_rows_html = functools.lru_cache(maxsize=ROWS_KEPT)(_render_rows)


def render_san(request: Request[Any, Any, Any], template: str, status_code: int = 200,
               **context: Any) -> Template:
    """A sanece page: the module's title, its URLs and the caller's role at hand."""
    scope = scope_of(request)
    context.setdefault("RequestType", RequestType)
    return render(request, template, status_code=status_code, system_title=SYSTEM_TITLE,
                  u=Urls, role=scope.role, Role=Role, **context)


# --------------------------------------------------------------------------- uploads


def attachment_policy(request: Request[Any, Any, Any]) -> UploadPolicy:
    """Change-request attachments: PDF or image (sniffed by content), ``ATTACHMENT_MAX_MB``."""
    return UploadPolicy.pdf_or_image(request.app.state.container.settings().attachment_max_bytes)


MAX_ATTACHMENTS = 3  # Adjunto 1..3 (the vigencia is exactly one: the use case says so)


async def file_request(request: Request[Any, Any, Any], use_case: Any,
                       command: Callable[[ReceivedForm], Any], *,
                       into: ReceivedForm | None = None,
                       reshow: Callable[[ReceivedForm], Any] | None = None) -> Any:
    """Receive a change request's multipart form (attachments streamed under the policy),
    build the command from it and call the use case (one transaction); the temporary files
    are removed afterwards. ``into`` keeps the typed fields for the caller even when the
    upload is refused. ``reshow(form)`` answers a form sent only to reload the page (a
    ``recargar`` field: "Ver unidades de la OOAD" without JavaScript)."""
    actor = actor_of(request)
    with await receive_form(request, attachment_policy(request), max_files=MAX_ATTACHMENTS,
                            into=into) as form:
        if reshow is not None and form.get("recargar"):
            return await to_thread.run_sync(reshow, form)
        cmd = command(form)
        return await to_thread.run_sync(use_case, actor, cmd)


def attachment_limit_text(request: Request[Any, Any, Any]) -> str:
    return (f"Se admiten archivos PDF o imagen (PNG, JPEG) de hasta "
            f"{format_mb(attachment_policy(request).max_bytes)} cada uno.")


# --------------------------------------------------------------------------- downloads


def folio_pdf(request: Request[Any, Any, Any], use_case: PrintFolioResponse,
              number: str) -> Stream:
    """S4: the formato de respuesta of a folio the caller may see, built from current data."""
    actor = actor_of(request)
    path, printed = into_temp_file(request, ".pdf", lambda out: use_case(actor, number, out))
    return stream_temp_file(path, PDF, printed.filename)


def extraction_xlsx(request: Request[Any, Any, Any], use_case: ExtractFolios,
                    cmd: ExtractionCommand) -> Stream:
    """S13: the unit's folios as a genuine .xlsx (written in constant memory, then streamed)."""
    actor = actor_of(request)
    path, result = into_temp_file(request, ".xlsx", lambda out: use_case(actor, cmd, out))
    return stream_temp_file(path, XLSX, result.filename)


def attachment_download(request: Request[Any, Any, Any], use_case: OpenAttachment,
                        request_id: int, index: int) -> Stream:
    """Adjunto N of a change request the caller may see (the same 404 otherwise)."""
    download = use_case(actor_of(request), request_id, index)
    return stream_open_file(download.stream, download.size, download.filename,
                            download.content_type)


# --------------------------------------------------------------------------- unit chooser


@attrs.frozen
class UnitChoice:
    """A central role's unit on the director's pages: every unit to choose from, the one
    chosen (None until chosen); a director's own unit needs no choice (``needed`` False)."""

    needed: bool
    units: tuple[Any, ...] = ()
    chosen: Any = None

    @property
    def chosen_id(self) -> int | None:
        return None if self.chosen is None else int(self.chosen.id)

    @property
    def keep(self) -> dict[str, str]:
        """What the page's search and pager carry to stay on the chosen unit."""
        return {"unidad": str(self.chosen.id)} if self.chosen is not None else {}


def unit_choice(request: Request[Any, Any, Any], queries: Any) -> UnitChoice:
    scope = scope_of(request)
    if scope.role is Role.DIRECTOR:
        return UnitChoice(False)
    units = tuple(queries.units(scope))
    raw = (request.query_params.get("unidad") or "").strip()
    chosen = next((x for x in units if raw.isdigit() and x.id == int(raw)), None)
    return UnitChoice(True, units, chosen)
