"""Every port of the excedentes application: repositories and the unit of work (write side),
the read model (queries answered straight from the tables) and the document ports.

Write side: a use case opens one ``ExcedentesUnitOfWork``, loads aggregates through its
repositories (which map rows to domain objects explicitly, so the domain's validation re-runs
on load), calls one domain command, writes through the repositories, records the audit entry
with ``uow.audit`` and commits once. Repositories never commit.

Read side: ``ExcedentesReadModel`` answers lists and dashboards with plain rows; the query
services in ``queries.py`` add the scope rules around it.

Documents: the renderer, exporter and catalog-file ports (the plain data they take is in
``documents.py``); file storage is the platform's ``shared.storage.domain.StorageSelector``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

import attrs

from excedentes.application.documents import EntityReportDocument, ExportRow
from excedentes.application.results import (
    FinalPrintView,
    ProductRequestView,
    ServiceBlock,
    CatalogStateView,
    ServiceNode,
    SpecialtyItem,
    TracedPrint,
    UnitItem,
)
from excedentes.domain.catalog import (
    Entity,
    MedicalUnit,
    Period,
    Product,
    ServiceGroup,
    Specialty,
)
from excedentes.domain.dashboard import ReportFacts
from excedentes.domain.grid import GridRow
from excedentes.domain.imports import CatalogRow, UnitRow
from excedentes.domain.institution import Institution, InstitutionSettings
from excedentes.domain.model import EntityReport, RecordsSaved
from excedentes.domain.product_requests import ProductRequest
from excedentes.domain.quality import OutlierThresholds, RowContext, ValueNote
from excedentes.domain.records import Record
from excedentes.domain.review import Returned, ReturnReason
from excedentes.domain.signed import SignedReport
from excedentes.domain.versions import VersionStamp
from shared.audit.domain import AuditLog

# --------------------------------------------------------------------------- small rows


@attrs.frozen
class FinalPrint:
    """One printed final version (E11): kept so that a signed paper copy can be traced."""

    folio: str
    fingerprint: str
    final_version: int
    printed_at: datetime
    printed_by: str
    pages: int


@attrs.frozen
class ProductLabel:
    """What a report line needs to know about a product."""

    product_id: int
    name: str
    unit_of_measure: str
    group_name: str
    service_name: str
    specialty_name: str | None


@attrs.frozen
class MergeCounts:
    created: int
    updated: int
    unchanged: int
    product_ids: tuple[int, ...]  # the id of each merged product, in input order


@attrs.frozen
class GroupInfo:
    id: int
    name: str
    service_id: int
    service_name: str
    institution_code: str


@attrs.frozen
class SpecialtyInfo:
    id: int
    name: str
    group_id: int


@attrs.frozen
class GridProduct:
    id: int
    name: str
    unit_of_measure: str


@attrs.frozen
class DashboardSource:
    """One entity of the tablero as SQL aggregates it."""

    entity_code: str
    entity_name: str
    total_units: int
    facts: ReportFacts


@attrs.frozen
class CompletenessSource:
    """One entity in one period, as completeness and timeliness count it."""

    institution_code: str
    institution_name: str
    year: int
    entity_code: str
    entity_name: str
    window_end: date | None
    answered: bool
    finalized_at: datetime | None
    signed: bool
    accepted: bool


@attrs.frozen
class ReportStatus:
    """The stored state of one entity's report (no record list)."""

    facts: ReportFacts
    finalized_at: datetime | None
    finalized_by: str | None
    final_version: int
    final_fingerprint: str | None
    current_signed: SignedReport | None
    version: VersionStamp = attrs.field(factory=VersionStamp)
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    returned: Returned | None = None  # only while being corrected (not finalized again)


@attrs.frozen
class Edition:
    """The settings one legacy edition used (E1), kept as data outside the code."""

    code: str  # IMSS, SS, IMSSB, ISSSTE, PEMEX
    label: str  # "Secretaría de Salud, marzo 2021"
    settings: InstitutionSettings
    # its entities (code, name) in dashboard order: the 32 states, IMSS with its OOADs
    entities: tuple[tuple[str, str], ...] = ()

    def institution(self) -> Institution:
        return self.settings.build(self.code)


class InstitutionEditions(Protocol):
    """The editions an institution can be registered from (``institution create --edition``)."""

    def all(self) -> Sequence[Edition]: ...

    def get(self, code: str) -> Edition | None: ...


# --------------------------------------------------------------------------- repositories


class InstitutionRepository(Protocol):
    def get(self, code: str) -> Institution | None: ...

    def list(self) -> Sequence[Institution]: ...

    def add(self, institution: Institution, position: int | None = None) -> None:
        """``position`` None: after the last institution (the order of lists and pickers)."""
        ...

    def update(self, institution: Institution) -> None:
        """Write the settings (the code is the key and never changes)."""
        ...

    def version(self, code: str) -> VersionStamp:
        """The version of the institution's settings (``NEVER_SAVED`` when missing)."""
        ...

    def bump_version(self, code: str, expected: int | None, by: str, at: datetime) -> bool:
        """One ``UPDATE … WHERE version = :expected`` of the settings' version (any version
        when None); False when ``expected`` was not current."""
        ...

    def product_count(self, code: str) -> int:
        """Products in the institution's catalog (the especialidad level is fixed once > 0)."""
        ...

    def catalog_version(self, code: str, kind: str) -> VersionStamp:
        """The version of the institution's ``kind`` ("catalog" or "units")."""
        ...

    def bump_catalog_version(self, code: str, kind: str, expected: int | None, by: str,
                             at: datetime) -> bool:
        """One ``UPDATE … WHERE version = :expected`` (any version when None); False when
        ``expected`` was not current (or the institution does not exist)."""
        ...


class EntityRepository(Protocol):
    def get(self, institution_code: str, code: str) -> Entity | None: ...

    def list(self, institution_code: str) -> Sequence[Entity]: ...

    def codes_by_institution(self) -> Mapping[str, frozenset[str]]: ...

    def add_many(self, entities: Sequence[Entity]) -> None:
        """Entities keep the given order (the dashboard's "No.")."""
        ...


class UnitRepository(Protocol):
    def get(self, clues: str) -> MedicalUnit | None: ...

    def get_many(self, clues: Iterable[str]) -> Mapping[str, MedicalUnit]: ...

    def count(self, institution_code: str, entity_code: str) -> int: ...

    def with_records(self, clues: Iterable[str]) -> frozenset[str]:
        """Which of these units have records in any report (they may not move entity)."""
        ...

    def add_many(self, units: Sequence[MedicalUnit]) -> None: ...

    def update_many(self, units: Sequence[MedicalUnit]) -> None: ...


class PeriodRepository(Protocol):
    def get(self, institution_code: str, year: int, *, for_update: bool = False
            ) -> Period | None: ...

    def add(self, period: Period) -> None: ...

    def update(self, period: Period) -> None: ...

    def version(self, institution_code: str, year: int) -> VersionStamp: ...

    def bump_version(self, institution_code: str, year: int, expected: int | None, by: str,
                     at: datetime) -> bool:
        """One ``UPDATE … WHERE version = :expected``; False when it was not current."""
        ...


class ReportRepository(Protocol):
    """The ``EntityReport`` aggregate, keyed by institution, entity code and year."""

    def get(self, institution_code: str, entity_code: str, year: int, *,
            for_update: bool = False, unit: str | None = None) -> EntityReport | None:
        """With its records, signed reports and period; ``for_update`` locks the row.

        ``unit`` (a CLUES): the other units' records may be left out, for a command on that
        unit alone (``save_grid``): it reads and replaces only the unit's records, and
        ``apply_records`` writes only those. Such a report is never summed, finalized or
        ``update``d for its records."""
        ...

    def add(self, report: EntityReport) -> None: ...

    def update(self, report: EntityReport) -> None:
        """Answer and finalization fields."""
        ...

    def apply_records(self, report: EntityReport, saved: RecordsSaved) -> None:
        """Write what a ``RecordsSaved`` event changed (delete + executemany insert)."""
        ...

    def try_add(self, report: EntityReport) -> bool:
        """``add``, or False (nothing written) when a concurrent save created it first."""
        ...

    def report_version(self, report: EntityReport) -> VersionStamp: ...

    def bump_report_version(self, report: EntityReport, expected: int | None, by: str,
                            at: datetime) -> bool:
        """Atomically move the report to its next version: one ``UPDATE … WHERE version =
        :expected`` (any version when ``expected`` is None); False when it was not current."""
        ...

    def grid_version(self, report: EntityReport, clues: str, group_id: int,
                     specialty_id: int | None) -> VersionStamp:
        """The current version of one Paso 6 grid (``NEVER_SAVED`` before its first save)."""
        ...

    def bump_grid_version(self, report: EntityReport, clues: str, group_id: int,
                          specialty_id: int | None, expected: int, by: str,
                          at: datetime) -> bool:
        """Atomically move the grid from version ``expected`` to the next one (one
        ``UPDATE … WHERE version = :expected``, or the first insert); False when another
        save got there first, in which case nothing was written."""
        ...

    def save_signed_reports(self, report: EntityReport) -> None:
        """Insert new versions, update superseded ones (versions are never deleted)."""
        ...

    def add_final_print(self, report: EntityReport, printed: FinalPrint) -> None: ...

    def final_prints(self, report: EntityReport) -> Sequence[FinalPrint]: ...


class CatalogRepository(Protocol):
    def group(self, group_id: int) -> ServiceGroup | None: ...

    def group_info(self, group_id: int) -> GroupInfo | None: ...

    def specialty(self, specialty_id: int) -> Specialty | None: ...

    def specialty_info(self, specialty_id: int) -> SpecialtyInfo | None: ...

    def product_ids(self, group_id: int, specialty_id: int | None) -> Sequence[int]:
        """Products of a Paso 6 grid (every product of the group when ``specialty_id`` is
        None)."""
        ...

    def labels(self, product_ids: Iterable[int]) -> Mapping[int, ProductLabel]: ...

    def merge_products(self, products: Sequence[Product]) -> MergeCounts:
        """Add products (creating their Servicio / Grupo / Especialidad by name, ignoring case
        and accents) or update the unit of measure of the same product; nothing is deleted."""
        ...


class ProductRequestRepository(Protocol):
    def add(self, request: ProductRequest) -> int: ...

    def get(self, request_id: int, *, for_update: bool = False) -> ProductRequest | None: ...

    def update(self, request: ProductRequest, product_id: int | None = None) -> None: ...

    def version(self, request_id: int) -> VersionStamp: ...

    def bump_version(self, request_id: int, expected: int | None, by: str,
                     at: datetime) -> bool:
        """One ``UPDATE … WHERE version = :expected``; False when it was not current."""
        ...

    def mark_decisions_seen(self, institution_code: str, entity_code: str, requested_by: str,
                            at: datetime) -> tuple[int, ...]:
        """The requester has seen the decisions of their entity's requests: set the time on
        the decided ones not seen yet; returns their ids (oldest first)."""
        ...


class ReturnReasonRepository(Protocol):
    """The catalog of coded return reasons (review by levels)."""

    def list(self) -> Sequence[ReturnReason]: ...

    def get(self, code: str) -> ReturnReason | None: ...

    def add(self, reason: ReturnReason) -> None: ...

    def update(self, reason: ReturnReason) -> None: ...
@attrs.frozen
class OutlierItem:
    """One row of an entity's list of outliers: the unit, the product, the explanation shown
    at the save and the capturista's comment."""

    clues: str
    unit_name: str
    level: str
    product_id: int
    product: str
    group_name: str
    comment: str
    explanation: str
    updated_by: str
    updated_at: datetime


class QualityRepository(Protocol):
    """Data quality at capture, inside the save's transaction."""

    def contexts(self, institution_code: str, entity_code: str, year: int, clues: str,
                 level: str, product_ids: Iterable[int]) -> Mapping[int, RowContext]:
        """Per product: the unit's previous-period row and the peers' values."""
        ...

    def notes(self, institution_code: str, entity_code: str, year: int, clues: str,
              product_ids: Iterable[int]) -> Mapping[int, ValueNote]: ...

    def save_notes(self, institution_code: str, entity_code: str, year: int, clues: str,
                   notes: Mapping[int, ValueNote], by: str, at: datetime) -> None:
        """Replace the notes of these products; an empty note deletes the product's."""
        ...


class QualityReadModel(Protocol):
    """What the pages read: notes beside a grid, the previous period's rows, the outliers."""

    def grid_notes(self, institution_code: str, entity_code: str, year: int, clues: str,
                   product_ids: Iterable[int]) -> Mapping[int, ValueNote]: ...

    def previous_rows(self, institution_code: str, entity_code: str, year: int, clues: str,
                      product_ids: Iterable[int]) -> Mapping[int, GridRow]:
        """The unit's rows of ``year - 1`` for these products."""
        ...

    def entity_outliers(self, institution_code: str, entity_code: str,
                        year: int) -> Sequence[OutlierItem]: ...

    def product_name(self, institution_code: str, product_id: int) -> str | None:
        """The product's name when it is of the institution's catalog, else None."""
        ...


class OutlierThresholdsSource(Protocol):
    """The thresholds as data (a file the operator may edit), per institution."""

    def for_institution(self, institution_code: str) -> OutlierThresholds: ...


class ExcedentesUnitOfWork(Protocol):
    institutions: InstitutionRepository
    entities: EntityRepository
    units: UnitRepository
    periods: PeriodRepository
    reports: ReportRepository
    catalog: CatalogRepository
    requests: ProductRequestRepository
    return_reasons: ReturnReasonRepository
    quality: QualityRepository
    audit: AuditLog

    def __enter__(self) -> "ExcedentesUnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], ExcedentesUnitOfWork]


# --------------------------------------------------------------------------- read model


class ExcedentesReadModel(Protocol):
    """Queries straight from the tables; no scope rules here (``queries.py`` applies them)."""

    def institution(self, code: str) -> Institution | None: ...

    def institutions(self) -> Sequence[Institution]: ...

    def institution_versions(self) -> Mapping[str, VersionStamp]:
        """The version of each institution's settings, by code."""
        ...

    def entity(self, institution_code: str, code: str) -> Entity | None: ...

    def entities(self, institution_code: str) -> Sequence[Entity]: ...

    def find_entities(self, institution_code: str, text: str) -> Sequence[Entity]:
        """Entities whose code or name equals ``text`` ignoring case, accents, punctuation and
        extra spaces (``excedentes.domain.catalog.name_key``); when none, those whose name
        contains it."""
        ...

    def period(self, institution_code: str, year: int) -> Period | None: ...

    def periods(self, institution_code: str) -> Sequence[Period]:
        """Newest first."""
        ...

    def period_versions(self, institution_code: str) -> Mapping[int, VersionStamp]:
        """The version of each period of the institution, by year."""
        ...

    def dashboard(self, institution_code: str, year: int) -> Sequence[DashboardSource]:
        """The tablero's entities, in order. A tuple is never changed afterwards: while the
        data are unchanged the SQL read model hands out the same tuple again, and
        ``ExcedentesQueries.dashboard`` keeps the rows it built from it."""
        ...

    def return_reasons(self) -> Sequence[ReturnReason]:
        """The catalog of return reasons, active and not, in the administrator's order."""
        ...

    def completeness(self, year: int | None, institution_code: str | None
                     ) -> Sequence[CompletenessSource]:
        """One row per entity of every institution (or one) and every period on record (or
        one year) that has a period: the facts completeness and timeliness are counted from."""
        ...

    def report_status(self, institution_code: str, entity_code: str, year: int
                      ) -> ReportStatus | None: ...

    def unit_count(self, institution_code: str, entity_code: str) -> int: ...

    def unit(self, clues: str) -> MedicalUnit | None: ...

    def unit_item(self, institution_code: str, entity_code: str, year: int,
                  clues: str) -> UnitItem | None: ...

    def units_page(self, institution_code: str, entity_code: str, year: int, search: str,
                   offset: int, limit: int) -> tuple[Sequence[UnitItem], int]:
        """Units ordered by level (PRIMER, SEGUNDO, TERCER NIVEL, others) and name; ``search``
        matches CLUES or name ignoring case and accents. Returns (page items, total)."""
        ...

    def service_groups(self, institution_code: str, entity_code: str, year: int,
                       clues: str) -> Sequence[ServiceBlock]: ...

    def group_info(self, group_id: int) -> GroupInfo | None: ...

    def specialty_info(self, specialty_id: int) -> SpecialtyInfo | None: ...

    def specialties(self, institution_code: str, entity_code: str, year: int, clues: str,
                    group_id: int) -> Sequence[SpecialtyItem]: ...

    def grid_products(self, group_id: int, specialty_id: int | None,
                      search: str = "") -> Sequence[GridProduct]: ...

    def grid_product_count(self, group_id: int, specialty_id: int | None) -> int: ...

    def unit_grid_rows(self, institution_code: str, entity_code: str, year: int, clues: str,
                       group_id: int, specialty_id: int | None) -> Mapping[int, GridRow]:
        """The unit's stored values of the grid's products as grid rows, by product id."""
        ...

    def grid_version(self, institution_code: str, entity_code: str, year: int, clues: str,
                     group_id: int, specialty_id: int | None) -> VersionStamp: ...

    def signed_reports(self, institution_code: str, entity_code: str,
                       year: int) -> Sequence[SignedReport]: ...

    def final_prints(self, institution_code: str, entity_code: str,
                     year: int) -> Sequence[FinalPrintView]: ...

    def trace_prints(self, text: str) -> Sequence[TracedPrint]:
        """Final prints whose folio or fingerprint equals ``text`` (ignoring case)."""
        ...

    def product_request(self, request_id: int) -> ProductRequestView | None: ...

    def product_requests(self, institution_code: str | None, entity_code: str | None,
                         status: str | None, offset: int, limit: int
                         ) -> tuple[Sequence[ProductRequestView], int]: ...

    def unseen_decisions(self, institution_code: str, entity_code: str,
                         requested_by: str) -> tuple[int, int]:
        """(accepted, rejected): the requester's decided requests not seen yet."""
        ...

    def catalog_tree(self, institution_code: str) -> Sequence[ServiceNode]: ...

    def catalog_state(self, institution_code: str) -> CatalogStateView:
        """The versions of the institution's catalog and units, and their sizes."""
        ...

    def catalog_rows(self, institution_code: str) -> Iterator[CatalogRow]:
        """The catalog in export order (service, group, specialty, product)."""
        ...

    def unit_rows(self, institution_code: str | None) -> Iterator[UnitRow]: ...

    def export_rows(self, year: int, institution_code: str | None,
                    entity_code: str | None) -> Iterator[ExportRow]:
        """Every record of the period(s), streamed in order (institution, entity, unit,
        group, product, shortages first)."""
        ...


# --------------------------------------------------------------------------- documents


class ReportRenderer(Protocol):
    def render(self, document: EntityReportDocument, out: BinaryIO) -> int:
        """Write the PDF to ``out``; returns the number of pages."""
        ...


class RecordsExporter(Protocol):
    def write(self, rows: Iterable[ExportRow], path: Path) -> int:
        """Write an .xlsx with the rows (constant memory); returns the row count."""
        ...


class CatalogFiles(Protocol):
    """CSV/XLSX files of the product catalog and of the units (E13)."""

    def read_catalog(self, path: Path, original_name: str) -> Iterator[CatalogRow]: ...

    def read_units(self, path: Path, original_name: str) -> Iterator[UnitRow]: ...

    def write_catalog(self, rows: Iterable[CatalogRow], path: Path, fmt: str) -> int: ...

    def write_units(self, rows: Iterable[UnitRow], path: Path, fmt: str) -> int: ...
