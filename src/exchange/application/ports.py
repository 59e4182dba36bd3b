"""Every port of the exchange context (``typing.Protocol`` classes; adapters implement them).

- ``ExchangeSource``: the period's records and the form's choices, read from the collection
  (the excedentes tables) by an adapter of this context;
- ``ExchangeRepository`` / ``ExchangeUnitOfWork``: saved analyses, one transaction with the
  audit entry;
- ``ExchangeReadModel``: saved analyses, their parts and snapshots;
- ``ExchangeDocuments``: the Excel workbook and the PDF summary;
- ``FlowSolver``: solves the min-cost flow the optimum states (``exchange.domain.flow``).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable, Protocol, Sequence

from exchange.application.model import (
    AnalysisHeader,
    ExchangeInput,
    Option,
    PartCounts,
    PotentialCounts,
    StoredAnalysis,
    UnitInfo,
    Viewer,
)
from exchange.application.snapshot import AnalysisSnapshot
from exchange.application.views import ExchangeReport
from exchange.domain.flow import FlowNetwork
from exchange.domain.matching import ReportSelection
from shared.audit.domain import AuditLog


class ExchangeSource(Protocol):
    """The period's records and the form's choices, straight from the excedentes tables."""

    def load(self, year: int, institutions: frozenset[str] | None, service_group: str | None,
             states: frozenset[str] | None,
             reports: ReportSelection = ReportSelection.ALL) -> ExchangeInput:
        """Every faltante and excedente of the year's periods of those institutions (all
        when None), of the service group (folded name) when given, of units located in
        ``states`` when given, of the entities whose report is in the state ``reports``
        asks for (finalized; finalized with a current signed report)."""
        ...

    def has_period(self, year: int, institutions: frozenset[str] | None) -> bool: ...

    def years(self) -> Sequence[int]:
        """Years with a period in any institution, newest first."""
        ...

    def institutions(self) -> Sequence[Option]:
        """Institution codes and names, in the product's order."""
        ...

    def service_groups(self) -> Sequence[Option]:
        """Distinct service groups of every catalog (folded name -> a display name)."""
        ...

    def entity_name(self, institution: str, entity: str) -> str | None: ...

    def unit(self, clues: str) -> UnitInfo | None:
        """A medical unit of the catalog with its entity, institution and state."""
        ...


class ExchangeRepository(Protocol):
    def add(self, header: AnalysisHeader, snapshot: "AnalysisSnapshot",
            parts: Sequence[PartCounts]) -> int:
        """Store the analysis; returns its id. Never commits."""
        ...

    def latest_same(self, parameters_key: str, input_fingerprint: str) -> int | None:
        """The newest analysis run with the same parameters on the same data (its result is
        the same: the matching is deterministic)."""
        ...


class ExchangeUnitOfWork(Protocol):
    analyses: ExchangeRepository
    audit: AuditLog

    def __enter__(self) -> "ExchangeUnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


ExchangeUnitOfWorkFactory = Callable[[], ExchangeUnitOfWork]


class ExchangeReadModel(Protocol):
    """Saved analyses: their headers and parts straight from the tables (lists, visibility)
    and each one's snapshot, whose figures are computed inside a viewer and a filter."""

    def get(self, analysis_id: int) -> StoredAnalysis | None: ...

    def visible(self, analysis_id: int, viewer: Viewer, username: str) -> bool: ...

    def list(self, viewer: Viewer, username: str, offset: int, limit: int
             ) -> tuple[Sequence[StoredAnalysis], int]:
        """Newest first."""
        ...

    def national_counts(self, analysis_ids: Sequence[int], viewer: Viewer
                        ) -> dict[int, PotentialCounts]:
        """The viewer's faltante counts of several analyses at once (the list's figures)."""
        ...

    def snapshot(self, stored: StoredAnalysis) -> "AnalysisSnapshot":
        """The saved result of an analysis (immutable: an adapter may keep it cached)."""
        ...


class ExchangeDocuments(Protocol):
    def write_workbook(self, report: ExchangeReport, path: Path) -> int:
        """The .xlsx (sheets Resumen, Potencial, Intercambios) in constant memory; returns
        the number of exchange rows written."""
        ...

    def render_summary(self, report: ExchangeReport, out: BinaryIO) -> int:
        """The PDF summary; returns its page count."""
        ...


class FlowSolver(Protocol):
    """Solves one ``FlowNetwork``: a maximum flow from its source to its sink of minimum
    total cost. Returns the flow on each arc, in the network's arc order. The same network
    must give the same flows (analyses are reproducible)."""

    def __call__(self, network: FlowNetwork) -> Sequence[int]: ...
