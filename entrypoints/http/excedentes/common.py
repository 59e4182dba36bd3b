"""What every excedentes handler shares: who is calling (``Actor`` from the session user),
the entity in the URL, the URLs of each step, the step numbers of the guides, and the
documents (PDF, Excel, CSV) streamed back as attachments. Query values are parsed with the
platform's ``entrypoints.http.forms``; files are streamed with ``entrypoints.http.streams``.

Handlers stay thin: parse here, call one query or use case (typed parameters the module's
router injects, see ``DEPENDENCIES``), render or return JSON.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import attrs
from litestar import Request
from litestar.response import Stream

from entrypoints.http.forms import with_query
from entrypoints.http.security import (
    NotAuthenticated,
    current_user,
    require_roles,
    scope_of,
    session_actor,
)
from entrypoints.http.sessions import get_session
from entrypoints.http.streams import (
    CSV,
    PDF,
    XLSX,
    into_temp_file,
    into_temp_path,
    stream_temp_file,
)
from excedentes.application.access import Actor, EntityRef
from excedentes.domain.errors import StaleVersion, VersionRequired
from excedentes.domain.versions import VERSION_MISSING, parse_version
from shared.kernel.errors import DomainError, NotFound
from shared.kernel.scope import Role, Scope

if TYPE_CHECKING:
    from excedentes.application.queries import ExcedentesQueries
    from excedentes.application.use_cases.catalog import ExportCatalog, ExportUnits
    from excedentes.application.use_cases.exports import ExportRecords
    from excedentes.application.use_cases.reports import PrintReport
    from shared.identity.application import IdentityService

# Who may open the excedentes pages at all; the scope rules do the rest.
EXC_ROLES = (Role.CAPTURISTA, Role.COORDINADOR, Role.ADMIN)
MANAGER_ROLES = (Role.COORDINADOR, Role.ADMIN)
exc_guard = require_roles(*EXC_ROLES)
manager_guard = require_roles(*MANAGER_ROLES)

BASE = "/excedentes"
SYSTEM_TITLE = "Recolección de Excedentes y Faltantes de Servicios Médicos Institucionales"
UNIT_NOT_FOUND = "La unidad médica solicitada no existe."


# --------------------------------------------------------------------------- versions


class PreconditionRequired(DomainError):
    """An API write on a versioned resource without ``If-Match`` (RFC 6585: 428)."""

    code = "precondition_required"
    status = 428


class PreconditionFailed(DomainError):
    """``If-Match`` names a version that is no longer current (412): nothing changed."""

    code = "precondition_failed"
    status = 412


def if_match(request: Request[Any, Any, Any], what: str = "el recurso") -> int:
    """The version an API client says it changes, from ``If-Match`` (the ``ETag`` of its
    GET). Missing: ``VERSION_MISSING`` (the use case refuses it, the API answers 428 through
    ``precondition``); not a version we issued (``*``, garbage, a list): 412."""
    raw = request.headers.get("if-match")
    if raw is None or not raw.strip():
        # refused by the use case after its scope checks (a foreign id stays a 404)
        return VERSION_MISSING
    version = parse_version(raw)
    if version is None:
        raise PreconditionFailed(
            f"La ETag enviada en If-Match no corresponde a ninguna versión de {what}; "
            "consúltelo de nuevo.", log_message=f"bad If-Match {raw[:40]!r}")
    return version


def precondition(refused: StaleVersion | VersionRequired,
                 what: str = "el recurso") -> DomainError:
    """A use case's version refusal as the API answers it: a stale ``If-Match`` is 412 with
    the same Spanish message and the current stamp; a missing one is 428."""
    if isinstance(refused, VersionRequired):
        return PreconditionRequired(
            f"Envíe el encabezado If-Match con la ETag que obtuvo al consultar {what}; sin "
            "ella no se guarda nada, para no sobrescribir lo que otra persona guardó.",
            log_message="write without If-Match")
    return PreconditionFailed(refused.message, log_message=refused.log_message,
                              details=refused.details)


@contextmanager
def version_refusals(what: str = "el recurso") -> Iterator[None]:
    """Around an API write: a use case's version refusal answers as ``precondition`` says."""
    try:
        yield
    except (StaleVersion, VersionRequired) as refused:
        raise precondition(refused, what) from None


# --------------------------------------------------------------------------- caller


# What the excedentes handlers receive by parameter name: the providers of the excedentes
# container, plus ``identity`` of the root one (Paso 7 asks for the password again).
DEPENDENCIES = (
    "queries", "institution_queries", "answer_step2", "save_grid", "finalize", "upload_signed",
    "open_signed", "print_report", "file_product_request", "accept_product_request",
    "reject_product_request", "reopen", "create_period", "open_period", "close_period",
    "set_capture_window", "import_catalog", "import_units", "export_catalog", "export_units",
    "export_records", "create_institution", "update_institution", "review", "bulk_accept",
    "add_return_reason", "set_return_reason_active", "quality_queries",
)
# start_if_large, job_uploads: Paso 8's big PDFs and large catalog / units imports as jobs
ROOT_DEPENDENCIES = ("identity", "start_if_large", "job_uploads")


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    """The session user as the excedentes use cases see them: username (audit) and scope."""
    return session_actor(request, Actor)


def entity_ref(inst: str, entity: str) -> EntityRef:
    """The entity named in a URL; a malformed one answers like a missing one."""
    try:
        return EntityRef(inst, entity)
    except ValueError as exc_:
        raise NotFound("La entidad solicitada no existe.") from exc_


def own_institution(scope: Scope) -> str | None:
    """The institution a capturista or coordinador is bound to (None for admins)."""
    if scope.role is Role.COORDINADOR:
        return (scope.ref or "").upper()
    if scope.role is Role.CAPTURISTA:
        return (scope.ref or "").partition(":")[0].upper()
    return None


def chosen_institution(request: Request[Any, Any, Any], queries: ExcedentesQueries,
                       asked: str | None) -> str:
    """Capturistas and coordinadores always see their own institution; an admin picks one
    (the first institution when none is asked for)."""
    scope = scope_of(request)
    own = own_institution(scope)
    if own:
        return own
    if asked:
        return asked.strip().upper()
    institutions = queries.institutions(scope)
    if not institutions:
        raise NotFound("No hay instituciones registradas.")
    return institutions[0].code


MAX_PASSWORD_FAILURES = 5
FAILURES_KEY = "exc_password_failures"


def reauthenticate(request: Request[Any, Any, Any], identity: IdentityService,
                   password: str) -> bool:
    """Paso 7 asks for the user's own password again. Wrong passwords are counted in the
    session; after five in a row the session ends (someone else may be at the keyboard) and
    the user must log in again."""
    user = current_user(request)
    session = get_session(request)
    if identity.verify_password(user.id, password):
        session.pop(FAILURES_KEY, None)
        return True
    failures = int(session.get(FAILURES_KEY, 0)) + 1
    if failures >= MAX_PASSWORD_FAILURES:
        identity.record_logout(user.id, session.key)
        session.destroy()
        raise NotAuthenticated()
    session[FAILURES_KEY] = failures
    return False


# --------------------------------------------------------------------------- step numbers


def step_number(step: int, has_specialty_level: bool) -> int:
    """The guides number the steps 1–9; the IMSS edition has no Paso 5 (especialidad
    troncal), so from the grid on its steps are one lower (grid = Paso 5, upload = Paso 8)."""
    if not has_specialty_level and step >= 6:
        return step - 1
    return step


# --------------------------------------------------------------------------- URLs


@attrs.frozen
class EntityUrls:
    """Every page of one entity in one period (templates and redirects use these)."""

    institution_code: str
    entity_code: str
    year: int

    @property
    def root(self) -> str:
        return f"{BASE}/entidades/{self.institution_code}/{self.entity_code}/{self.year}"

    @property
    def step2(self) -> str:
        return self.root

    @property
    def answer(self) -> str:
        return f"{self.root}/respuesta"

    @property
    def units(self) -> str:
        return f"{self.root}/unidades"

    def unit(self, clues: str) -> str:
        return f"{self.root}/unidades/{clues}"

    def group(self, clues: str, group_id: int) -> str:
        return f"{self.root}/unidades/{clues}/grupos/{group_id}"

    def grid(self, clues: str, group_id: int, specialty_id: int | None = None,
             q: str | None = None) -> str:
        return with_query(f"{self.group(clues, group_id)}/productos",
                          especialidad=specialty_id, q=q)

    def copy_previous(self, clues: str, group_id: int, specialty_id: int | None = None,
                      q: str | None = None) -> str:
        """Paso 6 with last period's values typed in (nothing saved until Guardar)."""
        return with_query(f"{self.group(clues, group_id)}/productos", especialidad=specialty_id,
                          q=q, copiar=1)

    def history(self, clues: str, product_id: int) -> str:
        """The history of a unit's values of one product (from the audit trail)."""
        return f"{self.root}/unidades/{clues}/productos/{product_id}/historial"

    @property
    def outliers(self) -> str:
        """The entity's values kept as outliers, with their comments (the coordinador's)."""
        return f"{self.root}/valores-atipicos"

    def request_product(self, clues: str, group_id: int, specialty_id: int | None) -> str:
        return with_query(f"{self.group(clues, group_id)}/solicitar-producto",
                          especialidad=specialty_id)

    @property
    def finalize(self) -> str:
        return f"{self.root}/finalizar"

    @property
    def reports(self) -> str:
        return f"{self.root}/reportes"

    @property
    def preliminary_pdf(self) -> str:
        return f"{self.root}/reportes/preliminar"

    @property
    def final_pdf(self) -> str:
        return f"{self.root}/reportes/final"

    @property
    def signed(self) -> str:
        return f"{self.root}/firmado"

    def signed_download(self, version: int | None = None) -> str:
        return with_query(f"{self.root}/firmado/descargar", version=version)

    @property
    def reopen(self) -> str:
        return f"{self.root}/apertura"

    @property
    def export(self) -> str:
        return f"{self.root}/exportar"


def path_urls(ref: EntityRef, year: int) -> EntityUrls:
    return EntityUrls(ref.institution_code, ref.entity_code, year)


def urls_for(overview: Any) -> EntityUrls:
    return EntityUrls(overview.institution.code, overview.entity.code, overview.period.year)


def dashboard_url(institution_code: str | None = None, year: int | None = None) -> str:
    return with_query(f"{BASE}/tablero", institucion=institution_code, periodo=year)


# --------------------------------------------------------------------------- files


def stream_report(request: Request[Any, Any, Any], use_case: PrintReport, ref: EntityRef,
                 year: int, final: bool) -> Stream:
    """Paso 8: the Preliminar or Versión Final PDF of an entity, as an attachment."""
    from excedentes.application.use_cases.reports import PrintReportCommand

    cmd = PrintReportCommand(ref, year, final)
    path, printed = into_temp_file(request, ".pdf",
                                   lambda out: use_case(actor_of(request), cmd, out))
    return stream_temp_file(path, PDF, printed.filename)


def stream_records(request: Request[Any, Any, Any], use_case: ExportRecords, year: int,
                   institution_code: str | None, entity_code: str | None) -> Stream:
    """E14: the Excel of the records of an entity, an institution or the country."""
    from excedentes.application.use_cases.exports import ExportRecordsCommand

    path, _ = into_temp_path(request, ".xlsx", lambda p: use_case(
        actor_of(request), ExportRecordsCommand(year, p, institution_code, entity_code)))
    scope = "-".join(x for x in (institution_code or "nacional", entity_code) if x)
    return stream_temp_file(path, XLSX, f"excedentes-faltantes-{scope}-{year}.xlsx")


def export_catalog_file(request: Request[Any, Any, Any], use_case: ExportCatalog | ExportUnits,
                        institution_code: str, what: str, fmt: str) -> Stream:
    """E13: the product catalog (``what="productos"``, ``ExportCatalog``) or the units of an
    institution (``ExportUnits``)."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound("El formato solicitado no existe (use csv o xlsx).")
    path, _ = into_temp_path(request, f".{fmt}", lambda p: use_case(
        actor_of(request), institution_code, p, fmt))
    media = XLSX if fmt == "xlsx" else CSV
    return stream_temp_file(path, media, f"{what}-{institution_code}.{fmt}")
