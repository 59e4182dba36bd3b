"""In-memory fakes of the excedentes write side (no database), so that the use cases' rules
are tested alone.

``FakeStore`` is the "database" and ``FakeStore.uow()`` a transaction on a copy of it
(``tests.unit.in_memory``): a refused use case leaves the store as it was. The repositories keep the contracts of ``excedentes.application.ports``
that the use cases rely on: compare-and-set versions (``bump_*`` returns False when the
expected version is not current), ``try_add`` refusing an existing report, merged products
keyed by name ignoring case and accents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

import attrs

from excedentes.application.access import Actor, EntityRef
from excedentes.application.ports import (
    FinalPrint,
    GroupInfo,
    MergeCounts,
    ProductLabel,
    SpecialtyInfo,
)
from excedentes.domain.catalog import (
    Entity,
    MedicalUnit,
    Period,
    Product,
    ServiceGroup,
    Specialty,
    name_key,
    normalize_clues,
)
from excedentes.domain.institution import Institution
from excedentes.domain.model import EntityReport, RecordsSaved
from excedentes.domain.product_requests import ProductRequest, RequestStatus
from excedentes.domain.versions import NEVER_SAVED, VersionStamp
from shared.audit.domain import AuditEntry
from excedentes.domain.grid import QUANTITY_FIELDS, GridField, rows_from_records
from excedentes.domain.quality import RowContext, ValueNote
from excedentes.domain.records import Record
from tests.unit.in_memory import InMemoryAudit, InMemoryStore, InMemoryUnitOfWork

ReportKey = tuple[str, str, int]  # (institution, entity, year)


def _stamp(current: VersionStamp, by: str, at: datetime) -> VersionStamp:
    return VersionStamp(current.version + 1, by, at)


def _cas(versions: dict, key: Any, expected: int | None, by: str, at: datetime) -> bool:
    """Compare-and-set of one version (``expected`` None: move on unconditionally)."""
    current = versions[key]
    if expected is not None and current.version != expected:
        return False
    versions[key] = _stamp(current, by, at)
    return True


@attrs.define
class State:
    """Everything committed; a unit of work changes a deep copy of it."""

    institutions: dict[str, Institution] = attrs.Factory(dict)  # in list order
    institution_versions: dict[str, VersionStamp] = attrs.Factory(dict)
    catalog_versions: dict[tuple[str, str], VersionStamp] = attrs.Factory(dict)
    entities: dict[tuple[str, str], Entity] = attrs.Factory(dict)
    units: dict[str, MedicalUnit] = attrs.Factory(dict)
    periods: dict[tuple[str, int], Period] = attrs.Factory(dict)
    period_versions: dict[tuple[str, int], VersionStamp] = attrs.Factory(dict)
    reports: dict[ReportKey, EntityReport] = attrs.Factory(dict)
    report_versions: dict[ReportKey, VersionStamp] = attrs.Factory(dict)
    grid_versions: dict[tuple[ReportKey, str, int, int], VersionStamp] = attrs.Factory(dict)
    final_prints: dict[ReportKey, list[FinalPrint]] = attrs.Factory(dict)
    groups: dict[int, tuple[ServiceGroup, GroupInfo]] = attrs.Factory(dict)
    specialties: dict[int, tuple[Specialty, SpecialtyInfo]] = attrs.Factory(dict)
    products: dict[int, Product] = attrs.Factory(dict)
    product_places: dict[int, tuple[int, int | None]] = attrs.Factory(dict)  # group, specialty
    requests: dict[int, ProductRequest] = attrs.Factory(dict)
    request_versions: dict[int, VersionStamp] = attrs.Factory(dict)
    request_products: dict[int, int] = attrs.Factory(dict)
    decisions_seen: dict[int, datetime] = attrs.Factory(dict)
    notes: dict[tuple[ReportKey, str, int], ValueNote] = attrs.Factory(dict)
    audit: list[AuditEntry] = attrs.Factory(list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def report_key(report: EntityReport) -> ReportKey:
    return (report.institution_code, report.entity_code.upper(), report.year)


# --------------------------------------------------------------------------- repositories


@attrs.define
class FakeInstitutions:
    s: State

    def get(self, code: str) -> Institution | None:
        return self.s.institutions.get(code.upper())

    def list(self) -> Sequence[Institution]:
        return list(self.s.institutions.values())

    def add(self, institution: Institution, position: int | None = None) -> None:
        assert institution.code not in self.s.institutions, "unique code"
        self.s.institutions[institution.code] = institution
        self.s.institution_versions[institution.code] = NEVER_SAVED
        for kind in ("catalog", "units"):
            self.s.catalog_versions[(institution.code, kind)] = NEVER_SAVED

    def update(self, institution: Institution) -> None:
        self.s.institutions[institution.code] = institution

    def version(self, code: str) -> VersionStamp:
        return self.s.institution_versions.get(code.upper(), NEVER_SAVED)

    def bump_version(self, code: str, expected: int | None, by: str, at: datetime) -> bool:
        if code.upper() not in self.s.institutions:
            return False
        return _cas(self.s.institution_versions, code.upper(), expected, by, at)

    def product_count(self, code: str) -> int:
        return sum(1 for gid, _ in self.s.product_places.values()
                   if self.s.groups[gid][1].institution_code == code.upper())

    def catalog_version(self, code: str, kind: str) -> VersionStamp:
        return self.s.catalog_versions.get((code.upper(), kind), NEVER_SAVED)

    def bump_catalog_version(self, code: str, kind: str, expected: int | None, by: str,
                             at: datetime) -> bool:
        if code.upper() not in self.s.institutions:
            return False
        return _cas(self.s.catalog_versions, (code.upper(), kind), expected, by, at)


@attrs.define
class FakeEntities:
    s: State

    def get(self, institution_code: str, code: str) -> Entity | None:
        return self.s.entities.get((institution_code.upper(), code.upper()))

    def list(self, institution_code: str) -> Sequence[Entity]:
        return [e for (i, _), e in self.s.entities.items() if i == institution_code.upper()]

    def codes_by_institution(self) -> Mapping[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for inst, code in self.s.entities:
            out.setdefault(inst, set()).add(code)
        return {k: frozenset(v) for k, v in out.items()}

    def add_many(self, entities: Sequence[Entity]) -> None:
        for e in entities:
            self.s.entities[(e.institution_code.upper(), e.code.upper())] = e


@attrs.define
class FakeUnits:
    s: State

    def get(self, clues: str) -> MedicalUnit | None:
        return self.s.units.get(normalize_clues(clues))

    def get_many(self, clues: Iterable[str]) -> Mapping[str, MedicalUnit]:
        return {c: self.s.units[c] for c in map(normalize_clues, clues) if c in self.s.units}

    def count(self, institution_code: str, entity_code: str) -> int:
        return sum(1 for u in self.s.units.values()
                   if (u.institution_code, u.entity_code.upper())
                   == (institution_code.upper(), entity_code.upper()))

    def with_records(self, clues: Iterable[str]) -> frozenset[str]:
        wanted = set(map(normalize_clues, clues))
        return frozenset(c for r in self.s.reports.values() for c in r.units_with_records
                         if c in wanted)

    def add_many(self, units: Sequence[MedicalUnit]) -> None:
        for u in units:
            self.s.units[u.clues] = u

    def update_many(self, units: Sequence[MedicalUnit]) -> None:
        self.add_many(units)


@attrs.define
class FakePeriods:
    s: State

    def get(self, institution_code: str, year: int, *, for_update: bool = False
            ) -> Period | None:
        return self.s.periods.get((institution_code.upper(), year))

    def add(self, period: Period) -> None:
        key = (period.institution_code, period.year)
        assert key not in self.s.periods, "unique period"
        self.s.periods[key] = period
        self.s.period_versions[key] = NEVER_SAVED

    def update(self, period: Period) -> None:
        self.s.periods[(period.institution_code, period.year)] = period

    def version(self, institution_code: str, year: int) -> VersionStamp:
        return self.s.period_versions.get((institution_code.upper(), year), NEVER_SAVED)

    def bump_version(self, institution_code: str, year: int, expected: int | None, by: str,
                     at: datetime) -> bool:
        key = (institution_code.upper(), year)
        return key in self.s.periods and _cas(self.s.period_versions, key, expected, by, at)


@attrs.define
class FakeReports:
    s: State

    def get(self, institution_code: str, entity_code: str, year: int, *,
            for_update: bool = False, unit: str | None = None) -> EntityReport | None:
        # the whole aggregate even for ``unit`` (the port allows it): ``apply_records`` here
        # stores the object itself, so a partial one would drop the other units
        return self.s.reports.get((institution_code.upper(), entity_code.upper(), year))

    def add(self, report: EntityReport) -> None:
        assert self.try_add(report), "unique (period, entity)"

    def try_add(self, report: EntityReport) -> bool:
        key = report_key(report)
        if key in self.s.reports:
            return False
        self.s.reports[key] = report
        self.s.report_versions[key] = NEVER_SAVED
        return True

    def update(self, report: EntityReport) -> None:
        assert report_key(report) in self.s.reports, "update of a stored report"
        self.s.reports[report_key(report)] = report

    def apply_records(self, report: EntityReport, saved: RecordsSaved) -> None:
        self.update(report)

    def report_version(self, report: EntityReport) -> VersionStamp:
        return self.s.report_versions.get(report_key(report), NEVER_SAVED)

    def bump_report_version(self, report: EntityReport, expected: int | None, by: str,
                            at: datetime) -> bool:
        key = report_key(report)
        return key in self.s.reports and _cas(self.s.report_versions, key, expected, by, at)

    def grid_version(self, report: EntityReport, clues: str, group_id: int,
                     specialty_id: int | None) -> VersionStamp:
        key = (report_key(report), clues, group_id, specialty_id or 0)
        return self.s.grid_versions.get(key, NEVER_SAVED)

    def bump_grid_version(self, report: EntityReport, clues: str, group_id: int,
                          specialty_id: int | None, expected: int, by: str,
                          at: datetime) -> bool:
        key = (report_key(report), clues, group_id, specialty_id or 0)
        if key not in self.s.grid_versions:  # the first save of the grid inserts version 1
            if expected != 0:
                return False
            self.s.grid_versions[key] = NEVER_SAVED
        return _cas(self.s.grid_versions, key, expected, by, at)

    def save_signed_reports(self, report: EntityReport) -> None:
        self.update(report)

    def add_final_print(self, report: EntityReport, printed: FinalPrint) -> None:
        self.s.final_prints.setdefault(report_key(report), []).append(printed)

    def final_prints(self, report: EntityReport) -> Sequence[FinalPrint]:
        return list(self.s.final_prints.get(report_key(report), ()))


@attrs.define
class FakeCatalog:
    s: State

    # groups and specialties are stored as (domain object, info row)
    def group(self, group_id: int) -> ServiceGroup | None:
        return self.s.groups.get(group_id, (None, None))[0]

    def group_info(self, group_id: int) -> GroupInfo | None:
        return self.s.groups.get(group_id, (None, None))[1]

    def specialty(self, specialty_id: int) -> Specialty | None:
        return self.s.specialties.get(specialty_id, (None, None))[0]

    def specialty_info(self, specialty_id: int) -> SpecialtyInfo | None:
        return self.s.specialties.get(specialty_id, (None, None))[1]

    def product_ids(self, group_id: int, specialty_id: int | None) -> Sequence[int]:
        return [pid for pid, (g, sp) in self.s.product_places.items()
                if g == group_id and (specialty_id is None or sp == specialty_id)]

    def labels(self, product_ids: Iterable[int]) -> Mapping[int, ProductLabel]:
        out = {}
        for pid in product_ids:
            p = self.s.products[pid]
            out[pid] = ProductLabel(pid, p.name, p.unit_of_measure, p.group.name,
                                    p.service.name, p.specialty.name if p.specialty else None)
        return out

    def _group_id(self, group: ServiceGroup) -> int:
        key = (group.service.institution_code, name_key(group.service.name), name_key(group.name))
        for gid, (g, _) in self.s.groups.items():
            if (g.service.institution_code, name_key(g.service.name), name_key(g.name)) == key:
                return gid
        gid = self.s.new_id()
        self.s.groups[gid] = (group, GroupInfo(gid, group.name, gid, group.service.name,
                                               group.service.institution_code))
        return gid

    def _specialty_id(self, specialty: Specialty, group_id: int) -> int:
        for sid, (sp, info) in self.s.specialties.items():
            if info.group_id == group_id and name_key(sp.name) == name_key(specialty.name):
                return sid
        sid = self.s.new_id()
        self.s.specialties[sid] = (specialty, SpecialtyInfo(sid, specialty.name, group_id))
        return sid

    def merge_products(self, products: Sequence[Product]) -> MergeCounts:
        created = updated = unchanged = 0
        ids = []
        for p in products:
            gid = self._group_id(p.group)
            sid = self._specialty_id(p.specialty, gid) if p.specialty else None
            pid = next((i for i, place in self.s.product_places.items()
                        if place == (gid, sid) and name_key(self.s.products[i].name)
                        == name_key(p.name)), None)
            if pid is None:
                pid = self.s.new_id()
                self.s.product_places[pid] = (gid, sid)
                created += 1
            elif self.s.products[pid].unit_of_measure != p.unit_of_measure:
                updated += 1
            else:
                unchanged += 1
            self.s.products[pid] = attrs.evolve(p, id=pid)
            ids.append(pid)
        return MergeCounts(created, updated, unchanged, tuple(ids))


@attrs.define
class FakeRequests:
    s: State

    def add(self, request: ProductRequest) -> int:
        rid = self.s.new_id()
        self.s.requests[rid] = attrs.evolve(request, id=rid)
        self.s.request_versions[rid] = NEVER_SAVED
        return rid

    def get(self, request_id: int, *, for_update: bool = False) -> ProductRequest | None:
        return self.s.requests.get(request_id)

    def update(self, request: ProductRequest, product_id: int | None = None) -> None:
        assert request.id in self.s.requests, "update of a stored request"
        self.s.requests[request.id] = request
        if product_id is not None:
            self.s.request_products[request.id] = product_id

    def version(self, request_id: int) -> VersionStamp:
        return self.s.request_versions.get(request_id, NEVER_SAVED)

    def bump_version(self, request_id: int, expected: int | None, by: str,
                     at: datetime) -> bool:
        return request_id in self.s.requests and _cas(self.s.request_versions, request_id,
                                                      expected, by, at)

    def mark_decisions_seen(self, institution_code: str, entity_code: str, requested_by: str,
                            at: datetime) -> tuple[int, ...]:
        seen = sorted((r.decided_at, rid) for rid, r in self.s.requests.items()
                      if r.institution_code == institution_code.upper()
                      and r.entity_code.upper() == entity_code.upper()
                      and r.requested_by == requested_by
                      and r.status is not RequestStatus.PENDING
                      and rid not in self.s.decisions_seen)
        for _, rid in seen:
            self.s.decisions_seen[rid] = at
        return tuple(rid for _, rid in seen)


@attrs.define
class FakeQuality:
    """``QualityRepository``: the same comparison basis as the SQL one, over the state."""

    s: State

    def contexts(self, institution_code: str, entity_code: str, year: int, clues: str,
                 level: str, product_ids: Any) -> dict[int, RowContext]:
        ids = set(product_ids)
        prev = self.s.reports.get((institution_code, entity_code.upper(), year - 1))
        previous = rows_from_records(
            [r for r in prev.records if r.clues == clues and r.product_id in ids]) if prev \
            else {}
        latest: dict[tuple[int, str], tuple[int, list[Record]]] = {}
        for (inst, _entity, y), report in self.s.reports.items():
            if inst != institution_code or y not in (year, year - 1):
                continue
            for r in report.records:
                unit = self.s.units.get(r.clues)
                if r.product_id not in ids or r.clues == clues or unit is None \
                        or unit.level != level:
                    continue
                have = latest.get((r.product_id, r.clues))
                if have is None or have[0] < y:
                    latest[(r.product_id, r.clues)] = (y, [r])
                elif have[0] == y:
                    have[1].append(r)
        peers: dict[int, dict[GridField, list[int]]] = {}
        for (pid, _unit), (_y, recs) in latest.items():
            row = rows_from_records(recs)[pid]
            for f in QUANTITY_FIELDS:
                if row.raw(f):
                    peers.setdefault(pid, {}).setdefault(f, []).append(int(row.raw(f)))
        return {pid: RowContext(level, year - 1, previous.get(pid), peers.get(pid, {}))
                for pid in ids}

    def notes(self, institution_code: str, entity_code: str, year: int, clues: str,
              product_ids: Any) -> dict[int, ValueNote]:
        key = (institution_code, entity_code.upper(), year)
        return {pid: self.s.notes[(key, clues, pid)] for pid in product_ids
                if (key, clues, pid) in self.s.notes}

    def save_notes(self, institution_code: str, entity_code: str, year: int, clues: str,
                   notes: Any, by: str, at: datetime) -> None:
        key = (institution_code, entity_code.upper(), year)
        for pid, note in notes.items():
            if note.is_empty:
                self.s.notes.pop((key, clues, pid), None)
            else:
                self.s.notes[(key, clues, pid)] = note


# --------------------------------------------------------------------------- unit of work


class FakeUnitOfWork(InMemoryUnitOfWork):
    """One transaction on a copy of the store's state (``ExcedentesUnitOfWork``)."""

    def _bind(self, state: State) -> None:
        super()._bind(state)
        self.institutions = FakeInstitutions(state)
        self.entities = FakeEntities(state)
        self.units = FakeUnits(state)
        self.periods = FakePeriods(state)
        self.reports = FakeReports(state)
        self.catalog = FakeCatalog(state)
        self.requests = FakeRequests(state)
        self.quality = FakeQuality(state)
        self.audit = InMemoryAudit(state)


class FakeStore(InMemoryStore):
    uow_class = FakeUnitOfWork
    state_class = State
    state: State


# --------------------------------------------------------------------------- a small world

YEAR = 2026
SS_SETTINGS = dict(name="Secretaría de Salud", entity_word="Entidad Federativa",
                   signature_labels=("Elaboró", "Autorizó"), has_specialty_level=True)
IMSS_SETTINGS = dict(name="Instituto Mexicano del Seguro Social", entity_word="OOAD/UMAE",
                     signature_labels=("Elaboró", "Vo. Bo."), has_specialty_level=False)
U_OCTUBRE, U_ALGODONES, U_NL = "BCSSA001152", "BCSSA000633", "NLIMS000331"
BC = EntityRef("SS", "BC")
ADMIN = Actor.admin("admin")
CAP_BC = Actor.capturista("capturista.ss.bc", "SS:BC")
CAP_BS = Actor.capturista("capturista.ss.bs", "SS:BS")
COORD_SS = Actor.coordinador("coordinador.ss", "SS")
COORD_IMSS = Actor.coordinador("coordinador.imss", "IMSS")


@attrs.frozen
class World:
    """A committed store: SS (especialidad level; entities BC and BS, two units in BC) and
    IMSS (entity NL, one unit); 2026 open for both; Cirugía with two products in each."""

    store: FakeStore
    products: Mapping[tuple[str, str], int]  # (institution, product) -> id
    groups: Mapping[str, int]  # institution -> the id of its Cirugía
    specialty: int  # SS's Cirugía general

    def uow(self) -> FakeUnitOfWork:
        return self.store.uow()


def small_world(window: tuple[Any, Any] | None = None) -> World:
    from excedentes.domain.catalog import Service

    store = FakeStore()
    with store.uow() as uow:
        uow.institutions.add(Institution(code="SS", **SS_SETTINGS))
        uow.institutions.add(Institution(code="IMSS", **IMSS_SETTINGS))
        uow.entities.add_many([Entity("SS", "BC", "BAJA CALIFORNIA"),
                               Entity("SS", "BS", "BAJA CALIFORNIA SUR"),
                               Entity("IMSS", "NL", "Nuevo León")])
        uow.units.add_many([MedicalUnit(U_OCTUBRE, "3 DE OCTUBRE", "PRIMER NIVEL", "BC", "SS"),
                            MedicalUnit(U_ALGODONES, "ALGODONES", "PRIMER NIVEL", "BC", "SS"),
                            MedicalUnit(U_NL, "HGZ 33", "SEGUNDO NIVEL", "NL", "IMSS")])
        start, end = window or (None, None)
        uow.periods.add(Period("SS", YEAR, True, start, end))
        uow.periods.add(Period("IMSS", YEAR, True))
        products = []
        for inst in ("SS", "IMSS"):
            cirugia = ServiceGroup(Service(inst, "Servicios de Atención Médica"), "Cirugía")
            general = Specialty(cirugia, "Cirugía general") if inst == "SS" else None
            products += [Product(None, "Anestesia", "Procedimiento", cirugia, general),
                         Product(None, "Dilatación de esófago", "Procedimiento", cirugia,
                                 general)]
        ids = uow.catalog.merge_products(products).product_ids
        uow.commit()
    pids = {(p.institution_code, p.name): pid for p, pid in zip(products, ids)}
    state = store.state
    groups = {info.institution_code: gid for gid, (_, info) in state.groups.items()}
    (specialty,) = state.specialties
    return World(store, pids, groups, specialty)
