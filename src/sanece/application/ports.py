"""Ports of the sanece application: repositories and the unit of work (write side), the read
model (queries answered straight from the tables), file storage and the document renderers.

Write side: a use case opens one ``SaneceUnitOfWork``, loads entities through its repositories
(which map rows to domain objects explicitly, so the domain's validation re-runs on load),
calls the domain, writes through the repositories, records the audit entry with ``uow.audit``
and commits once. Repositories never commit. An ``update`` of a folio or patient that changed
in another transaction since it was loaded raises ``Conflict``.

Read side: ``SaneceReadModel`` answers lists with plain rows and no scope rules; the query
service in ``queries.py`` applies the caller's scope around it.

Other ports: ``Clock`` (``shared.kernel.clock``); attachments are kept through the platform's
``shared.storage.domain.FileStorage``; the documents' renderer, the extraction writer and the
import files read plain data defined in ``documents.py``; an upload is an ``UploadedFile``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import (
    Any, BinaryIO, Callable, Iterable, Iterator, Mapping, Protocol, Sequence, TypeVar)

import attrs

from sanece.application.documents import (
    RequestExtractRow,
    FolioExtractRow,
    FolioImportRow,
    FolioResponseDocument,
    MedicineImportRow,
    PatientExtractRow,
    PatientImportRow,
    UnitImportRow,
)
from sanece.application.results import (
    FeedbackRow,
    FolioRow,
    HistoryRow,
    MedicineView,
    OoadView,
    PatientRow,
    UnitView,
)
from sanece.domain.decisions import DecisionReason
from sanece.domain.extraction import ExtractionCriteria
from sanece.domain.feedback import Feedback
from sanece.domain.model import Folio, MedicalUnit, Medicine, Ooad, Patient
from sanece.domain.requests import ChangeRequest
from sanece.domain.values import DrugKey, ExpiryChangeKind, RequestStatus
from sanece.domain.request_types import RequestType
from shared.audit.domain import AuditLog
from shared.kernel.clock import Clock
from shared.storage.domain import FileStorage

_T = TypeVar("_T")

__all__ = [
    "Clock", "ExtractionWriter", "FileStorage", "FolioPdfRenderer", "SaneceFiles", "Feedback",
    "ChangeRequestRepository", "FeedbackRepository", "FolioRepository", "MedicineRepository",
    "OoadRepository", "PatientRepository", "RequestFilter", "SaneceReadModel",
    "SaneceUnitOfWork", "StoredRequest", "UnitOfWorkFactory", "UnitRepository",
    "UploadedFile", "ReasonRepository",
]

# --------------------------------------------------------------------------- repositories


class OoadRepository(Protocol):
    def get(self, ooad_id: int) -> Ooad | None: ...

    def find(self, name: str) -> Ooad | None:
        """By name, ignoring case, accents and spacing."""
        ...

    def add(self, name: str) -> Ooad: ...


class UnitRepository(Protocol):
    def get(self, unit_id: int) -> MedicalUnit | None: ...

    def find(self, ooad_id: int, name: str) -> MedicalUnit | None:
        """By name inside an OOAD, ignoring case, accents and spacing."""
        ...

    def add(self, ooad_id: int, name: str) -> MedicalUnit: ...


class MedicineRepository(Protocol):
    def get(self, medicine_id: int) -> Medicine | None: ...

    def find(self, name: str) -> Medicine | None:
        """By genérico name, ignoring case, accents and spacing."""
        ...

    def owner_of_key(self, code: str) -> int | None:
        """The id of the genérico a clave belongs to (a clave belongs to one genérico)."""
        ...

    def add(self, name: str) -> Medicine: ...

    def add_key(self, medicine_id: int, key: DrugKey) -> None: ...

    def update_key(self, medicine_id: int, key: DrugKey) -> None:
        """The presentation text of an existing clave."""
        ...


class PatientRepository(Protocol):
    def get(self, patient_id: int, *, for_update: bool = False) -> Patient | None: ...

    def by_nss(self, nss: str) -> Sequence[Patient]:
        """Every record with this NSS (merged ones included), oldest first."""
        ...

    def add(self, patient: Patient) -> Patient:
        """Returns the stored patient (with its id)."""
        ...

    def add_many(self, patients: Sequence[Patient]) -> None:
        """Store new patients in one executemany (imports); each gets its id."""
        ...

    def update(self, patient: Patient, *, expected_version: int | None = None) -> None:
        """Write the record if it is still at ``expected_version`` (default: the version it
        was loaded with); ``Conflict`` otherwise."""
        ...

    def hold(self, patient_id: int, expected_version: int) -> None:
        """``Conflict`` unless the record is still at ``expected_version`` (atomically)."""
        ...

    def units_of(self, patient_id: int) -> frozenset[int]:
        """The units where the patient has folios (a director sees the patient from these)."""
        ...


class FolioRepository(Protocol):
    def get(self, number: str, *, for_update: bool = False) -> Folio | None: ...

    def of_patient(self, patient_id: int, *, for_update: bool = False) -> Sequence[Folio]: ...

    def add(self, folio: Folio) -> None: ...

    def add_many(self, folios: Sequence[Folio]) -> None:
        """Store new folios in one executemany (imports)."""
        ...

    def update(self, folio: Folio, *, expected_version: int | None = None) -> None:
        """Write the folio if it is still at ``expected_version`` (default: the version it
        was loaded with); ``Conflict`` otherwise."""
        ...

    def hold(self, number: str, expected_version: int) -> None:
        """``Conflict`` unless the folio is still at ``expected_version`` (atomically)."""
        ...


class ChangeRequestRepository(Protocol):
    def get(self, request_id: int, *, for_update: bool = False) -> ChangeRequest | None: ...

    def for_folio(self, number: str) -> Sequence[ChangeRequest]:
        """Every request filed on the folio (any status)."""
        ...

    def for_patient(self, patient_id: int) -> Sequence[ChangeRequest]:
        """Every patient request (data change, merge) filed on the record (any status)."""
        ...

    def add(self, request: ChangeRequest) -> int:
        """Returns the new id. A second pending request of the same type on the same target
        (filed concurrently) raises ``Conflict``."""
        ...

    def update(self, request: ChangeRequest, previous: RequestStatus = RequestStatus.PENDING
               ) -> None:
        """The decision (status, reviewer, date, reason, its code, outcome, authorized values,
        information rounds), only if the stored status is still ``previous`` (``Conflict``
        otherwise: another user decided meanwhile)."""
        ...

    def awaiting_information(self) -> Sequence[ChangeRequest]:
        """Every request in Requiere información (what the expiry run looks at)."""
        ...

    def next_information_expiry(self, days: int) -> datetime | None:
        """When the first request in Requiere información expires (``next_expiry`` of
        ``awaiting_information``): None when none awaits. Pages ask on every view, so an
        adapter may serve it again until anything is written (the data version)."""
        ...


class ReasonRepository(Protocol):
    """The stored part of the catalog of coded reasons (``reason_catalog`` adds the
    defaults)."""

    def stored(self) -> Sequence[DecisionReason]: ...

    def save(self, reason: DecisionReason) -> None:
        """Insert or replace the reason of that code."""
        ...

    def record_merge_undo(self, request_id: int, by: str, at: datetime) -> None:
        """Marks an approved merge as undone (the decision itself stays as it was)."""
        ...


class FeedbackRepository(Protocol):
    def add(self, feedback: Feedback) -> int: ...


class SaneceUnitOfWork(Protocol):
    ooads: OoadRepository
    units: UnitRepository
    medicines: MedicineRepository
    patients: PatientRepository
    folios: FolioRepository
    requests: ChangeRequestRepository
    feedback: FeedbackRepository
    reasons: ReasonRepository
    audit: AuditLog

    def __enter__(self) -> "SaneceUnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], SaneceUnitOfWork]


# --------------------------------------------------------------------------- read model


@attrs.frozen
class StoredRequest:
    """A change request as stored, with what its lists show about the filing unit."""

    request: ChangeRequest
    unit_name: str
    ooad_id: int | None
    ooad_name: str
    undone_at: datetime | None = None
    undone_by: str | None = None

    @property
    def unit_label(self) -> str:
        return f"{self.ooad_name} ({self.unit_name})" if self.unit_name else ""


@attrs.frozen
class RequestFilter:
    """Filters of the request lists; None means any."""

    unit_id: int | None = None  # the filing unit (a director's own lists)
    type: RequestType | None = None
    kind: ExpiryChangeKind | None = None
    status: RequestStatus | None = None
    ooad_id: int | None = None  # the filing unit's OOAD (review queue)
    filed_before: datetime | None = None  # age filter: filed at least N days ago
    search: str = ""
    oldest_first: bool = False  # the review queue works first in, first out


class SaneceReadModel(Protocol):
    """Queries straight from the tables; no scope rules here (``queries.py`` applies them)."""

    def cached(self, key: tuple[Any, ...], load: Callable[[], _T]) -> _T:
        """``load()``, or its result kept for ``key`` while nothing has been written since
        (an adapter may keep it per process; no longer than until the next commit anywhere).
        ``key`` holds every input of ``load`` (the scope's unit included); the result must
        be immutable (frozen attrs, tuples): it is shared between requests."""
        ...

    # organisation and catalog
    def ooads(self) -> Sequence[OoadView]: ...

    def ooad(self, ooad_id: int) -> OoadView | None: ...

    def reasons(self) -> Sequence[DecisionReason]:
        """The stored part of the catalog of coded reasons."""
        ...

    def units(self, ooad_id: int | None = None) -> Sequence[UnitView]:
        """Ordered by OOAD then unit name."""
        ...

    def unit(self, unit_id: int) -> UnitView | None: ...

    def units_by_id(self, unit_ids: Iterable[int]) -> Mapping[int, UnitView]: ...

    def medicines(self) -> Sequence[MedicineView]: ...

    def medicine(self, medicine_id: int) -> MedicineView | None: ...

    # folios
    def folio(self, number: str) -> Folio | None: ...

    def latest_folios(self, unit_id: int | None, search: str, limit_latest: int | None,
                      offset: int, limit: int, today: date) -> tuple[Sequence[FolioRow], int]:
        """A unit's (or every unit's) folios, newest first; ``search`` matches folio, genérico,
        NSS, agregado, name and status label ignoring case and accents. Without a search only
        the ``limit_latest`` newest count (None: all). Returns (page, total)."""
        ...

    def pending_folios(self, ooad_id: int | None, unit_id: int | None, search: str,
                       offset: int, limit: int, today: date) -> tuple[Sequence[FolioRow], int]:
        """Pendiente folios, oldest first (the evaluator's queue)."""
        ...

    # patients
    def patient(self, patient_id: int) -> Patient | None: ...

    def patient_units(self, patient_id: int) -> frozenset[int]: ...

    def recent_patients(self, unit_id: int | None, search: str, limit_latest: int | None,
                        offset: int, limit: int) -> tuple[Sequence[PatientRow], int]:
        """Patients with folios in the unit (every patient with folios when None), the most
        recently evaluated first; same search and cap rules as ``latest_folios``."""
        ...

    def patients_by_nss(self, nss: str, unit_id: int | None) -> Sequence[PatientRow]:
        """Not merged records with this NSS (with folios in the unit, when given)."""
        ...

    def history(self, patient_id: int, today: date) -> Sequence[HistoryRow]:
        """The patient's folios, newest first."""
        ...

    # change requests
    def request(self, request_id: int) -> StoredRequest | None: ...

    def approved_requests_touching(self, number: str, patient_id: int
                                   ) -> Sequence[StoredRequest]:
        """Approved requests that may have changed folio ``number``: those filed on it, and
        the patient-data changes and merges of its record or of a record merged into it (the
        caller keeps the merges that moved this folio)."""
        ...

    def folio_evaluations(self, number: str) -> Sequence[EvaluationRecord]:
        """The evaluations registered on the folio (from the audit trail), oldest first."""
        ...

    def requests(self, flt: RequestFilter, offset: int, limit: int
                 ) -> tuple[Sequence[StoredRequest], int]: ...

    def pending_patient_requests(self, patient_ids: Iterable[int]
                                 ) -> Mapping[int, frozenset[RequestType]]: ...

    # extraction
    def extraction_folios(self, criteria: ExtractionCriteria, today: date
                          ) -> Iterator[FolioExtractRow]:
        """POR FOLIO rows, streamed in order of evaluation date and folio."""
        ...

    def extraction_patients(self, criteria: ExtractionCriteria) -> Iterator[PatientExtractRow]:
        """POR PACIENTE rows, streamed in order of surnames and names."""
        ...

    def extraction_requests(self, criteria: ExtractionCriteria) -> Sequence[RequestExtractRow]:
        """The SOLICITUDES sheet: the unit's change requests filed in the window (by their UTC
        day), oldest first, with their decision and coded reason."""
        ...

    def extraction_size(self, criteria: ExtractionCriteria) -> int:
        """How many folios the criteria select (large extractions run as jobs)."""
        ...

    # comentarios o sugerencias
    def feedback(self, offset: int, limit: int) -> tuple[Sequence[FeedbackRow], int]: ...


# --------------------------------------------------------------------------- documents, files


class FolioPdfRenderer(Protocol):
    def render(self, document: FolioResponseDocument, out: BinaryIO) -> int:
        """Write the PDF to ``out``; returns the number of pages."""
        ...


class ExtractionWriter(Protocol):
    """Writes a genuine .xlsx to ``out`` (a binary stream: a file, a spooled temporary file,
    a response body), consuming ``rows`` once, in order, in constant memory. Returns the
    number of data rows."""

    def write_by_folio(self, rows: Iterable[FolioExtractRow], out: BinaryIO,
                       requests: Sequence[RequestExtractRow] = ()) -> int:
        """``requests``: a second sheet (SOLICITUDES), not counted in the result."""
        ...

    def write_by_patient(self, rows: Iterable[PatientExtractRow], out: BinaryIO,
                         requests: Sequence[RequestExtractRow] = ()) -> int: ...


class SaneceFiles(Protocol):
    """Reads the S16 import files (CSV or XLSX). Refuses an unreadable file, an empty one or a
    missing column with ``shared.kernel.imports.ImportInvalid``; the rows themselves are
    validated by the application, which reports every bad line."""

    def read_units(self, path: Path, original_name: str) -> Iterator[UnitImportRow]: ...

    def read_medicines(self, path: Path, original_name: str) -> Iterator[MedicineImportRow]: ...

    def read_patients(self, path: Path, original_name: str) -> Iterator[PatientImportRow]: ...

    def read_folios(self, path: Path, original_name: str) -> Iterator[FolioImportRow]: ...


class UploadedFile(Protocol):
    @property
    def size(self) -> int: ...

    @property
    def original_name(self) -> str: ...

    def open(self) -> BinaryIO: ...


@attrs.frozen
class EvaluationRecord:
    at: datetime
    by: str
    status: str  # EvaluationStatus value


# --- notifications (``sanece.application.notifications``) ----------------------------------
@attrs.frozen
class RequestSubject:
    """What a notification says about a change request (no patient data)."""

    id: int
    unit_id: int | None
    type_label: str
    folio_number: str | None
    filed_at: datetime | None = None


@attrs.frozen
class FolioSubject:
    number: str
    unit_id: int
    status_label: str
    expiry_date: date | None = None


class NotificationSubjects(Protocol):
    """The look-ups the notification source needs, read-only."""

    def requests(self, ids: Iterable[int]) -> Mapping[int, RequestSubject]: ...

    def folios(self, numbers: Iterable[str]) -> Mapping[str, FolioSubject]: ...

    def expiring_folios(self, first: date, last: date) -> Sequence[FolioSubject]:
        """Validada folios, not cancelled, whose expiry date is within [first, last]."""
        ...

    def waiting_requests(self, filed_before: datetime) -> Sequence[RequestSubject]:
        """Requests in the reviewers' queue filed before ``filed_before``."""
        ...
