"""Plain attrs rows the sanece queries and use cases return (what templates, the JSON API and
the CLI read). Nothing here knows SQL or HTTP. Dates are ``date``; instants are aware UTC
``datetime`` (format them in the product's time zone). Labels are the guide's Spanish.
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from sanece.domain.model import PatientNames, nss_aggregate
from sanece.domain.request_types import FieldChange  # a line of a type's before → after
from sanece.domain.requests import first_broken, merge_window_rules
from shared.kernel.errors import DomainError
from shared.kernel.rules import BusinessRule, check_rule
from shared.kernel.scope import Role
from sanece.domain.values import (
    EvaluationStatus,
    ExpiryChangeKind,
    RequestStatus,
    Validity,
    format_date,
)
from sanece.domain.request_types import RequestType

# --------------------------------------------------------------------------- labels


class StatusLabel:
    """The Spanish label of a row's ``status`` (an enumeration with ``label``)."""

    __slots__ = ()

    @property
    def status_label(self) -> str:
        return self.status.label  # type: ignore[attr-defined]


class Evaluated(StatusLabel):
    """Labels of a folio's evaluation: its ``status`` and its ``validity`` (vigencia)."""

    __slots__ = ()

    @property
    def validity_label(self) -> str:
        return self.validity.label  # type: ignore[attr-defined]

    @property
    def in_force(self) -> bool:
        return self.validity is Validity.IN_FORCE  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- organisation


@attrs.frozen
class OoadView:
    id: int
    name: str


@attrs.frozen
class UnitView:
    id: int
    name: str
    ooad_id: int
    ooad_name: str

    @property
    def label(self) -> str:
        """The director's header line and the tables' wording: "CAMPECHE (H Gral Zona MF 4)"."""
        return f"{self.ooad_name} ({self.name})"


@attrs.frozen
class DrugKeyView:
    code: str
    description: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.description}".strip()


@attrs.frozen
class MedicineView:
    id: int
    name: str
    keys: tuple[DrugKeyView, ...]


# --------------------------------------------------------------------------- folios


@attrs.frozen
class DrugLineView:
    """Clave 1 / Clave 2 of a folio with the catalog's presentation text."""

    key: str
    description: str
    quantity: int

    @property
    def label(self) -> str:
        return f"{self.key} ({self.quantity})"


@attrs.frozen
class FolioRow(Evaluated):
    """One line of Inicio (S2), of a patient's history (S5) and of the evaluator's queue."""

    number: str
    generic: str
    medicine_id: int
    evaluation_date: date
    status: EvaluationStatus
    validity: Validity
    keys_label: str  # "5795 (12)" or "5795 (12), 5796 (2)"
    expiry_date: date | None
    patient_id: int
    nss: str
    aggregate: str
    patient_name: str  # nombre(s) and surnames
    unit_id: int
    unit_label: str  # "CAMPECHE (H Gral Zona MF 4)"

    @property
    def folio_generic(self) -> str:
        """Folio (Genérico): "20250414214 (TRASTUZUMAB EMTANSINA)"."""
        return f"{self.number} ({self.generic})"

    @property
    def patient_label(self) -> str:
        """Paciente (nss-agregado): "1111111111-1F1980OR"."""
        return f"{self.nss}-{self.aggregate}"

    @property
    def expiry_label(self) -> str:
        return format_date(self.expiry_date)


@attrs.frozen
class FolioDetail(Evaluated):
    """Consultar folio (S3) and every "Detalle" window: the folio as it is now."""

    number: str
    generic: str
    medicine_id: int
    generic_keys: tuple[DrugKeyView, ...]  # the genérico's claves (Cambio de requerimiento)
    status: EvaluationStatus
    validity: Validity
    evaluation_date: date
    period_months: int | None
    expiry_date: date | None
    cancellation_date: date | None
    patient_id: int
    patient_name: str
    nss: str
    aggregate: str
    diagnosis: str
    ooad_id: int
    ooad: str
    unit_id: int
    unit: str
    drugs: tuple[DrugLineView, ...]  # clave 1, clave 2
    requirement: str
    observations: str
    extended: bool = False  # the expiry was moved by a validated ampliación
    version: int = 0  # what a form drawn from this detail carries (optimistic lock, ETag)

    @property
    def nss_aggregate(self) -> str:
        return nss_aggregate(self.nss, self.aggregate)

    @property
    def key1(self) -> DrugLineView | None:
        return self.drugs[0] if self.drugs else None

    @property
    def key2(self) -> DrugLineView | None:
        return self.drugs[1] if len(self.drugs) > 1 else None

    @property
    def keys_label(self) -> str:
        return ", ".join(d.label for d in self.drugs)


# --------------------------------------------------------------------------- patients


@attrs.frozen
class PatientRow(PatientNames):
    """Pacientes (S5) and the NSS search of Cambios (S7, S8)."""

    id: int
    paternal_surname: str
    maternal_surname: str
    given_names: str
    nss: str
    aggregate: str
    merged_into: int | None = None
    last_evaluation: date | None = None  # the newest folio's date in the caller's scope
    folio_count: int = 0
    version: int = 0  # what a form drawn from this record carries (optimistic lock, ETag)


@attrs.frozen
class HistoryRow(Evaluated):
    """Historial de evaluaciones: Folio, Genérico, Estatus (Ver detalle by number)."""

    number: str
    generic: str
    status: EvaluationStatus
    validity: Validity
    evaluation_date: date
    expiry_date: date | None
    unit_id: int


@attrs.frozen
class PatientHistory:
    patient: PatientRow
    folios: tuple[HistoryRow, ...]  # newest first

    @property
    def heading(self) -> str:
        """"Prueba Prueba Paciente 1111111111 - 1F1980OR" as the guide's history title."""
        p = self.patient
        return f"{p.paternal_surname} {p.maternal_surname} {p.given_names} {p.nss_aggregate}"


@attrs.frozen
class NssSearch:
    """Every record with one NSS that the caller may see (not merged ones)."""

    nss: str
    records: tuple[PatientRow, ...]
    pending_patient_data: frozenset[int]  # record ids with a pending data change
    pending_merge: frozenset[int]  # record ids with a pending homologación

    @property
    def merge_refusal(self) -> str | None:
        """Why the homologación window cannot open for this NSS (the domain's rule: a single
        record), or None."""
        broken = first_broken(merge_window_rules(self.records))
        return broken.get_message() if broken is not None else None

    @property
    def can_merge(self) -> bool:
        """"Solicitar Homologación" appears when the search finds more than one record."""
        return self.merge_refusal is None


@attrs.frozen
class MergePreviewView:
    """Both records side by side before filing, and what the merge would move."""

    record: PatientRow  # Homologar (Datos anteriores)
    correct: PatientRow  # Correcto (Datos actuales)
    record_folios: tuple[HistoryRow, ...]
    correct_folios: tuple[HistoryRow, ...]
    folios_to_move: tuple[str, ...]  # those the caller may see
    other_folios_to_move: int = 0  # folios of the record in other units (not shown)


# --------------------------------------------------------------------------- change requests


@attrs.frozen
class AttachmentView:
    index: int  # 1-based position in the request (Adjunto 1..3)
    original_name: str
    content_type: str
    size: int

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


@attrs.frozen
class RequestRow(StatusLabel):
    """One row of a "Solicitudes realizadas" table (S7–S11) and of the review queue (S12).

    ``original`` / ``requested`` are the two data columns every type fills (its
    ``row_columns``): Datos originales / solicitados, Datos anteriores / actuales, Fecha de
    vencimiento original / Fecha final, the folio's unit / OOAD/UMAE de destino, Requerimiento
    original / solicitado. The columns from ``motive`` to ``requested_keys`` are those of the
    types whose tables show more (empty for the others: ``queries.TYPE_COLUMNS``)."""

    id: int
    type: RequestType
    kind: ExpiryChangeKind | None
    status: RequestStatus
    filed_at: datetime
    filed_by: str
    age_days: int
    unit_id: int | None
    unit_label: str  # the filing unit: "CAMPECHE (H Gral Zona MF 4)"
    ooad_id: int | None
    folio_number: str | None
    patient_id: int | None
    original: str
    requested: str
    motive: str
    original_expiry: date | None
    final_date: date | None
    destination_ooad: str
    destination_unit: str
    original_requirement: str
    original_keys: str
    requested_requirement: str
    requested_keys: str
    reason: str | None
    decided_at: datetime | None
    decided_by: str | None
    attachment_count: int
    undone_at: datetime | None = None
    moved_folios: tuple[str, ...] = ()  # an approved merge: the folios that moved
    reason_code: str | None = None  # the coded reason (No Validado, pending, cancelled…)
    modified: bool = False  # Validado con modificación
    business_days: int = 0  # age in business days (Mexican federal holidays excluded)
    overdue: bool = False  # open and past the queue's target
    info_requested_at: datetime | None = None  # the open "Requiere información"
    info_missing: str | None = None

    @property
    def status_label(self) -> str:
        """Estatus de cambio: "Validado con modificación", and an undone merge says so."""
        if self.undone_at is not None:
            return "Validado (homologación deshecha)"
        if self.modified:
            return "Validado con modificación"
        return self.status.label

    @property
    def type_label(self) -> str:
        """Tipo de solicitud: the expiry subtype (Baja de folio / Ampliación…) or the type."""
        return self.kind.label if self.kind is not None else self.type.label

    @property
    def is_pending(self) -> bool:
        return self.status is RequestStatus.PENDING

    @property
    def target_label(self) -> str:
        return self.folio_number or self.original

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@attrs.frozen
class RequestDetail:
    """"Revisar": the request with its before/after, attachments and the reviewer's reason."""

    row: RequestRow
    detail: str  # Detalla el motivo
    changes: tuple[FieldChange, ...]
    attachments: tuple[AttachmentView, ...]
    moved_folios: tuple[str, ...] = ()  # an approved merge: the folios that moved
    undone_by: str | None = None
    folio: FolioDetail | None = None  # the folio as it is now (folio requests), if visible
    current_patient: PatientRow | None = None  # the patient as it is now (patient requests)
    # A pending ampliación: the Fecha final the reviewer may set (earliest, latest)
    new_expiry_range: tuple[date, date] | None = None
    # A pending homologación: both records and the folios that validating it would move
    merge_preview: "MergePreviewView | None" = None
    # Validado con modificación: requested -> authorized
    authorized: tuple[FieldChange, ...] = ()
    rounds: tuple["InfoRoundView", ...] = ()  # Requiere información and the answers
    reason_text: str | None = None  # the catalog's text of ``row.reason_code``
    expires_at: datetime | None = None  # an open "Requiere información": when it expires


@attrs.frozen
class InfoRoundView:
    reason_code: str
    reason_text: str
    missing: str
    requested_by: str
    requested_at: datetime
    note: str | None
    answered_by: str | None
    answered_at: datetime | None
    attachments: tuple["AttachmentView", ...] = ()


@attrs.frozen
class PendingBand:
    type_label: str
    counts: tuple[int, ...]  # one per age band
    total: int


@attrs.frozen
class MedianRow:
    type_label: str
    month: str  # "2026-12"
    decisions: int
    median_days: float


@attrs.frozen
class ReviewerRow:
    reviewer: str
    approved: int
    modified: int
    rejected: int
    pended: int

    @property
    def total(self) -> int:
        return self.approved + self.modified + self.rejected + self.pended


@attrs.frozen
class QueueStats:
    """The statistics page: pending by type and age band, median business days to a
    decision per type and month, decisions per reviewer."""

    target_days: int
    bands: tuple[str, ...]
    pending: tuple[PendingBand, ...]
    overdue: int
    medians: tuple[MedianRow, ...]
    reviewers: tuple[ReviewerRow, ...]


@attrs.frozen
class FilingCheck:
    """Whether a request may be filed on a target now: ``allowed``, or the refusal the filing
    would give (``message`` in Spanish, ``rule`` its stable code)."""

    type: RequestType
    allowed: bool
    message: str | None = None
    rule: str | None = None

    @classmethod
    def of(cls, request_type: RequestType, broken: BusinessRule | None) -> "FilingCheck":
        try:
            if broken is not None:
                check_rule(broken)  # the refusal exactly as the filing raises it
        except DomainError as refused:
            return cls(request_type, False, refused.message, refused.code)
        return cls(request_type, True)


@attrs.frozen
class RequestFiled(StatusLabel):
    """What filing returns: the new request(s) (a merge files one per Homologar record)."""

    ids: tuple[int, ...]
    type: RequestType
    status: RequestStatus = RequestStatus.PENDING


@attrs.frozen
class Decision(StatusLabel):
    """What approving or rejecting returns."""

    request_id: int
    type: RequestType
    status: RequestStatus
    decided_at: datetime
    reason: str | None = None
    applied: tuple[FieldChange, ...] = ()
    modified: bool = False  # Validado con modificación
    authorized: tuple[FieldChange, ...] = ()  # requested -> authorized
    reason_code: str | None = None

    @property
    def decision_label(self) -> str:
        return "Validado con modificación" if self.modified else self.status_label


@attrs.frozen
class UndoneMerge:
    request_id: int
    record_id: int
    correct_id: int
    moved_back: tuple[str, ...]


# --------------------------------------------------------------------------- other results


@attrs.frozen
class EvaluationResult(StatusLabel):
    number: str
    status: EvaluationStatus
    expiry_date: date | None


@attrs.frozen
class PrintedResponse:
    number: str
    pages: int
    filename: str  # "respuesta-sanece-20250414214.pdf"


@attrs.frozen
class ExtractionResult:
    rows: int
    filename: str  # "extraccion-sanece-<unit>-<from>-<to>.xlsx"


@attrs.frozen
class ExtractionForm:
    """What the Extracción page proposes: the window rules and the filter lists."""

    start: date  # today - 1 year
    end: date  # today
    earliest: date  # today - 3 years
    generics: tuple[MedicineView, ...]  # TODOS + these
    statuses: tuple[EvaluationStatus, ...]  # TODOS + these
    modes: tuple[tuple[str, str], ...]  # (value, label): POR FOLIO, POR PACIENTE


@attrs.frozen
class ImportSummary:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@attrs.frozen
class FeedbackRow:
    id: int
    kind_label: str
    text: str
    author: str
    role: str  # the author's role code when they wrote (``shared.kernel.scope.Role``)
    unit_label: str
    submitted_at: datetime

    @property
    def role_label(self) -> str:
        """"Director de la Unidad Médica" rather than the code ``director``."""
        try:
            return Role(self.role).label
        except ValueError:
            return self.role


@attrs.frozen
class FolioHistoryEntry:
    """One change that touched a folio (its page's "Historial del folio"), oldest first."""

    at: datetime
    what: str  # "Evaluación", "Cambio de unidad médica", "Homologación deshecha", …
    by: str  # who registered or validated it ("" for data imported without a trail)
    changes: tuple[FieldChange, ...] = ()
    request_id: int | None = None  # the request applied, when the caller may open it
    version: int = 1  # the response PDF's version this change produced


@attrs.frozen
class FolioVersion:
    """"Versión 3, 06/12/2026" of a response PDF and the version it replaces."""

    number: int
    on: date
    replaces: int | None = None
    replaces_on: date | None = None
