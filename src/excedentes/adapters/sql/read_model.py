"""The excedentes read model: dashboards and lists straight from SQL into attrs rows.

Each method opens a short session of its own (streams keep theirs open while iterated). No
scope rules here: ``excedentes.application.queries`` applies them.
"""

from __future__ import annotations

import functools

from typing import Any, Iterator, Mapping, Sequence

import sqlalchemy as sa

from excedentes.adapters.sql import tables as t
from excedentes.adapters.sql.mappers import (
    entity_code_matches,
    entity_from,
    institution_from,
    level_order,
    period_from,
    returned_from,
    signed_from,
    unit_from,
    unit_select,
)
from excedentes.application.documents import ExportRow
from excedentes.application.ports import (
    CompletenessSource,
    DashboardSource,
    GridProduct,
    GroupInfo,
    ReportStatus,
    SpecialtyInfo,
)
from excedentes.application.results import (
    CatalogStateView,
    FinalPrintView,
    GroupItem,
    GroupNode,
    ProductRequestView,
    ServiceBlock,
    ServiceNode,
    SpecialtyItem,
    SpecialtyNode,
    TracedPrint,
    UnitItem,
)
from excedentes.domain.catalog import Entity, MedicalUnit, Period, name_key
from excedentes.domain.dashboard import ReportFacts
from excedentes.domain.grid import GridRow, rows_from_stored
from excedentes.domain.imports import CatalogRow, UnitRow
from excedentes.domain.institution import Institution
from excedentes.domain.model import Answer
from excedentes.domain.product_requests import RequestStatus
from excedentes.domain.records import Cause, Modality, RecordKind
from excedentes.domain.review import ReturnReason
from excedentes.domain.signed import SignedReport
from excedentes.domain.versions import NEVER_SAVED, VersionStamp
from shared.adapters.sql.queries import SqlReadModel, cached_read
from shared.kernel.text import fold_text


def _report_id_q(institution_code: str, entity_code: str, year: int) -> sa.ScalarSelect:
    return (sa.select(t.reports.c.id)
            .join(t.periods, t.periods.c.id == t.reports.c.period_id)
            .join(t.entities, t.entities.c.id == t.reports.c.entity_id)
            .where(t.periods.c.institution_code == institution_code,
                   t.periods.c.year == int(year),
                   t.entities.c.institution_code == institution_code,
                   entity_code_matches(entity_code))
            .scalar_subquery())


@functools.cache
def _dashboard_query() -> sa.Select:
    """Paso 1's statement, built once (building it cost more than running it), with the
    institution and the year as bound parameters ``inst`` and ``year``."""
    inst = sa.bindparam("inst", type_=sa.String)
    in_period = (t.periods.c.institution_code == inst,
                 t.periods.c.year == sa.bindparam("year", type_=sa.Integer))
    rep = (sa.select(t.reports.c.id, t.reports.c.entity_id, t.reports.c.answer,
                     t.reports.c.finalized_at, t.reports.c.accepted_at,
                     t.reports.c.returned_at)
           .join(t.periods, t.periods.c.id == t.reports.c.period_id)
           .where(*in_period).subquery())
    unit_counts = (sa.select(t.units.c.entity_id, sa.func.count().label("n"))
                   .join(t.entities, t.entities.c.id == t.units.c.entity_id)
                   .where(t.entities.c.institution_code == inst)
                   .group_by(t.units.c.entity_id).subquery())
    stats = (sa.select(t.records.c.report_id, sa.func.count().label("records"),
                       sa.func.count(sa.distinct(t.records.c.clues)).label("units"))
             .join(t.reports, t.reports.c.id == t.records.c.report_id)
             .join(t.periods, t.periods.c.id == t.reports.c.period_id)
             .where(*in_period)
             .group_by(t.records.c.report_id).subquery())
    signed = (sa.select(t.signed_reports.c.report_id)
              .join(t.reports, t.reports.c.id == t.signed_reports.c.report_id)
              .join(t.periods, t.periods.c.id == t.reports.c.period_id)
              .where(t.signed_reports.c.superseded_at.is_(None), *in_period)
              .group_by(t.signed_reports.c.report_id).subquery())
    q = (sa.select(t.entities.c.code, t.entities.c.name,
                   sa.func.coalesce(unit_counts.c.n, 0).label("total"),
                   rep.c.answer, rep.c.finalized_at, rep.c.accepted_at, rep.c.returned_at,
                   sa.func.coalesce(stats.c.records, 0).label("records"),
                   sa.func.coalesce(stats.c.units, 0).label("units"),
                   signed.c.report_id.label("signed"))
         .select_from(t.entities
                      .outerjoin(unit_counts, unit_counts.c.entity_id == t.entities.c.id)
                      .outerjoin(rep, rep.c.entity_id == t.entities.c.id)
                      .outerjoin(stats, stats.c.report_id == rep.c.id)
                      .outerjoin(signed, signed.c.report_id == rep.c.id))
         .where(t.entities.c.institution_code == inst)
         .order_by(t.entities.c.position, t.entities.c.id))
    return q


class SqlExcedentesReadModel(SqlReadModel):
    # ----------------------------------------------------------------- organisation

    def institution(self, code: str) -> Institution | None:
        # Read several times by one page (scope checks, headers): once per request.
        key = (code or "").strip().upper()
        return self._memo(("institution", key), lambda: self._institution(key))

    def _institution(self, code: str) -> Institution | None:
        row = self._first(sa.select(t.institutions).where(t.institutions.c.code == code))
        return institution_from(row) if row else None

    def institutions(self) -> Sequence[Institution]:
        return [institution_from(r) for r in self._all(sa.select(t.institutions).order_by(
            t.institutions.c.position, t.institutions.c.code))]

    def institution_versions(self) -> Mapping[str, VersionStamp]:
        c = t.institutions.c
        return {r.code: VersionStamp(r.version, r.updated_by, r.updated_at)
                for r in self._all(sa.select(c.code, c.version, c.updated_by, c.updated_at))}

    @cached_read
    def entity(self, institution_code: str, code: str) -> Entity | None:
        row = self._first(sa.select(t.entities).where(
            t.entities.c.institution_code == institution_code.upper(), entity_code_matches(code)))
        return entity_from(row) if row else None

    def entities(self, institution_code: str) -> Sequence[Entity]:
        return [entity_from(r) for r in self._all(sa.select(t.entities).where(
            t.entities.c.institution_code == institution_code.upper()).order_by(
            t.entities.c.position, t.entities.c.id))]

    def find_entities(self, institution_code: str, text: str) -> Sequence[Entity]:
        key = name_key(text)
        if not key:
            return []
        everything = self.entities(institution_code)
        exact = [e for e in everything if key in (name_key(e.code), name_key(e.name))]
        if exact:
            return exact
        return [e for e in everything if key in name_key(e.name)]

    def period(self, institution_code: str, year: int) -> Period | None:
        inst = institution_code.upper()
        return self._memo(("period", inst, int(year)), lambda: self._period(inst, int(year)))

    def _period(self, institution_code: str, year: int) -> Period | None:
        row = self._first(sa.select(t.periods).where(
            t.periods.c.institution_code == institution_code, t.periods.c.year == year))
        return period_from(row) if row else None

    def periods(self, institution_code: str) -> Sequence[Period]:
        inst = institution_code.upper()
        return list(self._memo(("periods", inst), lambda: tuple(self._periods(inst))))

    def period_versions(self, institution_code: str) -> dict[int, VersionStamp]:
        p = t.periods.c
        return {r.year: VersionStamp(r.version, r.updated_by, r.updated_at)
                for r in self._all(sa.select(p.year, p.version, p.updated_by, p.updated_at)
                                   .where(p.institution_code == institution_code.upper()))}

    def _periods(self, institution_code: str) -> Sequence[Period]:
        return [period_from(r) for r in self._all(sa.select(t.periods).where(
            t.periods.c.institution_code == institution_code).order_by(
            t.periods.c.year.desc()))]

    # ----------------------------------------------------------------- Paso 1

    def dashboard(self, institution_code: str, year: int) -> Sequence[DashboardSource]:
        # Every coordinador's and capturista's first page: served again while nothing is written.
        inst = institution_code.upper()
        return self._memo(("dashboard", inst, int(year)), lambda: tuple(self._dashboard(inst, int(year))))

    def _dashboard(self, institution_code: str, year: int) -> Sequence[DashboardSource]:
        rows = self._all(_dashboard_query(), {"inst": institution_code, "year": year})
        return [DashboardSource(
            r.code, r.name, int(r.total),
            ReportFacts(answer=Answer(r.answer) if r.answer else None,
                        record_count=int(r.records), units_with_records=int(r.units),
                        finalized=r.finalized_at is not None,
                        signed_uploaded=r.signed is not None,
                        returned=r.returned_at is not None and r.finalized_at is None,
                        accepted=r.accepted_at is not None)) for r in rows]

    def return_reasons(self) -> Sequence[ReturnReason]:
        return [ReturnReason(r.code, r.text, bool(r.active)) for r in self._all(
            sa.select(t.return_reasons).order_by(t.return_reasons.c.position,
                                                 t.return_reasons.c.code))]

    def completeness(self, year: int | None, institution_code: str | None
                     ) -> Sequence[CompletenessSource]:
        signed = (sa.select(t.signed_reports.c.report_id)
                  .where(t.signed_reports.c.superseded_at.is_(None))
                  .group_by(t.signed_reports.c.report_id).subquery())
        q = (sa.select(t.institutions.c.code.label("inst"), t.institutions.c.name.label("iname"),
                       t.periods.c.year, t.periods.c.window_end, t.entities.c.code,
                       t.entities.c.name, t.reports.c.answer, t.reports.c.finalized_at,
                       t.reports.c.accepted_at, signed.c.report_id.label("signed"))
             .select_from(
                 t.periods
                 .join(t.institutions, t.institutions.c.code == t.periods.c.institution_code)
                 .join(t.entities, t.entities.c.institution_code == t.periods.c.institution_code)
                 .outerjoin(t.reports, sa.and_(t.reports.c.period_id == t.periods.c.id,
                                               t.reports.c.entity_id == t.entities.c.id))
                 .outerjoin(signed, signed.c.report_id == t.reports.c.id))
             .order_by(t.periods.c.year, t.institutions.c.position, t.institutions.c.code,
                       t.entities.c.position, t.entities.c.id))
        if year is not None:
            q = q.where(t.periods.c.year == int(year))
        if institution_code:
            q = q.where(t.periods.c.institution_code == institution_code.upper())
        return [CompletenessSource(
            r.inst, r.iname, int(r.year), r.code, r.name, r.window_end, r.answer is not None,
            r.finalized_at, r.signed is not None, r.accepted_at is not None)
            for r in self._all(q)]

    def report_status(self, institution_code: str, entity_code: str,
                      year: int) -> ReportStatus | None:
        # Read by every page of an entity: served again while nothing is written (``_memo``).
        inst = institution_code.upper()
        return self._memo(("report_status", inst, entity_code, int(year)),
                          lambda: self._report_status(inst, entity_code, int(year)))

    def _report_status(self, inst: str, entity_code: str, year: int) -> ReportStatus | None:
        with self._read() as s:
            row = s.execute(sa.select(t.reports).where(
                t.reports.c.id == _report_id_q(inst, entity_code, year))).first()
            if row is None:
                return None
            n, units = s.execute(sa.select(sa.func.count(),
                                           sa.func.count(sa.distinct(t.records.c.clues)))
                                 .where(t.records.c.report_id == row.id)).one()
            srow = s.execute(sa.select(t.signed_reports).where(
                t.signed_reports.c.report_id == row.id,
                t.signed_reports.c.superseded_at.is_(None)).order_by(
                t.signed_reports.c.version.desc())).first()
        current = signed_from(srow) if srow else None
        facts = ReportFacts(answer=Answer(row.answer) if row.answer else None,
                            record_count=int(n), units_with_records=int(units),
                            finalized=row.finalized_at is not None,
                            signed_uploaded=current is not None,
                            returned=row.returned_at is not None and row.finalized_at is None,
                            accepted=row.accepted_at is not None)
        return ReportStatus(facts, row.finalized_at, row.finalized_by, int(row.final_version),
                            row.final_fingerprint, current,
                            VersionStamp(int(row.version), row.updated_by, row.updated_at),
                            accepted_at=row.accepted_at, accepted_by=row.accepted_by,
                            returned=returned_from(row) if row.finalized_at is None else None)

    # ----------------------------------------------------------------- Paso 3

    @cached_read  # every page of an entity (its overview): no statement built per request
    def unit_count(self, institution_code: str, entity_code: str) -> int:
        return int(self._scalar(
            sa.select(sa.func.count()).select_from(
                t.units.join(t.entities, t.entities.c.id == t.units.c.entity_id))
            .where(t.entities.c.institution_code == institution_code.upper(),
                   entity_code_matches(entity_code))) or 0)

    def unit(self, clues: str) -> MedicalUnit | None:
        row = self._first(unit_select().where(t.units.c.clues == clues))
        return unit_from(row) if row else None

    def _has_records(self, rid: Any) -> sa.ColumnElement[bool]:
        return sa.exists().where(t.records.c.report_id == rid,
                                 t.records.c.clues == t.units.c.clues)

    def _entity_units(self, institution_code: str, entity_code: str, year: int) -> sa.Select:
        inst = institution_code.upper()
        rid = _report_id_q(inst, entity_code, year)
        return (sa.select(t.units.c.clues, t.units.c.name, t.units.c.level,
                          self._has_records(rid).label("has_records"))
                .join(t.entities, t.entities.c.id == t.units.c.entity_id)
                .where(t.entities.c.institution_code == inst, entity_code_matches(entity_code)))

    @cached_read
    def unit_item(self, institution_code: str, entity_code: str, year: int,
                  clues: str) -> UnitItem | None:
        row = self._first(self._entity_units(institution_code, entity_code, year)
                          .where(t.units.c.clues == clues))
        if row is None:
            return None
        return UnitItem(0, row.clues, row.name, row.level, bool(row.has_records))

    def units_page(self, institution_code: str, entity_code: str, year: int, search: str,
                   offset: int, limit: int) -> tuple[Sequence[UnitItem], int]:
        q = self._entity_units(institution_code, entity_code, year)
        key = fold_text(search)
        if key:
            q = q.where(t.units.c.search_key.contains(key, autoescape=True))
        rows, total = self._page(q, (level_order(), t.units.c.level, t.units.c.search_key,
                                     t.units.c.clues), offset, limit)
        return [UnitItem(offset + i, r.clues, r.name, r.level, bool(r.has_records))
                for i, r in enumerate(rows, 1)], total

    # ----------------------------------------------------------------- Paso 4, 5, 6

    def _unit_product_exists(self, institution_code: str, entity_code: str, year: int,
                             clues: str, *conditions: Any) -> sa.ColumnElement[bool]:
        rid = _report_id_q(institution_code.upper(), entity_code, year)
        return (sa.exists().select_from(t.records.join(
            t.products, t.products.c.id == t.records.c.product_id))
            .where(t.records.c.report_id == rid, t.records.c.clues == clues, *conditions))

    def service_groups(self, institution_code: str, entity_code: str, year: int,
                       clues: str) -> Sequence[ServiceBlock]:
        has = self._unit_product_exists(institution_code, entity_code, year, clues,
                                        t.products.c.group_id == t.service_groups.c.id)
        q = (sa.select(t.services.c.id.label("service_id"), t.services.c.name.label("service"),
                       t.service_groups.c.id, t.service_groups.c.name, has.label("has"))
             .select_from(t.service_groups.join(
                 t.services, t.services.c.id == t.service_groups.c.service_id))
             .where(t.services.c.institution_code == institution_code.upper())
             .order_by(t.services.c.search_key, t.services.c.id, t.service_groups.c.search_key,
                       t.service_groups.c.id))
        blocks: list[ServiceBlock] = []
        for r in self._all(q):
            if not blocks or blocks[-1].service_id != r.service_id:
                blocks.append(ServiceBlock(len(blocks) + 1, r.service_id, r.service, ()))
            last = blocks[-1]
            item = GroupItem(len(last.groups) + 1, r.id, r.name, bool(r.has))
            blocks[-1] = ServiceBlock(last.number, last.service_id, last.name,
                                      last.groups + (item,))
        return blocks

    @cached_read
    def group_info(self, group_id: int) -> GroupInfo | None:
        row = self._first(
            sa.select(t.service_groups.c.id, t.service_groups.c.name,
                      t.services.c.id.label("service_id"),
                      t.services.c.name.label("service_name"), t.services.c.institution_code)
            .join(t.services, t.services.c.id == t.service_groups.c.service_id)
            .where(t.service_groups.c.id == int(group_id)))
        return GroupInfo(row.id, row.name, row.service_id, row.service_name,
                         row.institution_code) if row else None

    @cached_read
    def specialty_info(self, specialty_id: int) -> SpecialtyInfo | None:
        row = self._first(sa.select(t.specialties).where(t.specialties.c.id == int(specialty_id)))
        return SpecialtyInfo(row.id, row.name, row.group_id) if row else None

    def specialties(self, institution_code: str, entity_code: str, year: int, clues: str,
                    group_id: int) -> Sequence[SpecialtyItem]:
        has = self._unit_product_exists(institution_code, entity_code, year, clues,
                                        t.products.c.specialty_id == t.specialties.c.id)
        rows = self._all(sa.select(t.specialties.c.id, t.specialties.c.name, has.label("has"))
                         .where(t.specialties.c.group_id == int(group_id))
                         .order_by(t.specialties.c.search_key, t.specialties.c.id))
        return [SpecialtyItem(i, r.id, r.name, bool(r.has)) for i, r in enumerate(rows, 1)]

    def _grid_q(self, group_id: int, specialty_id: int | None) -> sa.Select:
        q = sa.select(t.products.c.id, t.products.c.name, t.products.c.unit_of_measure).where(
            t.products.c.group_id == int(group_id))
        if specialty_id is not None:
            q = q.where(t.products.c.specialty_id == int(specialty_id))
        return q

    @cached_read
    def grid_products(self, group_id: int, specialty_id: int | None,
                      search: str = "") -> Sequence[GridProduct]:
        q = self._grid_q(group_id, specialty_id)
        key = fold_text(search)
        if key:
            q = q.where(t.products.c.search_key.contains(key, autoescape=True))
        rows = self._all(q.order_by(t.products.c.search_key, t.products.c.id))
        return [GridProduct(r.id, r.name, r.unit_of_measure) for r in rows]

    @cached_read
    def grid_product_count(self, group_id: int, specialty_id: int | None) -> int:
        return self._count(self._grid_q(group_id, specialty_id))

    @cached_read
    def unit_grid_rows(self, institution_code: str, entity_code: str, year: int, clues: str,
                       group_id: int, specialty_id: int | None) -> Mapping[int, GridRow]:
        # straight from the columns to the rows shown: no Record per stored value
        rid = _report_id_q(institution_code.upper(), entity_code, year)
        r = t.records.c
        q = (sa.select(r.product_id, r.kind, r.modality, r.monthly_events, r.monthly_patients,
                       r.cause)
             .join(t.products, t.products.c.id == r.product_id)
             .where(r.report_id == rid, r.clues == clues,
                    t.products.c.group_id == int(group_id)))
        if specialty_id is not None:
            q = q.where(t.products.c.specialty_id == int(specialty_id))
        with self._read() as s:
            return rows_from_stored(s.execute(q))

    @cached_read
    def grid_version(self, institution_code: str, entity_code: str, year: int, clues: str,
                     group_id: int, specialty_id: int | None) -> VersionStamp:
        g = t.grid_versions.c
        row = self._first(sa.select(g.version, g.updated_by, g.updated_at).where(
            g.report_id == _report_id_q(institution_code.upper(), entity_code, year),
            g.clues == clues, g.group_id == int(group_id),
            g.specialty_key == int(specialty_id or 0)))
        return VersionStamp(row.version, row.updated_by, row.updated_at) if row else NEVER_SAVED

    # ----------------------------------------------------------------- signed, prints

    @cached_read
    def signed_reports(self, institution_code: str, entity_code: str,
                       year: int) -> Sequence[SignedReport]:
        rid = _report_id_q(institution_code.upper(), entity_code, year)
        return [signed_from(r) for r in self._all(
            sa.select(t.signed_reports).where(t.signed_reports.c.report_id == rid)
            .order_by(t.signed_reports.c.version))]

    def final_prints(self, institution_code: str, entity_code: str,
                     year: int) -> Sequence[FinalPrintView]:
        rid = _report_id_q(institution_code.upper(), entity_code, year)
        return [FinalPrintView(r.folio, r.fingerprint, r.final_version, r.printed_at,
                               r.printed_by, r.pages) for r in self._all(
            sa.select(t.final_prints).where(t.final_prints.c.report_id == rid)
            .order_by(t.final_prints.c.id.desc()))]

    def trace_prints(self, text: str) -> Sequence[TracedPrint]:
        key = (text or "").strip().upper()
        if not key:
            return []
        fp, rep, ent, per = t.final_prints, t.reports, t.entities, t.periods
        rows = self._all(
            sa.select(fp, ent.c.institution_code, ent.c.code.label("entity_code"),
                      ent.c.name.label("entity_name"), per.c.year,
                      rep.c.finalized_at, rep.c.final_fingerprint.label("current_fp"),
                      rep.c.final_version.label("current_version"))
            .select_from(fp.join(rep, rep.c.id == fp.c.report_id)
                         .join(ent, ent.c.id == rep.c.entity_id)
                         .join(per, per.c.id == rep.c.period_id))
            .where(sa.or_(sa.func.upper(fp.c.folio) == key, sa.func.upper(fp.c.fingerprint) == key))
            .order_by(fp.c.id.desc()))
        return [TracedPrint(
            entity_key=f"{r.institution_code}:{r.entity_code}", entity_name=r.entity_name,
            year=int(r.year),
            printed=FinalPrintView(r.folio, r.fingerprint, r.final_version, r.printed_at,
                                   r.printed_by, r.pages),
            still_current=(r.finalized_at is not None and r.current_fp == r.fingerprint
                           and r.current_version == r.final_version)) for r in rows]

    # ----------------------------------------------------------------- product requests

    def _requests_q(self) -> sa.Select:
        pr = t.product_requests
        return (sa.select(pr, t.entities.c.code.label("entity_code"),
                          t.entities.c.name.label("entity_name"),
                          t.service_groups.c.name.label("group_name"),
                          t.services.c.name.label("service_name"),
                          t.specialties.c.name.label("specialty_name"))
                .select_from(pr.join(t.entities, t.entities.c.id == pr.c.entity_id)
                             .join(t.service_groups, t.service_groups.c.id == pr.c.group_id)
                             .join(t.services, t.services.c.id == t.service_groups.c.service_id)
                             .outerjoin(t.specialties, t.specialties.c.id == pr.c.specialty_id)))

    @staticmethod
    def _request_view(r: Any) -> ProductRequestView:
        status = RequestStatus(r.status)
        return ProductRequestView(
            id=r.id, institution_code=r.institution_code,
            entity_key=f"{r.institution_code}:{r.entity_code}", entity_name=r.entity_name,
            requested_by=r.requested_by, requested_at=r.requested_at,
            product_name=r.product_name, unit_of_measure=r.unit_of_measure,
            service_name=r.service_name, group_id=r.group_id, group_name=r.group_name,
            specialty_id=r.specialty_id, specialty_name=r.specialty_name,
            justification=r.justification, status=status.value, status_label=status.label,
            decided_by=r.decided_by, decided_at=r.decided_at, decision_reason=r.decision_reason,
            product_id=r.product_id, decision_seen_at=r.decision_seen_at,
            version=VersionStamp(r.version, r.updated_by, r.updated_at))

    def product_request(self, request_id: int) -> ProductRequestView | None:
        row = self._first(self._requests_q().where(t.product_requests.c.id == int(request_id)))
        return self._request_view(row) if row else None

    def product_requests(self, institution_code: str | None, entity_code: str | None,
                         status: str | None, offset: int, limit: int
                         ) -> tuple[Sequence[ProductRequestView], int]:
        pr = t.product_requests
        q = self._requests_q()
        if institution_code:
            q = q.where(pr.c.institution_code == institution_code.upper())
        if entity_code:
            q = q.where(entity_code_matches(entity_code))
        if status:
            q = q.where(pr.c.status == RequestStatus(status).value)
        rows, total = self._page(q, (pr.c.requested_at.desc(), pr.c.id.desc()), offset, limit)
        return [self._request_view(r) for r in rows], total

    def unseen_decisions(self, institution_code: str, entity_code: str,
                         requested_by: str) -> tuple[int, int]:
        pr = t.product_requests
        counts = dict(self._all(
            sa.select(pr.c.status, sa.func.count())
            .join(t.entities, t.entities.c.id == pr.c.entity_id)
            .where(pr.c.institution_code == institution_code.upper(),
                   entity_code_matches(entity_code), pr.c.requested_by == requested_by,
                   pr.c.status != RequestStatus.PENDING.value, pr.c.decision_seen_at.is_(None))
            .group_by(pr.c.status)))
        return (int(counts.get(RequestStatus.ACCEPTED.value, 0)),
                int(counts.get(RequestStatus.REJECTED.value, 0)))

    # ----------------------------------------------------------------- catalog

    def catalog_state(self, institution_code: str) -> CatalogStateView:
        inst = institution_code.upper()
        c = t.institutions.c
        with self._read() as s:  # one session: the versions and the counts agree
            row = s.execute(sa.select(c.catalog_version, c.catalog_updated_by,
                                      c.catalog_updated_at, c.units_version, c.units_updated_by,
                                      c.units_updated_at).where(c.code == inst)).first()
            products = s.execute(
                sa.select(sa.func.count()).select_from(t.products)
                .join(t.service_groups, t.service_groups.c.id == t.products.c.group_id)
                .join(t.services, t.services.c.id == t.service_groups.c.service_id)
                .where(t.services.c.institution_code == inst)).scalar()
            units = s.execute(
                sa.select(sa.func.count()).select_from(t.units)
                .join(t.entities, t.entities.c.id == t.units.c.entity_id)
                .where(t.entities.c.institution_code == inst)).scalar()
        catalog, unit_stamp = (
            (VersionStamp(row[0], row[1], row[2]), VersionStamp(row[3], row[4], row[5]))
            if row else (NEVER_SAVED, NEVER_SAVED))
        return CatalogStateView(inst, catalog, unit_stamp, int(products or 0), int(units or 0))

    def catalog_tree(self, institution_code: str) -> Sequence[ServiceNode]:
        inst = institution_code.upper()
        counts = dict(self._all(
            sa.select(t.products.c.group_id, sa.func.count())
            .join(t.service_groups, t.service_groups.c.id == t.products.c.group_id)
            .join(t.services, t.services.c.id == t.service_groups.c.service_id)
            .where(t.services.c.institution_code == inst).group_by(t.products.c.group_id)))
        rows = self._all(
            sa.select(t.services.c.id.label("sid"), t.services.c.name.label("sname"),
                      t.service_groups.c.id.label("gid"), t.service_groups.c.name.label("gname"),
                      t.specialties.c.id.label("pid"), t.specialties.c.name.label("pname"))
            .select_from(t.services
                         .join(t.service_groups, t.service_groups.c.service_id == t.services.c.id)
                         .outerjoin(t.specialties,
                                    t.specialties.c.group_id == t.service_groups.c.id))
            .where(t.services.c.institution_code == inst)
            .order_by(t.services.c.search_key, t.service_groups.c.search_key,
                      t.specialties.c.search_key))
        services: dict[int, tuple[str, dict[int, tuple[str, list[SpecialtyNode]]]]] = {}
        for r in rows:
            groups = services.setdefault(r.sid, (r.sname, {}))[1]
            specs = groups.setdefault(r.gid, (r.gname, []))[1]
            if r.pid is not None:
                specs.append(SpecialtyNode(r.pid, r.pname))
        return [ServiceNode(sid, sname, tuple(
            GroupNode(gid, gname, tuple(specs), int(counts.get(gid, 0)))
            for gid, (gname, specs) in groups.items()))
            for sid, (sname, groups) in services.items()]

    def catalog_rows(self, institution_code: str) -> Iterator[CatalogRow]:
        q = (sa.select(t.services.c.name.label("service"), t.service_groups.c.name.label("grp"),
                       t.specialties.c.name.label("specialty"), t.products.c.name.label("product"),
                       t.products.c.unit_of_measure)
             .select_from(t.products
                          .join(t.service_groups, t.service_groups.c.id == t.products.c.group_id)
                          .join(t.services, t.services.c.id == t.service_groups.c.service_id)
                          .outerjoin(t.specialties,
                                     t.specialties.c.id == t.products.c.specialty_id))
             .where(t.services.c.institution_code == institution_code.upper())
             .order_by(t.services.c.search_key, t.service_groups.c.search_key,
                       sa.func.coalesce(t.specialties.c.search_key, ""), t.products.c.search_key,
                       t.products.c.id))
        for line, r in enumerate(self._stream(q), 2):
            yield CatalogRow(line, r.service, r.grp, r.specialty or "", r.product,
                             r.unit_of_measure)

    def unit_rows(self, institution_code: str | None) -> Iterator[UnitRow]:
        q = (sa.select(t.units.c.clues, t.units.c.name, t.units.c.level,
                       t.entities.c.code.label("entity_code"), t.entities.c.institution_code)
             .select_from(t.units.join(t.entities, t.entities.c.id == t.units.c.entity_id)
                          .join(t.institutions,
                                t.institutions.c.code == t.entities.c.institution_code))
             .order_by(t.institutions.c.position, t.entities.c.position, level_order(),
                       t.units.c.search_key, t.units.c.clues))
        if institution_code:
            q = q.where(t.entities.c.institution_code == institution_code.upper())
        for line, r in enumerate(self._stream(q), 2):
            yield UnitRow(line, r.clues, r.name, r.level, r.entity_code, r.institution_code)

    # ----------------------------------------------------------------- E14 export

    def export_rows(self, year: int, institution_code: str | None,
                    entity_code: str | None) -> Iterator[ExportRow]:
        r, p = t.records, t.products
        q = (sa.select(t.institutions.c.name.label("institution"),
                       t.entities.c.name.label("entity"), r.c.clues,
                       t.units.c.name.label("unit"), t.units.c.level,
                       t.services.c.name.label("service"), t.service_groups.c.name.label("grp"),
                       t.specialties.c.name.label("specialty"), p.c.name.label("product"),
                       p.c.unit_of_measure, r.c.kind, r.c.modality, r.c.cause,
                       r.c.monthly_events, r.c.monthly_patients,
                       t.value_notes.c.comment, t.value_notes.c.outlier)
             .select_from(
                 r.join(t.reports, t.reports.c.id == r.c.report_id)
                 .join(t.periods, t.periods.c.id == t.reports.c.period_id)
                 .join(t.entities, t.entities.c.id == t.reports.c.entity_id)
                 .join(t.institutions, t.institutions.c.code == t.entities.c.institution_code)
                 .join(t.units, t.units.c.clues == r.c.clues)
                 .join(p, p.c.id == r.c.product_id)
                 .join(t.service_groups, t.service_groups.c.id == p.c.group_id)
                 .join(t.services, t.services.c.id == t.service_groups.c.service_id)
                 .outerjoin(t.specialties, t.specialties.c.id == p.c.specialty_id)
                 .outerjoin(t.value_notes, sa.and_(
                     t.value_notes.c.report_id == r.c.report_id,
                     t.value_notes.c.clues == r.c.clues,
                     t.value_notes.c.product_id == r.c.product_id)))
             .where(t.periods.c.year == int(year))
             .order_by(t.institutions.c.position, t.entities.c.position, level_order(),
                       t.units.c.search_key, r.c.clues, t.service_groups.c.search_key,
                       p.c.search_key, p.c.id,
                       sa.case((r.c.kind == RecordKind.SHORTAGE.value, 0), else_=1),
                       r.c.modality))
        if institution_code:
            q = q.where(t.periods.c.institution_code == institution_code.upper())
        if entity_code:
            q = q.where(entity_code_matches(entity_code))
        for row in self._stream(q):
            yield ExportRow(
                institution=row.institution, entity=row.entity, clues=row.clues, unit=row.unit,
                level=row.level, service=row.service, group=row.grp,
                specialty=row.specialty or "", product=row.product,
                unit_of_measure=row.unit_of_measure, kind=RecordKind(row.kind).label,
                modality=Modality(row.modality).grid_label,
                cause=Cause(row.cause).label if row.cause else "",
                monthly_events=int(row.monthly_events),
                monthly_patients=int(row.monthly_patients),
                comment=row.comment or "", outlier=row.outlier or "")
