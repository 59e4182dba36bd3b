"""In-memory fakes of the exchange ports (no database): a source that serves given records
and a unit of work that keeps what was written, in order."""

from __future__ import annotations

from typing import Iterable, Sequence

import attrs

from excedentes.application.exchange import (
    SHORTAGE,
    SURPLUS,
    AnalysisHeader,
    ExchangeInput,
    Option,
    SnapshotLine,
    SnapshotRecord,
    SourceRecord,
)
from excedentes.domain.exchange import ExchangeProblem, ExchangeRecord
from shared.audit.domain import AuditEntry

INSTITUTIONS = (Option("A", "Institución A"), Option("B", "Institución B"),
                Option("C", "Institución C"), Option("IMSS", "IMSS"), Option("SS", "SS"))
GROUPS = (Option("cirugia", "Cirugía"), Option("consulta", "Consulta"))


def source_record(kind: str, r: ExchangeRecord, group: str = "cirugia") -> SourceRecord:
    return SourceRecord(kind, r, f"Unidad {r.unit}", f"Entidad {r.entity}", r.product.upper(),
                        "Estudio", group, dict((o.value, o.label) for o in GROUPS)[group])


def records_of(problem: ExchangeProblem) -> tuple[list[SourceRecord], list[SourceRecord]]:
    return ([source_record(SHORTAGE, r) for r in problem.shortages],
            [source_record(SURPLUS, r) for r in problem.surpluses])


@attrs.define
class FakeSource:
    shortages: Sequence[SourceRecord] = ()
    surpluses: Sequence[SourceRecord] = ()
    years_with_period: tuple[int, ...] = (2026,)
    unplaced: int = 0
    calls: list[tuple] = attrs.field(factory=list)

    def load(self, year, institutions, service_group, states) -> ExchangeInput:
        self.calls.append((year, institutions, service_group, states))

        def keep(s: SourceRecord) -> bool:
            r = s.record
            return ((institutions is None or r.institution in institutions)
                    and (service_group is None or s.group_key == service_group)
                    and (states is None or r.state in states))

        return ExchangeInput(tuple(s for s in self.shortages if keep(s)),
                             tuple(s for s in self.surpluses if keep(s)), self.unplaced)

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
    saved: list[tuple[AnalysisHeader, list[SnapshotRecord], list[SnapshotLine]]] = \
        attrs.field(factory=list)
    same: int | None = None

    def add(self, header: AnalysisHeader, records: Iterable[SnapshotRecord],
            lines: Iterable[SnapshotLine]) -> int:
        self.saved.append((header, list(records), list(lines)))
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
