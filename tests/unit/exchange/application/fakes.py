"""In-memory fakes of the exchange ports (no database): a source that serves given records
and a unit of work that keeps what was written, in order."""

from __future__ import annotations

from typing import Sequence

import attrs

from exchange.application.model import (
    SHORTAGE,
    SURPLUS,
    AnalysisHeader,
    ExchangeInput,
    Option,
    PartCounts,
    ProductLabel,
)
from exchange.application.snapshot import AnalysisSnapshot
from exchange.domain.matching import ExchangeProblem, ExchangeRecord, ReportSelection
from shared.audit.domain import AuditEntry

INSTITUTIONS = (Option("A", "Institución A"), Option("B", "Institución B"),
                Option("C", "Institución C"), Option("IMSS", "IMSS"), Option("SS", "SS"))
GROUPS = (Option("cirugia", "Cirugía"), Option("consulta", "Consulta"))
GROUP_NAMES = {o.value: o.label for o in GROUPS}


@attrs.frozen
class FakeRecord:
    """A record the fake source serves: its kind, the matching projection, its group, and
    whether its entity finalized (``finalized``) and uploaded the signed report (``signed``)."""

    kind: str
    record: ExchangeRecord
    group: str = "cirugia"
    finalized: bool = True
    signed: bool = True


def source_record(kind: str, r: ExchangeRecord, group: str = "cirugia",
                  finalized: bool = True, signed: bool = True) -> FakeRecord:
    return FakeRecord(kind, r, group, finalized, signed)


def records_of(problem: ExchangeProblem) -> tuple[list[FakeRecord], list[FakeRecord]]:
    return ([source_record(SHORTAGE, r) for r in problem.shortages],
            [source_record(SURPLUS, r) for r in problem.surpluses])


@attrs.define
class FakeSource:
    shortages: Sequence[FakeRecord] = ()
    surpluses: Sequence[FakeRecord] = ()
    years_with_period: tuple[int, ...] = (2026,)
    unplaced: int = 0
    calls: list[tuple] = attrs.field(factory=list)

    def load(self, year, institutions, service_group, states,
             reports=ReportSelection.ALL) -> ExchangeInput:
        self.calls.append((year, institutions, service_group, states, reports))

        def keep(s: FakeRecord) -> bool:
            r = s.record
            return ((institutions is None or r.institution in institutions)
                    and (service_group is None or s.group == service_group)
                    and (states is None or r.state in states)
                    and (reports is ReportSelection.ALL or s.finalized)
                    and (reports is not ReportSelection.SIGNED or s.signed))

        kept = [s for s in (*self.shortages, *self.surpluses) if keep(s)]
        return ExchangeInput(
            tuple(s.record for s in kept if s.kind == SHORTAGE),
            tuple(s.record for s in kept if s.kind == SURPLUS),
            {s.record.record_id: ProductLabel(s.record.product.upper(), "Estudio", s.group,
                                              GROUP_NAMES[s.group]) for s in kept},
            {s.record.unit: f"Unidad {s.record.unit}" for s in kept},
            {(s.record.institution, s.record.entity): f"Entidad {s.record.entity}"
             for s in kept},
            self.unplaced)

    def has_period(self, year, institutions) -> bool:
        return year in self.years_with_period

    def years(self):
        return list(self.years_with_period)

    def institutions(self):
        return list(INSTITUTIONS)

    def service_groups(self):
        return list(GROUPS)

    def entity_name(self, institution, entity):
        return f"Entidad {entity}"


@attrs.define
class FakeRepository:
    log: list[str]
    saved: list[tuple[AnalysisHeader, AnalysisSnapshot, list[PartCounts]]] = \
        attrs.field(factory=list)
    same: int | None = None

    def add(self, header: AnalysisHeader, snapshot: AnalysisSnapshot,
            parts: Sequence[PartCounts]) -> int:
        self.saved.append((header, snapshot, list(parts)))
        self.log.append("add")
        return len(self.saved)

    def latest_same(self, parameters_key: str, input_fingerprint: str) -> int | None:
        return self.same


@attrs.define
class FakeAudit:
    log: list[str]
    entries: list[AuditEntry] = attrs.field(factory=list)

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)
        self.log.append("audit")


class FakeUnitOfWork:
    """One fake transaction per ``with``; ``log`` shows the order of add, audit, commit."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.analyses = FakeRepository(self.log)
        self.audit = FakeAudit(self.log)
        self.commits = 0

    def __call__(self) -> "FakeUnitOfWork":
        return self

    def __enter__(self) -> "FakeUnitOfWork":
        self.log.append("begin")
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.append("end")

    def commit(self) -> None:
        self.commits += 1
        self.log.append("commit")

    def rollback(self) -> None:
        self.log.append("rollback")
