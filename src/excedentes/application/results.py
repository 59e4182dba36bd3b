"""Plain attrs rows the use cases and queries return (what templates and the JSON API read).

Nothing here knows SQL or HTTP; dates are aware UTC datetimes (format them with
``excedentes.domain.dates.format_datetime``).
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from excedentes.domain.catalog import Entity, Period
from excedentes.domain.dashboard import (
    DashboardLabels,
    DashboardRow,
    DashboardTotals,
    ReportState,
    StatusLight,
)
from excedentes.domain.grid import FieldError, GridField, GridRow
from excedentes.domain.institution import Institution
from excedentes.domain.model import Answer
from excedentes.domain.signed import SignedReport
from excedentes.domain.completeness import Completeness
from excedentes.domain.review import Lock, ReviewStatus
from excedentes.domain.versions import NEVER_SAVED, VersionStamp
from shared.kernel.clock import Clock
from shared.kernel.pagination import Page
from shared.kernel.text import count_text

SI_MARKER = "SI"
FINALIZE_CONFIRMATION = "¿Está seguro de cerrar el registro de información?"
UNITS_WITHOUT_RECORDS_NOTE = "Nota: Existen Unidades Médicas sin Excedentes/Faltantes."


# --------------------------------------------------------------------------- organisation


@attrs.frozen
class InstitutionView:
    code: str
    name: str
    entity_word: str  # "OOAD/UMAE", "Entidad Federativa", "Delegación"
    has_specialty_level: bool
    signed_pdf_max_bytes: int
    signed_policy_description: str  # "Solo se aceptan archivos PDF con un peso máximo de …"
    signature_labels: tuple[str, str]


@attrs.frozen
class EntityView:
    institution_code: str
    code: str
    name: str
    title: str  # "Entidad Federativa BAJA CALIFORNIA", "OOAD/UMAE Nuevo León"
    position: int = 0

    @property
    def key(self) -> str:
        """The capturista scope reference and the id used in URLs: ``"SS:BC"``."""
        return f"{self.institution_code}:{self.code}"


@attrs.frozen
class PeriodView:
    institution_code: str
    year: int
    label: str  # "Captura del periodo 2026"
    is_open: bool
    window_start: date | None
    window_end: date | None
    closed_at: datetime | None
    capture_open: bool  # flag and dates allow capture today
    refusal: str | None  # why capture is not allowed today (Spanish), else None
    version: VersionStamp = NEVER_SAVED  # open / close / window name it


# --------------------------------------------------------------------------- Paso 1


@attrs.frozen
class DashboardEntry:
    """One tablero row plus what the caller may do with it."""

    row: DashboardRow  # No., entity, Total / Con / Sin, labels, status light (domain)
    entity_key: str  # "SS:BC"
    actionable: bool  # False: shown read-only (a capturista looking at another entity)
    can_capture: bool  # the caller may capture for this entity
    can_accept: bool = False  # the caller may accept it now (bulk accept's checkbox)


@attrs.frozen
class DashboardView:
    institution: InstitutionView
    period: PeriodView
    title: str  # "Captura del periodo 2026"
    legend_finalized: str  # "La Entidad Federativa ha finalizado el registro de información"
    legend_not_finalized: str  # "La Entidad Federativa aún no finaliza el registro de información"
    entries: tuple[DashboardEntry, ...]
    totals: DashboardTotals
    periods: tuple[int, ...]  # every year of the institution, newest first
    status_filter: ReviewStatus | None = None  # the rows shown are only those in this state
    statuses: tuple[ReviewStatus, ...] = tuple(ReviewStatus)
    can_manage: bool = False


# --------------------------------------------------------------------------- an entity


@attrs.frozen
class SignedReportView:
    version: int
    original_name: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    final_version: int
    current: bool
    superseded_at: datetime | None
    superseded_label: str | None  # "Reemplazado por una versión posterior", …


@attrs.frozen
class FinalPrintView:
    folio: str
    fingerprint: str
    final_version: int
    printed_at: datetime
    printed_by: str
    pages: int


@attrs.frozen
class TracedPrint:
    """A printed final version found by its folio or fingerprint (tracing a signed copy)."""

    entity_key: str  # "SS:BC"
    entity_name: str
    year: int
    printed: FinalPrintView
    still_current: bool  # the entity is still finalized with exactly that data

    @property
    def explanation(self) -> str:
        if self.still_current:
            return "La copia corresponde a la información vigente de la entidad."
        return ("La copia corresponde a una versión anterior: la entidad fue reabierta o su "
                "información cambió después de imprimirla.")


@attrs.frozen
class EntityOverview:
    """Everything the Paso 2, 7, 8 and 9 pages show about one entity in one period."""

    institution: InstitutionView
    entity: EntityView
    period: PeriodView
    step2_question: str  # "¿Alguna de las Unidades Médicas de la … tiene Excedentes/Faltantes …?"
    answer: Answer | None
    state: ReportState
    labels: DashboardLabels
    status_light: StatusLight
    units_total: int
    units_with_records: int
    record_count: int
    lock_reason: str | None  # why nothing may change now (finalized / window), else None
    can_capture: bool  # the caller may change this entity (scope), regardless of the lock
    can_manage: bool  # the caller is the institution's coordinator (or admin)
    finalized_at: datetime | None
    finalized_by: str | None
    folio: str | None  # final version's folio, e.g. "SS-2026-BC-V1"
    fingerprint: str | None
    current_signed: SignedReportView | None
    finalize_note: str | None  # "Nota: Existen Unidades Médicas sin Excedentes/Faltantes."
    # the version of the entity's report the page is drawn from (Paso 2, Paso 7, apertura):
    # a save names it and is refused when someone saved after it
    version: VersionStamp = NEVER_SAVED
    finalize_confirmation: str = FINALIZE_CONFIRMATION
    # review by levels and "what may be done now" (``excedentes.domain.review.decide``):
    # the actions this caller may take now, and why the data is locked (who, when)
    allowed_actions: tuple[str, ...] = ()
    lock: Lock | None = None
    explanation: str = ""  # one sentence: editable or not, and who can change that
    notice: str | None = None  # the return reason while a returned report is corrected
    review: ReviewStatus = ReviewStatus.IN_CAPTURE
    accepted_at: datetime | None = None
    accepted_by: str | None = None

    def allows(self, action: str) -> bool:
        return action in self.allowed_actions

    @property
    def editable(self) -> bool:
        """The caller may change the entity now (scope and lock)."""
        return self.can_capture and self.lock_reason is None

    @property
    def final_available(self) -> bool:
        return self.state.is_finalized


# --------------------------------------------------------------------------- Paso 3 to 6


class Marked:
    """The "¿Con excedentes/faltantes?" column of Pasos 3 to 5: "SI" or empty."""

    __slots__ = ()

    @property
    def marker(self) -> str:
        return SI_MARKER if self.has_records else ""  # type: ignore[attr-defined]


@attrs.frozen
class UnitItem(Marked):
    number: int  # "No." in the whole (filtered) list
    clues: str
    name: str
    level: str
    has_records: bool

    @property
    def label(self) -> str:
        """"3 DE OCTUBRE, PRIMER NIVEL"."""
        return f"{self.name}, {self.level}"


@attrs.frozen
class LevelGroup:
    level: str  # "PRIMER NIVEL" heading
    items: tuple[UnitItem, ...]


@attrs.frozen
class UnitListing:
    overview: EntityOverview
    page: Page[UnitItem]  # .summary: "Mostrando 1 a 10 de N registros"
    levels: tuple[LevelGroup, ...]  # the page's items under their level headings


@attrs.frozen
class GroupItem(Marked):
    number: int
    group_id: int
    name: str
    has_records: bool


@attrs.frozen
class ServiceBlock:
    number: int
    service_id: int
    name: str  # "Servicios de Atención Médica"
    groups: tuple[GroupItem, ...]


@attrs.frozen
class GroupListing:
    overview: EntityOverview
    unit: UnitItem
    services: tuple[ServiceBlock, ...]
    has_specialty_level: bool  # False: a group leads straight to Paso 6 (no Paso 5)


@attrs.frozen
class SpecialtyItem(Marked):
    number: int
    specialty_id: int
    name: str
    has_records: bool


@attrs.frozen
class SpecialtyListing:
    overview: EntityOverview
    unit: UnitItem
    service_name: str
    group_id: int
    group_name: str
    specialties: tuple[SpecialtyItem, ...]
    skip: bool  # the institution has no especialidad troncal level: go to Paso 6


@attrs.frozen
class GridLine:
    number: int  # "No."
    product_id: int
    product: str
    unit_of_measure: str
    row: GridRow  # stored values as strings (blank when nothing is stored)


@attrs.frozen
class GridView:
    overview: EntityOverview
    unit: UnitItem
    service_name: str
    group_id: int
    group_name: str
    specialty_id: int | None
    specialty_name: str | None
    search: str
    lines: tuple[GridLine, ...]
    total_products: int  # products of the group/specialty (before the search filter)
    causes: tuple[str, ...]  # the four Causa options, as labels
    # the version the page is drawn from: a save names it (form field, API If-Match) and is
    # refused when someone saved this grid after it
    version: VersionStamp = NEVER_SAVED

    @property
    def editable(self) -> bool:
        return self.overview.editable

    @property
    def lock_reason(self) -> str | None:
        return self.overview.lock_reason


@attrs.frozen
class SaveGridResult:
    """Either saved (``errors`` empty) or refused whole, with every row's errors."""

    saved: bool
    rows: tuple[GridRow, ...]  # as submitted, to show back on a refusal
    errors: tuple[FieldError, ...]
    summary: str  # "No se guardó ningún dato: corrija 2 errores …" or a success line
    added: int = 0
    removed: int = 0
    version: int = 0  # the grid's version after the save (the API's new ETag)

    def errors_by_row(self) -> dict[int, dict[GridField, tuple[str, ...]]]:
        out: dict[int, dict[GridField, list[str]]] = {}
        for e in self.errors:
            out.setdefault(e.index, {}).setdefault(e.field, []).append(e.message)
        return {i: {f: tuple(m) for f, m in fields.items()} for i, fields in out.items()}


# --------------------------------------------------------------------------- results


@attrs.frozen
class AnswerResult:
    before: Answer | None
    after: Answer


@attrs.frozen
class FinalizeResult:
    finalized_at: datetime
    folio: str
    fingerprint: str
    units_with_records: int
    units_total: int
    note: str | None  # units without records


@attrs.frozen
class ReopenResult:
    reopened_at: datetime
    superseded_versions: tuple[int, ...]
    entity_title: str = ""  # "Entidad Federativa BAJA CALIFORNIA": how messages name it


@attrs.frozen
class PrintedReport:
    final: bool
    pages: int
    filename: str  # "reporte-preliminar-SS-BC-2026.pdf"
    folio: str | None
    fingerprint: str | None


@attrs.frozen
class ImportSummary:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def message(self) -> str:
        return (f"{count_text(self.total, 'línea')}: {count_text(self.created, 'nueva')}, "
                f"{count_text(self.updated, 'actualizada')}, {self.unchanged:,} sin cambios.")


# --------------------------------------------------------------------------- requests, catalog


@attrs.frozen
class ProductRequestView:
    id: int
    institution_code: str
    entity_key: str
    entity_name: str
    requested_by: str
    requested_at: datetime
    product_name: str
    unit_of_measure: str
    service_name: str
    group_id: int
    group_name: str
    specialty_id: int | None
    specialty_name: str | None
    justification: str
    status: str  # "pending" | "accepted" | "rejected"
    status_label: str  # "En espera" | "Aceptada" | "Rechazada"
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    product_id: int | None  # the catalog product an acceptance created
    decision_seen_at: datetime | None = None  # when the requester first saw the decision
    version: VersionStamp = NEVER_SAVED  # a decision names it (form field, API If-Match)

    @property
    def grid_path(self) -> str:
        """"Cirugía / Cirugía general": the Paso 6 table the product belongs to."""
        return " / ".join(x for x in (self.group_name, self.specialty_name) if x)


@attrs.frozen
class DecisionNotice:
    """A capturista's product requests decided since they last looked (their tablero's
    notice): how many were accepted (the product is now in its grid) and rejected."""

    accepted: int
    rejected: int

    @property
    def total(self) -> int:
        return self.accepted + self.rejected

    @property
    def message(self) -> str:
        parts = []
        if self.accepted:
            parts.append(f"{self.accepted} aceptada{'s' if self.accepted != 1 else ''}")
        if self.rejected:
            parts.append(f"{self.rejected} rechazada{'s' if self.rejected != 1 else ''}")
        many = "es" if self.total != 1 else ""
        return (f"El coordinador decidió {self.total} solicitud{many} de producto suya"
                f"{'s' if many else ''} ({' y '.join(parts)}).")


@attrs.frozen
class RequestTarget:
    """Where a "solicitar producto" request would go: the unit's group (Paso 4) and, where
    the institution has Paso 5, the especialidad troncal chosen (None: to be chosen)."""

    listing: "SpecialtyListing"
    specialty: "SpecialtyItem | None"


@attrs.frozen
class SpecialtyNode:
    id: int
    name: str


@attrs.frozen
class GroupNode:
    id: int
    name: str
    specialties: tuple[SpecialtyNode, ...]
    products: int


@attrs.frozen
class ServiceNode:
    id: int
    name: str
    groups: tuple[GroupNode, ...]


@attrs.frozen
class CatalogTree:
    institution: InstitutionView
    services: tuple[ServiceNode, ...]


@attrs.frozen
class CatalogStateView:
    """An institution's catalog and units: their versions (each import names the one it was
    drawn from: ``If-Match`` / the page's hidden field) and how many products and units."""

    institution_code: str
    catalog: VersionStamp
    units: VersionStamp
    products: int
    unit_count: int


@attrs.frozen
class ExportResult:
    rows: int
    path: str



# --------------------------------------------------------------------------- builders


def institution_view(institution: Institution) -> InstitutionView:
    return InstitutionView(
        code=institution.code, name=institution.name, entity_word=institution.entity_word,
        has_specialty_level=institution.has_specialty_level,
        signed_pdf_max_bytes=institution.signed_pdf_max_bytes,
        signed_policy_description=institution.signed_report_policy.description,
        signature_labels=institution.signature_labels)


def entity_view(institution: Institution, entity: Entity, position: int = 0) -> EntityView:
    return EntityView(institution_code=institution.code, code=entity.code, name=entity.name,
                      title=institution.entity_title(entity.name), position=position)


def period_view(period: Period, clock: Clock, for_manager: bool = False,
                version: VersionStamp = NEVER_SAVED) -> PeriodView:
    """``for_manager``: the reader may open the period, and the refusal is worded for them."""
    refusal = period.capture_refusal(clock, for_manager=for_manager)
    return PeriodView(
        institution_code=period.institution_code, year=period.year, label=period.label,
        is_open=period.is_open, window_start=period.window_start, window_end=period.window_end,
        closed_at=period.closed_at, capture_open=refusal is None, refusal=refusal,
        version=version)


def signed_view(report: SignedReport) -> SignedReportView:
    return SignedReportView(
        version=report.version, original_name=report.original_name, size=report.size,
        sha256=report.sha256, uploaded_at=report.uploaded_at, uploaded_by=report.uploaded_by,
        final_version=report.final_version, current=not report.superseded,
        superseded_at=report.superseded_at,
        superseded_label=report.superseded_reason.label if report.superseded_reason else None)


# --------------------------------------------------------------------------- institutions (E1)


@attrs.frozen
class InstitutionSettingsView:
    """Every setting of an institution, as the admin page, the CLI and the audit show it."""

    code: str
    name: str
    entity_word: str
    signature_labels: tuple[str, str]
    header_lines: tuple[str, ...]
    signature_name_line: bool
    signed_pdf_max_mb: int
    has_specialty_level: bool
    storage_backend: str
    version: VersionStamp = NEVER_SAVED  # the settings' version: an edit names it
    entity_count: int | None = None  # its entities (lists and registration say how many)


def institution_settings_view(institution: Institution, version: VersionStamp = NEVER_SAVED,
                              entity_count: int | None = None) -> InstitutionSettingsView:
    return InstitutionSettingsView(
        code=institution.code, name=institution.name, entity_word=institution.entity_word,
        signature_labels=institution.signature_labels, header_lines=institution.header_lines,
        signature_name_line=institution.signature_name_line,
        signed_pdf_max_mb=institution.signed_pdf_max_mb,
        has_specialty_level=institution.has_specialty_level,
        storage_backend=institution.storage_backend, version=version,
        entity_count=entity_count)


# --------------------------------------------------------------------------- review, history


@attrs.frozen
class HistoryItem:
    """One audited transition of an entity's report, as its "Historial" page lists it."""

    at: datetime
    actor: str
    action: str  # the audit action, e.g. "excedentes.review_return"
    label: str  # "Devuelto para corrección"
    detail: str  # the reason and what changed, in words


@attrs.frozen
class CompletenessRow:
    """One line of the completeness table: a period, an institution or an entity."""

    key: str  # year, institution code or entity code
    name: str
    figures: Completeness
    year: int | None = None
    institution_code: str | None = None
    status_label: str | None = None  # entity rows: Aceptado, Firmado…
    days_late: int | None = None  # entity rows


@attrs.frozen
class CompletenessView:
    """National (``year`` None: one row per period), one period (one row per institution) or
    one institution in a period (one row per entity)."""

    level: str  # national | period | institution
    year: int | None
    institution_code: str | None
    institution_name: str | None
    total: Completeness
    rows: tuple[CompletenessRow, ...]
    years: tuple[int, ...]
