"""Repositories of the excedentes write side on one SQLAlchemy ``Session`` (never commit).

Each maps rows to domain objects explicitly (``mappers``), so the domain's validation
re-runs on load; bulk writes are executemany. The same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from excedentes.adapters.sql import tables as t
from excedentes.adapters.sql.mappers import (
    CHANGED_COLUMNS,
    SLOT_COLUMNS,
    changed_values,
    entity_code_matches,
    entity_from,
    institution_from,
    institution_values,
    period_from,
    period_values,
    RECORD_COLUMNS,
    record_row,
    record_values,
    returned_from,
    returned_values,
    signed_from,
    signed_values,
    slot_values,
    unit_from,
    unit_select,
)
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
    Service,
    ServiceGroup,
    Specialty,
)
from excedentes.domain.institution import Institution
from excedentes.domain.model import Answer, EntityReport, RecordsSaved
from excedentes.domain.product_requests import ProductRequest, RequestStatus
from excedentes.domain.records import Record
from excedentes.domain.review import ReturnReason
from excedentes.domain.versions import NEVER_SAVED, VersionStamp
from shared.adapters.sql.queries import (
    chunked,
    delete_tuples,
    executemany,
    insert_tuples,
    update_tuples,
)
from shared.kernel.text import search_key


class SqlInstitutionRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, code: str) -> Institution | None:
        row = self.s.execute(sa.select(t.institutions).where(
            t.institutions.c.code == (code or "").strip().upper())).first()
        return institution_from(row) if row else None

    def list(self) -> Sequence[Institution]:
        rows = self.s.execute(sa.select(t.institutions).order_by(
            t.institutions.c.position, t.institutions.c.code)).all()
        return [institution_from(r) for r in rows]

    def add(self, institution: Institution, position: int | None = None) -> None:
        if position is None:  # after the last one (the order of lists and pickers)
            position = (self.s.execute(sa.select(sa.func.max(t.institutions.c.position)))
                        .scalar_one() or 0) + 1
        self.s.execute(sa.insert(t.institutions).values(**institution_values(institution,
                                                                             position)))

    def update(self, institution: Institution) -> None:
        values = institution_values(institution)
        del values["code"]
        self.s.execute(sa.update(t.institutions).where(
            t.institutions.c.code == institution.code).values(**values))

    def version(self, code: str) -> VersionStamp:
        c = t.institutions.c
        row = self.s.execute(sa.select(c.version, c.updated_by, c.updated_at)
                             .where(c.code == code.upper())).first()
        return VersionStamp(row[0], row[1], row[2]) if row else NEVER_SAVED

    def bump_version(self, code: str, expected: int | None, by: str, at: datetime) -> bool:
        """Compare-and-set in one statement (two admins saving the same form: one wins)."""
        c = t.institutions.c
        q = sa.update(t.institutions).where(c.code == code.upper())
        if expected is not None:
            q = q.where(c.version == int(expected))
        return self.s.execute(q.values(version=c.version + 1, updated_by=by,
                                       updated_at=at)).rowcount == 1

    def product_count(self, code: str) -> int:
        return int(self.s.execute(
            sa.select(sa.func.count()).select_from(t.products)
            .join(t.service_groups, t.service_groups.c.id == t.products.c.group_id)
            .join(t.services, t.services.c.id == t.service_groups.c.service_id)
            .where(t.services.c.institution_code == code.upper())).scalar_one())

    def catalog_version(self, code: str, kind: str) -> VersionStamp:
        c = t.institutions.c
        row = self.s.execute(sa.select(c[f"{kind}_version"], c[f"{kind}_updated_by"],
                                       c[f"{kind}_updated_at"])
                             .where(c.code == code.upper())).first()
        return VersionStamp(row[0], row[1], row[2]) if row else NEVER_SAVED

    def bump_catalog_version(self, code: str, kind: str, expected: int | None, by: str,
                             at: datetime) -> bool:
        """Compare-and-set in one statement: concurrent imports queue on the row's lock and
        only the first one still finds ``expected``."""
        c = t.institutions.c
        version = c[f"{kind}_version"]
        q = sa.update(t.institutions).where(c.code == code.upper())
        if expected is not None:
            q = q.where(version == int(expected))
        return self.s.execute(q.values({f"{kind}_version": version + 1, f"{kind}_updated_by": by,
                                         f"{kind}_updated_at": at})).rowcount == 1


class SqlEntityRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, institution_code: str, code: str) -> Entity | None:
        row = self.s.execute(sa.select(t.entities).where(
            t.entities.c.institution_code == institution_code.upper(),
            entity_code_matches(code))).first()
        return entity_from(row) if row else None

    def id_of(self, institution_code: str, code: str) -> int | None:
        return self.s.execute(sa.select(t.entities.c.id).where(
            t.entities.c.institution_code == institution_code.upper(),
            entity_code_matches(code))).scalar()

    def list(self, institution_code: str) -> Sequence[Entity]:
        rows = self.s.execute(sa.select(t.entities).where(
            t.entities.c.institution_code == institution_code.upper()).order_by(
            t.entities.c.position, t.entities.c.id)).all()
        return [entity_from(r) for r in rows]

    def codes_by_institution(self) -> Mapping[str, frozenset[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for inst, code in self.s.execute(sa.select(t.entities.c.institution_code,
                                                   t.entities.c.code)):
            out[inst].add(code)
        return {k: frozenset(v) for k, v in out.items()}

    def add_many(self, entities: Sequence[Entity]) -> None:
        start: dict[str, int] = dict(self.s.execute(
            sa.select(t.entities.c.institution_code, sa.func.max(t.entities.c.position))
            .group_by(t.entities.c.institution_code)).all())
        rows = []
        for e in entities:
            start[e.institution_code] = (start.get(e.institution_code) or 0) + 1
            rows.append({"institution_code": e.institution_code, "code": e.code,
                         "name": e.name, "search_key": search_key(e.name),
                         "position": start[e.institution_code]})
        executemany(self.s, sa.insert(t.entities), rows)


class SqlUnitRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, clues: str) -> MedicalUnit | None:
        row = self.s.execute(unit_select().where(t.units.c.clues == clues)).first()
        return unit_from(row) if row else None

    def get_many(self, clues: Iterable[str]) -> Mapping[str, MedicalUnit]:
        out: dict[str, MedicalUnit] = {}
        for batch in chunked(sorted(set(clues))):
            for row in self.s.execute(unit_select().where(t.units.c.clues.in_(batch))):
                out[row.clues] = unit_from(row)
        return out

    def count(self, institution_code: str, entity_code: str) -> int:
        return int(self.s.execute(
            sa.select(sa.func.count()).select_from(
                t.units.join(t.entities, t.entities.c.id == t.units.c.entity_id))
            .where(t.entities.c.institution_code == institution_code.upper(),
                   entity_code_matches(entity_code))).scalar_one())

    def with_records(self, clues: Iterable[str]) -> frozenset[str]:
        found: set[str] = set()
        for batch in chunked(sorted(set(clues))):
            found.update(self.s.execute(sa.select(t.records.c.clues).where(
                t.records.c.clues.in_(batch)).distinct()).scalars())
        return frozenset(found)

    def _entity_ids(self) -> dict[tuple[str, str], int]:
        return {(r.institution_code, r.code): r.id for r in self.s.execute(
            sa.select(t.entities.c.id, t.entities.c.institution_code, t.entities.c.code))}

    def _values(self, u: MedicalUnit, ids: Mapping[tuple[str, str], int]) -> dict[str, Any]:
        return {"clues": u.clues, "entity_id": ids[(u.institution_code, u.entity_code)],
                "name": u.name, "level": u.level, "search_key": search_key(u.name, u.clues)}

    def add_many(self, units: Sequence[MedicalUnit]) -> None:
        if not units:
            return
        ids = self._entity_ids()
        executemany(self.s, sa.insert(t.units), [self._values(u, ids) for u in units])

    def update_many(self, units: Sequence[MedicalUnit]) -> None:
        if not units:
            return
        ids = self._entity_ids()
        stmt = (sa.update(t.units).where(t.units.c.clues == sa.bindparam("k_clues"))
                .values(entity_id=sa.bindparam("k_entity_id"), name=sa.bindparam("k_name"),
                        level=sa.bindparam("k_level"), search_key=sa.bindparam("k_search_key")))
        rows = [{f"k_{k}": v for k, v in self._values(u, ids).items()} for u in units]
        self.s.connection().execute(stmt, rows)


class SqlPeriodRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _where(self, institution_code: str, year: int) -> tuple:
        return (t.periods.c.institution_code == institution_code.upper(),
                t.periods.c.year == int(year))

    def get(self, institution_code: str, year: int, *, for_update: bool = False
            ) -> Period | None:
        q = sa.select(t.periods).where(*self._where(institution_code, year))
        row = self.s.execute(q.with_for_update() if for_update else q).first()
        return period_from(row) if row else None

    def list(self, institution_code: str) -> Sequence[Period]:
        rows = self.s.execute(sa.select(t.periods).where(
            t.periods.c.institution_code == institution_code.upper()).order_by(
            t.periods.c.year.desc())).all()
        return [period_from(r) for r in rows]

    def add(self, period: Period) -> None:
        self.s.execute(sa.insert(t.periods).values(**period_values(period)))

    def version(self, institution_code: str, year: int) -> VersionStamp:
        row = self.s.execute(sa.select(t.periods.c.version, t.periods.c.updated_by,
                                       t.periods.c.updated_at)
                             .where(*self._where(institution_code, year))).first()
        return VersionStamp(row.version, row.updated_by, row.updated_at) if row else NEVER_SAVED

    def bump_version(self, institution_code: str, year: int, expected: int | None, by: str,
                     at: datetime) -> bool:
        """Compare-and-set in one statement (``expected`` None: move on unconditionally)."""
        q = sa.update(t.periods).where(*self._where(institution_code, year))
        if expected is not None:
            q = q.where(t.periods.c.version == int(expected))
        return self.s.execute(q.values(version=t.periods.c.version + 1, updated_by=by,
                                       updated_at=at)).rowcount == 1

    def update(self, period: Period) -> None:
        values = period_values(period)
        self.s.execute(sa.update(t.periods).where(
            *self._where(period.institution_code, period.year)).values(
            is_open=values["is_open"], window_start=values["window_start"],
            window_end=values["window_end"], closed_at=values["closed_at"]))


class SqlReportRepository:
    """The ``EntityReport`` aggregate over exc_reports, exc_records, exc_signed_reports."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self._ids: dict[tuple[str, str, int], int] = {}

    @staticmethod
    def _key(report: EntityReport) -> tuple[str, str, int]:
        return (report.institution_code, report.entity_code, report.year)

    def _report_id(self, report: EntityReport) -> int:
        key = self._key(report)
        if key not in self._ids:
            rid = self.s.execute(
                sa.select(t.reports.c.id)
                .join(t.periods, t.periods.c.id == t.reports.c.period_id)
                .join(t.entities, t.entities.c.id == t.reports.c.entity_id)
                .where(t.periods.c.institution_code == key[0], t.periods.c.year == key[2],
                       t.entities.c.institution_code == key[0], t.entities.c.code == key[1])
            ).scalar()
            if rid is None:
                raise LookupError(f"report {key} was never added")
            self._ids[key] = rid
        return self._ids[key]

    def get(self, institution_code: str, entity_code: str, year: int, *,
            for_update: bool = False, unit: str | None = None) -> EntityReport | None:
        inst = institution_code.upper()
        prow = self.s.execute(sa.select(t.periods).where(
            t.periods.c.institution_code == inst, t.periods.c.year == int(year))).first()
        erow = self.s.execute(sa.select(t.entities).where(
            t.entities.c.institution_code == inst, entity_code_matches(entity_code))).first()
        if prow is None or erow is None:
            return None
        q = sa.select(t.reports).where(t.reports.c.period_id == prow.id,
                                       t.reports.c.entity_id == erow.id)
        row = self.s.execute(q.with_for_update() if for_update else q).first()
        if row is None:
            return None
        c = t.records.c
        # the columns ``Record.checked`` takes, in its order: one positional call per row
        records = sa.select(c.clues, c.product_id, c.kind, c.modality, c.monthly_events,
                            c.monthly_patients, c.cause).where(c.report_id == row.id)
        if unit is not None and row.finalized_at is None:
            # one unit's grid save reads only that unit's records (the Cirugía grid's entity
            # had 3,093 to build on every save). A finalized report is whole: its invariants
            # count every record, and the command on it is refused anyway.
            records = records.where(c.clues == unit)
        checked = Record.checked
        recs = [checked(cl, int(p), k, m, int(e), int(n), cause or None)
                for cl, p, k, m, e, n, cause in self.s.execute(records)]
        signed = [signed_from(r) for r in self.s.execute(
            sa.select(t.signed_reports).where(t.signed_reports.c.report_id == row.id))]
        report = EntityReport(
            entity_code=erow.code, period=period_from(prow),
            answer=Answer(row.answer) if row.answer else None, records=tuple(recs),
            finalized_at=row.finalized_at, finalized_by=row.finalized_by,
            final_version=int(row.final_version or 0), final_fingerprint=row.final_fingerprint,
            signed_reports=tuple(signed), accepted_at=row.accepted_at,
            accepted_by=row.accepted_by, returned=returned_from(row))
        self._ids[self._key(report)] = row.id
        return report

    def _scalars(self, report: EntityReport) -> dict[str, Any]:
        return {"answer": report.answer.value if report.answer else None,
                "finalized_at": report.finalized_at, "finalized_by": report.finalized_by,
                "final_version": report.final_version,
                "final_fingerprint": report.final_fingerprint,
                "accepted_at": report.accepted_at, "accepted_by": report.accepted_by,
                **returned_values(report.returned)}

    def add(self, report: EntityReport) -> None:
        inst, code, year = self._key(report)
        period_id = self.s.execute(sa.select(t.periods.c.id).where(
            t.periods.c.institution_code == inst, t.periods.c.year == year)).scalar_one()
        entity_id = self.s.execute(sa.select(t.entities.c.id).where(
            t.entities.c.institution_code == inst, t.entities.c.code == code)).scalar_one()
        rid = self.s.execute(sa.insert(t.reports).values(
            period_id=period_id, entity_id=entity_id, **self._scalars(report))
        ).inserted_primary_key[0]
        self._ids[self._key(report)] = rid
        self.insert_records(rid, report.records)
        self.save_signed_reports(report)

    def update(self, report: EntityReport) -> None:
        self.s.execute(sa.update(t.reports).where(t.reports.c.id == self._report_id(report))
                       .values(**self._scalars(report)))

    def insert_records(self, report_id: int, records: Iterable[Record]) -> None:
        insert_tuples(self.s, t.records, RECORD_COLUMNS,
                      [record_row(report_id, r) for r in records])

    def apply_records(self, report: EntityReport, saved: RecordsSaved) -> None:
        """Only the records that changed: a stored record whose slot (product and modality,
        the table's unique key with the report and unit) gets a new record is updated in
        place, one whose slot is left empty is deleted, a new slot is inserted. Saving a
        2,857-row grid with every value changed updated its rows in about half the time
        that deleting and inserting them again took (four indexes churned per row)."""
        rid = self._report_id(report)
        if saved.product_ids is None:  # the unit was cleared
            self.s.execute(sa.delete(t.records).where(t.records.c.report_id == rid,
                                                      t.records.c.clues == saved.clues))
            return
        old = {r.slot: r for r in saved.removed}
        new = {r.slot: r for r in saved.added}
        # no two writers interleave here: the report's row is locked first (``get`` with
        # ``for_update``), so the rows need no particular order
        delete_tuples(self.s, t.records, SLOT_COLUMNS,
                      [slot_values(rid, old[slot]) for slot in old.keys() - new.keys()])
        update_tuples(self.s, t.records, CHANGED_COLUMNS, SLOT_COLUMNS,
                      [changed_values(rid, new[slot]) for slot in new.keys() & old.keys()])
        self.insert_records(rid, [new[slot] for slot in new.keys() - old.keys()])

    def try_add(self, report: EntityReport) -> bool:
        """``add`` unless a concurrent first save created the report (False, nothing
        written): the unique (period, entity) key decides, in a savepoint."""
        try:
            with self.s.begin_nested():
                self.add(report)
        except sa.exc.IntegrityError:
            self._ids.pop(self._key(report), None)
            return False
        return True

    def report_version(self, report: EntityReport) -> VersionStamp:
        row = self.s.execute(sa.select(t.reports.c.version, t.reports.c.updated_by,
                                       t.reports.c.updated_at)
                             .where(t.reports.c.id == self._report_id(report))).first()
        return VersionStamp(row.version, row.updated_by, row.updated_at) if row else NEVER_SAVED

    def bump_report_version(self, report: EntityReport, expected: int | None, by: str,
                            at: datetime) -> bool:
        """Compare-and-set in one statement (``expected`` None: move on unconditionally)."""
        q = sa.update(t.reports).where(t.reports.c.id == self._report_id(report))
        if expected is not None:
            q = q.where(t.reports.c.version == int(expected))
        result = self.s.execute(q.values(version=t.reports.c.version + 1, updated_by=by,
                                         updated_at=at))
        return result.rowcount == 1

    def _grid_key(self, report: EntityReport, clues: str, group_id: int,
                  specialty_id: int | None) -> tuple:
        g = t.grid_versions.c
        return (g.report_id == self._report_id(report), g.clues == clues,
                g.group_id == int(group_id), g.specialty_key == int(specialty_id or 0))

    def grid_version(self, report: EntityReport, clues: str, group_id: int,
                     specialty_id: int | None) -> VersionStamp:
        row = self.s.execute(sa.select(t.grid_versions).where(
            *self._grid_key(report, clues, group_id, specialty_id))).first()
        return VersionStamp(row.version, row.updated_by, row.updated_at) if row else NEVER_SAVED

    def bump_grid_version(self, report: EntityReport, clues: str, group_id: int,
                          specialty_id: int | None, expected: int, by: str,
                          at: datetime) -> bool:
        """Compare-and-set in one statement: False when ``expected`` is no longer current."""
        if expected == 0:
            # the first save of this grid: a concurrent first save hits the primary key
            try:
                with self.s.begin_nested():
                    self.s.execute(sa.insert(t.grid_versions).values(
                        report_id=self._report_id(report), clues=clues, group_id=int(group_id),
                        specialty_key=int(specialty_id or 0), version=1, updated_by=by,
                        updated_at=at))
            except sa.exc.IntegrityError:
                return False
            return True
        result = self.s.execute(
            sa.update(t.grid_versions)
            .where(*self._grid_key(report, clues, group_id, specialty_id),
                   t.grid_versions.c.version == int(expected))
            .values(version=t.grid_versions.c.version + 1, updated_by=by, updated_at=at))
        return result.rowcount == 1

    def save_signed_reports(self, report: EntityReport) -> None:
        if not report.signed_reports:
            return
        rid = self._report_id(report)
        stored = {r.version: r for r in self.s.execute(
            sa.select(t.signed_reports.c.version, t.signed_reports.c.superseded_at)
            .where(t.signed_reports.c.report_id == rid))}
        new = [signed_values(rid, s) for s in report.signed_reports if s.version not in stored]
        executemany(self.s, sa.insert(t.signed_reports), new)
        for s in report.signed_reports:
            old = stored.get(s.version)
            if old is not None and old.superseded_at is None and s.superseded:
                self.s.execute(sa.update(t.signed_reports).where(
                    t.signed_reports.c.report_id == rid,
                    t.signed_reports.c.version == s.version).values(
                    superseded_at=s.superseded_at,
                    superseded_reason=s.superseded_reason.value if s.superseded_reason else None))

    def add_final_print(self, report: EntityReport, printed: FinalPrint) -> None:
        self.s.execute(sa.insert(t.final_prints).values(
            report_id=self._report_id(report), folio=printed.folio,
            fingerprint=printed.fingerprint, final_version=printed.final_version,
            printed_at=printed.printed_at, printed_by=printed.printed_by, pages=printed.pages))

    def final_prints(self, report: EntityReport) -> Sequence[FinalPrint]:
        rows = self.s.execute(sa.select(t.final_prints).where(
            t.final_prints.c.report_id == self._report_id(report)).order_by(
            t.final_prints.c.id)).all()
        return [FinalPrint(r.folio, r.fingerprint, r.final_version, r.printed_at, r.printed_by,
                           r.pages) for r in rows]


# --------------------------------------------------------------------------- catalog


_GROUP_Q = (sa.select(t.service_groups.c.id, t.service_groups.c.name,
                      t.services.c.id.label("service_id"), t.services.c.name.label("service_name"),
                      t.services.c.institution_code)
            .select_from(t.service_groups.join(t.services,
                                               t.services.c.id == t.service_groups.c.service_id)))


class SqlCatalogRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def group_info(self, group_id: int) -> GroupInfo | None:
        row = self.s.execute(_GROUP_Q.where(t.service_groups.c.id == int(group_id))).first()
        return GroupInfo(row.id, row.name, row.service_id, row.service_name,
                         row.institution_code) if row else None

    def group(self, group_id: int) -> ServiceGroup | None:
        info = self.group_info(group_id)
        if info is None:
            return None
        return ServiceGroup(Service(info.institution_code, info.service_name), info.name)

    def specialty_info(self, specialty_id: int) -> SpecialtyInfo | None:
        row = self.s.execute(sa.select(t.specialties).where(
            t.specialties.c.id == int(specialty_id))).first()
        return SpecialtyInfo(row.id, row.name, row.group_id) if row else None

    def specialty(self, specialty_id: int) -> Specialty | None:
        info = self.specialty_info(specialty_id)
        group = self.group(info.group_id) if info else None
        return Specialty(group, info.name) if info and group else None

    def product_ids(self, group_id: int, specialty_id: int | None) -> Sequence[int]:
        q = sa.select(t.products.c.id).where(t.products.c.group_id == int(group_id))
        if specialty_id is not None:
            q = q.where(t.products.c.specialty_id == int(specialty_id))
        return list(self.s.execute(q.order_by(t.products.c.search_key, t.products.c.id)).scalars())

    def labels(self, product_ids: Iterable[int]) -> Mapping[int, ProductLabel]:
        q = (sa.select(t.products.c.id, t.products.c.name, t.products.c.unit_of_measure,
                       t.service_groups.c.name.label("group_name"),
                       t.services.c.name.label("service_name"),
                       t.specialties.c.name.label("specialty_name"))
             .select_from(t.products
                          .join(t.service_groups, t.service_groups.c.id == t.products.c.group_id)
                          .join(t.services, t.services.c.id == t.service_groups.c.service_id)
                          .outerjoin(t.specialties,
                                     t.specialties.c.id == t.products.c.specialty_id)))
        out: dict[int, ProductLabel] = {}
        for batch in chunked(sorted(set(product_ids))):
            for r in self.s.execute(q.where(t.products.c.id.in_(batch))):
                out[r.id] = ProductLabel(r.id, r.name, r.unit_of_measure, r.group_name,
                                         r.service_name, r.specialty_name)
        return out

    def merge_products(self, products: Sequence[Product]) -> MergeCounts:
        by_inst: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(products):
            by_inst[p.institution_code].append(i)
        ids: list[int | None] = [None] * len(products)
        created = updated = unchanged = 0
        for inst, positions in by_inst.items():
            c, u, n = self._merge_institution(inst, products, positions, ids)
            created, updated, unchanged = created + c, updated + u, unchanged + n
        return MergeCounts(created, updated, unchanged, tuple(i or 0 for i in ids))

    def _merge_institution(self, inst: str, products: Sequence[Product],
                           positions: list[int], ids: list[int | None]) -> tuple[int, int, int]:
        s = self.s
        # Under the write lock: thousands of products repeat a few service, group and
        # specialty names, and a new product's key is needed twice; fold each text once.
        key_of = functools.lru_cache(maxsize=None)(search_key)
        services = {r.search_key: r.id for r in s.execute(
            sa.select(t.services.c.id, t.services.c.search_key)
            .where(t.services.c.institution_code == inst))}
        groups = {(r.service_id, r.search_key): r.id for r in s.execute(
            sa.select(t.service_groups).where(t.service_groups.c.service_id.in_(
                sa.select(t.services.c.id).where(t.services.c.institution_code == inst))))}
        group_ids = sa.select(t.service_groups.c.id).where(t.service_groups.c.service_id.in_(
            sa.select(t.services.c.id).where(t.services.c.institution_code == inst)))
        specs = {(r.group_id, r.search_key): r.id for r in s.execute(
            sa.select(t.specialties).where(t.specialties.c.group_id.in_(group_ids)))}
        existing = {(r.group_id, r.specialty_id, r.search_key): (r.id, r.unit_of_measure)
                    for r in s.execute(sa.select(t.products.c.id, t.products.c.group_id,
                                                 t.products.c.specialty_id,
                                                 t.products.c.search_key,
                                                 t.products.c.unit_of_measure)
                                       .where(t.products.c.group_id.in_(group_ids)))}

        def service_id(svc: Service) -> int:
            key = key_of(svc.name)
            if key not in services:
                services[key] = s.execute(sa.insert(t.services).values(
                    institution_code=inst, name=svc.name, search_key=key)).inserted_primary_key[0]
            return services[key]

        def group_id(g: ServiceGroup) -> int:
            key = (service_id(g.service), key_of(g.name))
            if key not in groups:
                groups[key] = s.execute(sa.insert(t.service_groups).values(
                    service_id=key[0], name=g.name, search_key=key[1])).inserted_primary_key[0]
            return groups[key]

        def specialty_id(sp: Specialty | None, gid: int) -> int | None:
            if sp is None:
                return None
            key = (gid, key_of(sp.name))
            if key not in specs:
                specs[key] = s.execute(sa.insert(t.specialties).values(
                    group_id=gid, name=sp.name, search_key=key[1])).inserted_primary_key[0]
            return specs[key]

        new_rows: list[dict[str, Any]] = []
        new_positions: list[int] = []
        updates: list[dict[str, Any]] = []
        created = updated = unchanged = 0
        pending: dict[tuple[int, int | None, str], int] = {}
        for i in positions:
            p = products[i]
            gid = group_id(p.group)
            sid = specialty_id(p.specialty, gid)
            key = (gid, sid, key_of(p.name))
            if key in existing:
                pid, uom = existing[key]
                ids[i] = pid
                if uom != p.unit_of_measure:
                    updates.append({"k_id": pid, "k_uom": p.unit_of_measure})
                    existing[key] = (pid, p.unit_of_measure)
                    updated += 1
                else:
                    unchanged += 1
            elif key in pending:  # the same new product twice in one batch
                new_positions.append(i)
                unchanged += 1
            else:
                pending[key] = len(new_rows)
                new_rows.append({"group_id": gid, "specialty_id": sid, "name": p.name,
                                 "unit_of_measure": p.unit_of_measure, "search_key": key[2]})
                new_positions.append(i)
                created += 1
        if updates:
            s.connection().execute(
                sa.update(t.products).where(t.products.c.id == sa.bindparam("k_id"))
                .values(unit_of_measure=sa.bindparam("k_uom")), updates)
        if new_rows:
            result = s.execute(sa.insert(t.products).returning(
                t.products.c.id, sort_by_parameter_order=True), new_rows)
            new_ids = [r[0] for r in result]
            for i in new_positions:
                p = products[i]
                gid = group_id(p.group)
                key = (gid, specialty_id(p.specialty, gid), key_of(p.name))
                ids[i] = new_ids[pending[key]]
        return created, updated, unchanged


# --------------------------------------------------------------------------- requests


class SqlProductRequestRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _group_ids(self, group: ServiceGroup, specialty: Specialty | None
                   ) -> tuple[int, int | None]:
        inst = group.service.institution_code
        gid = self.s.execute(
            sa.select(t.service_groups.c.id)
            .join(t.services, t.services.c.id == t.service_groups.c.service_id)
            .where(t.services.c.institution_code == inst,
                   t.services.c.search_key == search_key(group.service.name),
                   t.service_groups.c.search_key == search_key(group.name))).scalar_one()
        sid = None
        if specialty is not None:
            sid = self.s.execute(sa.select(t.specialties.c.id).where(
                t.specialties.c.group_id == gid,
                t.specialties.c.search_key == search_key(specialty.name))).scalar_one()
        return gid, sid

    def add(self, request: ProductRequest) -> int:
        gid, sid = self._group_ids(request.group, request.specialty)
        entity_id = self.s.execute(sa.select(t.entities.c.id).where(
            t.entities.c.institution_code == request.institution_code,
            t.entities.c.code == request.entity_code)).scalar_one()
        rid = self.s.execute(sa.insert(t.product_requests).values(
            institution_code=request.institution_code, entity_id=entity_id,
            requested_by=request.requested_by, requested_at=request.requested_at,
            product_name=request.product_name, unit_of_measure=request.unit_of_measure,
            group_id=gid, specialty_id=sid, justification=request.justification,
            status=request.status.value, decided_by=request.decided_by,
            decided_at=request.decided_at, decision_reason=request.decision_reason)
        ).inserted_primary_key[0]
        request.id = rid
        return rid

    def get(self, request_id: int, *, for_update: bool = False) -> ProductRequest | None:
        pr = t.product_requests
        q = (sa.select(pr, t.entities.c.code.label("entity_code"))
             .join(t.entities, t.entities.c.id == pr.c.entity_id)
             .where(pr.c.id == int(request_id)))
        row = self.s.execute(q.with_for_update(of=pr) if for_update else q).first()
        if row is None:
            return None
        catalog = SqlCatalogRepository(self.s)
        group = catalog.group(row.group_id)
        specialty = catalog.specialty(row.specialty_id) if row.specialty_id else None
        assert group is not None
        return ProductRequest(
            id=row.id, entity_code=row.entity_code, requested_by=row.requested_by,
            requested_at=row.requested_at, product_name=row.product_name,
            unit_of_measure=row.unit_of_measure, group=group, specialty=specialty,
            justification=row.justification, status=RequestStatus(row.status),
            decided_by=row.decided_by, decided_at=row.decided_at,
            decision_reason=row.decision_reason)

    def update(self, request: ProductRequest, product_id: int | None = None) -> None:
        values: dict[str, Any] = {"status": request.status.value,
                                  "decided_by": request.decided_by,
                                  "decided_at": request.decided_at,
                                  "decision_reason": request.decision_reason}
        if product_id is not None:
            values["product_id"] = product_id
        self.s.execute(sa.update(t.product_requests).where(
            t.product_requests.c.id == request.id).values(**values))

    def version(self, request_id: int) -> VersionStamp:
        pr = t.product_requests
        row = self.s.execute(sa.select(pr.c.version, pr.c.updated_by, pr.c.updated_at)
                             .where(pr.c.id == int(request_id))).first()
        return VersionStamp(row.version, row.updated_by, row.updated_at) if row else NEVER_SAVED

    def bump_version(self, request_id: int, expected: int | None, by: str,
                     at: datetime) -> bool:
        """Compare-and-set in one statement (``expected`` None: move on unconditionally)."""
        pr = t.product_requests
        q = sa.update(pr).where(pr.c.id == int(request_id))
        if expected is not None:
            q = q.where(pr.c.version == int(expected))
        return self.s.execute(q.values(version=pr.c.version + 1, updated_by=by,
                                       updated_at=at)).rowcount == 1

    def mark_decisions_seen(self, institution_code: str, entity_code: str, requested_by: str,
                            at: datetime) -> tuple[int, ...]:
        pr = t.product_requests
        ids = tuple(self.s.execute(
            sa.select(pr.c.id).join(t.entities, t.entities.c.id == pr.c.entity_id)
            .where(pr.c.institution_code == institution_code.upper(),
                   entity_code_matches(entity_code), pr.c.requested_by == requested_by,
                   pr.c.status != RequestStatus.PENDING.value, pr.c.decision_seen_at.is_(None))
            .order_by(pr.c.decided_at, pr.c.id)).scalars())
        if ids:
            self.s.execute(sa.update(pr).where(pr.c.id.in_(ids)).values(decision_seen_at=at))
        return ids


class SqlReturnReasonRepository:
    """The catalog of return reasons (exc_return_reasons), in the administrator's order."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def list(self) -> Sequence[ReturnReason]:
        return [ReturnReason(r.code, r.text, bool(r.active)) for r in self.s.execute(
            sa.select(t.return_reasons).order_by(t.return_reasons.c.position,
                                                 t.return_reasons.c.code))]

    def get(self, code: str) -> ReturnReason | None:
        r = self.s.execute(sa.select(t.return_reasons).where(
            t.return_reasons.c.code == code.strip().upper())).first()
        return ReturnReason(r.code, r.text, bool(r.active)) if r else None

    def add(self, reason: ReturnReason) -> None:
        position = self.s.execute(sa.select(
            sa.func.coalesce(sa.func.max(t.return_reasons.c.position), 0))).scalar_one()
        self.s.execute(sa.insert(t.return_reasons).values(
            code=reason.code, text=reason.text, active=reason.active, position=position + 1))

    def update(self, reason: ReturnReason) -> None:
        self.s.execute(sa.update(t.return_reasons).where(
            t.return_reasons.c.code == reason.code).values(text=reason.text,
                                                           active=reason.active))
