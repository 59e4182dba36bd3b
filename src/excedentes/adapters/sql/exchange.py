"""SQL adapters of the exchange opportunities (E15).

- ``SqlExchangeSource`` (``ExchangeSource``): the period's records in one SELECT over the
  excedentes tables, streamed and mapped to ``ExchangeRecord``s: ``product_key`` of the
  product's name and unit of measure (once per product), the state of the unit by its CLUES
  prefix (``states.locate_unit``, once per unit).
- ``SqlExchangeUnitOfWork`` with ``SqlExchangeRepository``: writes a snapshot (header,
  records, lines) with executemany in batches, inside the caller's transaction.
- ``SqlExchangeReadModel`` (``ExchangeReadModel``): every figure of a saved analysis is a
  GROUP BY over ``exc_exchange_records`` inside the viewer and the filter; the same SQL runs on
  SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from excedentes.adapters.sql import tables as t
from excedentes.adapters.sql.exchange_tables import analyses, lines, records
from excedentes.adapters.sql.mappers import entity_code_matches
from excedentes.application.exchange import (
    SHORTAGE,
    SURPLUS,
    AnalysisHeader,
    ExchangeInput,
    ExchangeLine,
    Option,
    Party,
    PotentialCounts,
    PotentialLevel,
    ProductCounts,
    Side,
    SnapshotLine,
    SnapshotRecord,
    SourceRecord,
    StateBalanceRow,
    StoredAnalysis,
    TierCounts,
    ViewFilter,
    Viewer,
)
from excedentes.domain.exchange import (
    AllocationMethod,
    AllocationTotals,
    ExchangeCriteria,
    ExchangeRecord,
    Modality,
    Tier,
    product_key,
)
from excedentes.domain.records import RecordKind
from excedentes.domain.states import STATES, locate_unit
from shared.adapters.sql.database import SqlUnitOfWork
from shared.adapters.sql.queries import SqlReadModel, chunked

BATCH = 5000  # rows per executemany and per streamed fetch

_KIND = {RecordKind.SHORTAGE.value: SHORTAGE, RecordKind.SURPLUS.value: SURPLUS}


# --------------------------------------------------------------------------- the source


class SqlExchangeSource(SqlReadModel):
    def load(self, year: int, institutions: frozenset[str] | None, service_group: str | None,
             states: frozenset[str] | None) -> ExchangeInput:
        r, rep, per, ent = t.records, t.reports, t.periods, t.entities
        u, p, g = t.units, t.products, t.service_groups
        q = (sa.select(r.c.id, r.c.kind, r.c.modality, r.c.monthly_events,
                       r.c.monthly_patients, r.c.clues, r.c.product_id,
                       u.c.name.label("unit_name"), ent.c.institution_code,
                       ent.c.code.label("entity_code"), ent.c.name.label("entity_name"),
                       p.c.name.label("product_name"), p.c.unit_of_measure,
                       g.c.search_key.label("group_key"), g.c.name.label("group_name"))
             .select_from(r.join(rep, rep.c.id == r.c.report_id)
                          .join(per, per.c.id == rep.c.period_id)
                          .join(ent, ent.c.id == rep.c.entity_id)
                          .join(u, u.c.clues == r.c.clues)
                          .join(p, p.c.id == r.c.product_id)
                          .join(g, g.c.id == p.c.group_id))
             .where(per.c.year == int(year)))
        if institutions is not None:
            q = q.where(per.c.institution_code.in_(sorted(institutions)))
        if service_group:
            q = q.where(g.c.search_key == service_group)
        keys: dict[int, str] = {}
        places: dict[str, str | None] = {}
        out: dict[str, list[SourceRecord]] = {SHORTAGE: [], SURPLUS: []}
        unplaced = 0
        with self._sessions() as s:
            rows = s.execute(q.execution_options(yield_per=BATCH))
            # Plain tuples: attribute access on 60,000 rows is measurable.
            for (rid, kind, modality, events, patients, clues, pid, unit_name, inst, ent,
                 ent_name, product, uom, gkey, gname) in rows:
                state = places.get(clues, "")
                if state == "":
                    state = places[clues] = locate_unit(clues, ent, ent_name)
                if state is None:
                    unplaced += 1
                    continue
                if states is not None and state not in states:
                    continue
                key = keys.get(pid)
                if key is None:
                    key = keys[pid] = product_key(product, uom)
                out[_KIND[kind]].append(SourceRecord(
                    _KIND[kind], ExchangeRecord(rid, clues, ent, inst, state, key, modality,
                                                patients, events),
                    unit_name, ent_name, product, uom, gkey, gname))
        return ExchangeInput(tuple(out[SHORTAGE]), tuple(out[SURPLUS]), unplaced)

    def has_period(self, year: int, institutions: frozenset[str] | None) -> bool:
        q = sa.select(t.periods.c.id).where(t.periods.c.year == int(year))
        if institutions is not None:
            q = q.where(t.periods.c.institution_code.in_(sorted(institutions)))
        return self._first(q.limit(1)) is not None

    def years(self) -> Sequence[int]:
        return [int(r.year) for r in self._all(sa.select(t.periods.c.year).distinct()
                                               .order_by(t.periods.c.year.desc()))]

    def institutions(self) -> Sequence[Option]:
        rows = self._all(sa.select(t.institutions.c.code, t.institutions.c.name).order_by(
            t.institutions.c.position, t.institutions.c.code))
        return [Option(r.code, r.name) for r in rows]

    def service_groups(self) -> Sequence[Option]:
        g = t.service_groups
        rows = self._all(sa.select(g.c.search_key, sa.func.min(g.c.name))
                         .group_by(g.c.search_key).order_by(g.c.search_key))
        return [Option(key, name) for key, name in rows]

    def entity_name(self, institution: str, entity: str) -> str | None:
        return self._scalar(sa.select(t.entities.c.name).where(
            t.entities.c.institution_code == institution.upper(), entity_code_matches(entity)))


# --------------------------------------------------------------------------- the write side


def _header_values(h: AnalysisHeader) -> dict[str, Any]:
    return {"year": h.year, "created_at": h.created_at, "created_by": h.created_by,
            "criteria": h.criteria.to_dict(), "state": h.state,
            "service_group": h.service_group, "service_group_name": h.service_group_name,
            "institutions": list(h.institutions), "shortages": h.shortages,
            "surpluses": h.surpluses, "unplaced": h.unplaced,
            "patients_needed": h.patients_needed,
            "input_fingerprint": h.input_fingerprint, "parameters_key": h.parameters_key,
            "exact": h.exact, "elapsed_ms": h.elapsed_ms,
            "greedy_totals": _totals_dict(h.greedy), "optimal_totals": _totals_dict(h.optimal)}


def _totals_dict(totals: AllocationTotals) -> dict[str, int]:
    return {f.name: getattr(totals, f.name) for f in AllocationTotals.__attrs_attrs__}


RECORD_COLUMNS = ("analysis_id", "seq", "kind", "record_id", "clues", "unit_name",
                  "institution_code", "entity_code", "entity_name", "state", "product_key",
                  "product_name", "unit_of_measure", "group_key", "group_name", "modality",
                  "patients", "greedy", "optimal")
LINE_COLUMNS = ("analysis_id", "method", "seq", "shortage_seq", "surplus_seq", "patients",
                "tier")


def _record_row(analysis_id: int, r: SnapshotRecord) -> tuple:
    s, rec = r.source, r.source.record
    return (analysis_id, r.seq, s.kind, int(rec.record_id) if rec.record_id.isdigit() else 0,
            rec.unit, s.unit_name, rec.institution, rec.entity, s.entity_name, rec.state,
            rec.product, s.product_name, s.unit_of_measure, s.group_key, s.group_name,
            rec.modality.value, rec.monthly_patients, r.greedy, r.optimal)


def _line_row(analysis_id: int, line: SnapshotLine) -> tuple:
    return (analysis_id, line.method.value, line.seq, line.shortage_seq, line.surplus_seq,
            line.patients, int(line.tier))


def bulk_insert(session: Session, table: sa.Table, columns: Sequence[str],
                rows: Iterable[tuple]) -> None:
    """Many rows in the session's transaction, the fastest way each database offers.

    Why not ``session.execute(insert(t), dicts)``: at 60,000 rows SQLAlchemy's per-row
    parameter processing costs twice the database's own work. PostgreSQL gets COPY (psycopg
    3's ``copy``); SQLite a plain DB-API executemany of tuples in batches; anything else the
    Core executemany. The values are plain ints and strings (no type processing needed).
    """
    conn = session.connection()
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # the same transaction
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        for batch in chunked(rows, BATCH):
            conn.exec_driver_sql(sql, batch)
        return
    for batch in chunked(rows, BATCH):
        session.execute(sa.insert(table), [dict(zip(columns, row)) for row in batch])


class SqlExchangeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, header: AnalysisHeader, records_: Iterable[SnapshotRecord],
            lines_: Iterable[SnapshotLine]) -> int:
        aid = int(self.session.execute(sa.insert(analyses).values(**_header_values(header))
                                       .returning(analyses.c.id)).scalar_one())
        bulk_insert(self.session, records, RECORD_COLUMNS,
                    (_record_row(aid, r) for r in records_))
        bulk_insert(self.session, lines, LINE_COLUMNS, (_line_row(aid, line) for line in lines_))
        return aid

    def latest_same(self, parameters_key: str, input_fingerprint: str) -> int | None:
        return self.session.execute(sa.select(sa.func.max(analyses.c.id)).where(
            analyses.c.parameters_key == parameters_key,
            analyses.c.input_fingerprint == input_fingerprint)).scalar()


class SqlExchangeUnitOfWork(SqlUnitOfWork):
    """One transaction: the analyses repository and the audit log."""

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.analyses = SqlExchangeRepository(session)


# --------------------------------------------------------------------------- the read side


def _stored_from(row: Any) -> StoredAnalysis:
    return StoredAnalysis(int(row.id), AnalysisHeader(
        year=int(row.year), created_at=row.created_at, created_by=row.created_by,
        criteria=ExchangeCriteria.from_dict(row.criteria), state=row.state,
        service_group=row.service_group, service_group_name=row.service_group_name,
        institutions=tuple(row.institutions or ()), shortages=int(row.shortages),
        surpluses=int(row.surpluses), unplaced=int(row.unplaced),
        patients_needed=int(row.patients_needed),
        input_fingerprint=row.input_fingerprint, parameters_key=row.parameters_key,
        exact=bool(row.exact), elapsed_ms=int(row.elapsed_ms),
        greedy=AllocationTotals(**row.greedy_totals),
        optimal=AllocationTotals(**row.optimal_totals)))


def _in_viewer(rec: Any, viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    if viewer.everything:
        return []
    out = [rec.c.institution_code == viewer.institution]
    if viewer.entity is not None:
        out.append(sa.func.upper(rec.c.entity_code) == viewer.entity.upper())
    return out


def _in_filter(rec: Any, flt: ViewFilter) -> list[sa.ColumnElement[bool]]:
    out = []
    if flt.institution:
        out.append(rec.c.institution_code == flt.institution)
    if flt.state:
        out.append(rec.c.state == flt.state)
    if flt.service_group:
        out.append(rec.c.group_key == flt.service_group)
    return out


def _total(col: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(col), 0)


def _counts(rec: Any) -> list[Any]:
    """The potential's counts (the domain's ``_Tally``): records, patients needed, and per
    method the records fully / partly covered and the patients covered."""
    need = rec.c.patients
    out = [sa.func.count().label("n"), _total(need).label("needed")]
    for name in ("greedy", "optimal"):
        col = rec.c[name]
        out += [_total(sa.case((col >= need, 1), else_=0)).label(f"{name}_full"),
                _total(sa.case((sa.and_(col > 0, col < need), 1), else_=0)).label(
                    f"{name}_partial"),
                _total(col).label(f"{name}_covered")]
    return out


def _counts_from(row: Any, institution: str | None = None, entity: str | None = None,
                 entity_name: str | None = None, state: str | None = None) -> PotentialCounts:
    return PotentialCounts(institution, entity, entity_name, state, int(row.n),
                           int(row.needed), int(row.greedy_full), int(row.greedy_partial),
                           int(row.greedy_covered), int(row.optimal_full),
                           int(row.optimal_partial), int(row.optimal_covered))


def _party(row: Any, prefix: str) -> Party:
    state = getattr(row, f"{prefix}state")
    return Party(getattr(row, f"{prefix}institution_code"), getattr(row, f"{prefix}entity_code"),
                 getattr(row, f"{prefix}entity_name"), state, STATES.get(state, state),
                 getattr(row, f"{prefix}clues"), getattr(row, f"{prefix}unit_name"))


_PARTY_COLUMNS = ("institution_code", "entity_code", "entity_name", "state", "clues",
                  "unit_name")


class SqlExchangeReadModel(SqlReadModel):
    # ----------------------------------------------------------------- analyses

    def get(self, analysis_id: int) -> StoredAnalysis | None:
        rows = self._all(sa.select(analyses).where(analyses.c.id == int(analysis_id)))
        return _stored_from(rows[0]) if rows else None

    def _visible_cond(self, viewer: Viewer, username: str) -> sa.ColumnElement[bool]:
        if viewer.everything:
            return sa.true()
        mine = (sa.exists().where(records.c.analysis_id == analyses.c.id,
                                  *_in_viewer(records, viewer)))
        return sa.or_(analyses.c.created_by == username, mine)

    def visible(self, analysis_id: int, viewer: Viewer, username: str) -> bool:
        q = sa.select(analyses.c.id).where(analyses.c.id == int(analysis_id),
                                           self._visible_cond(viewer, username))
        return bool(self._all(q))

    def list(self, viewer: Viewer, username: str, offset: int, limit: int
             ) -> tuple[Sequence[StoredAnalysis], int]:
        q = sa.select(analyses).where(self._visible_cond(viewer, username))
        rows, total = self._page(q, (analyses.c.created_at.desc(), analyses.c.id.desc()),
                                 offset, limit)
        return [_stored_from(r) for r in rows], total

    def national_counts(self, analysis_ids: Sequence[int], viewer: Viewer
                        ) -> dict[int, PotentialCounts]:
        if not analysis_ids:
            return {}
        rows = self._all(sa.select(records.c.analysis_id, *_counts(records)).where(
            records.c.analysis_id.in_([int(i) for i in analysis_ids]),
            records.c.kind == SHORTAGE, *_in_viewer(records, viewer))
            .group_by(records.c.analysis_id))
        return {int(r.analysis_id): _counts_from(r) for r in rows}

    # ----------------------------------------------------------------- figures

    def _where(self, analysis_id: int, viewer: Viewer, flt: ViewFilter,
               kind: str | None = SHORTAGE) -> list[sa.ColumnElement[bool]]:
        out = [records.c.analysis_id == int(analysis_id), *_in_viewer(records, viewer),
               *_in_filter(records, flt)]
        if kind is not None:
            out.append(records.c.kind == kind)
        return out

    def potentials(self, analysis_id: int, viewer: Viewer, flt: ViewFilter,
                   level: PotentialLevel) -> Sequence[PotentialCounts]:
        c = records.c
        where = self._where(analysis_id, viewer, flt)
        if level is PotentialLevel.NATIONAL:
            return [_counts_from(r) for r in self._all(sa.select(*_counts(records))
                                                       .where(*where))]
        if level is PotentialLevel.INSTITUTION:
            rows = self._all(sa.select(c.institution_code, *_counts(records)).where(*where)
                             .group_by(c.institution_code).order_by(c.institution_code))
            return [_counts_from(r, r.institution_code) for r in rows]
        if level is PotentialLevel.ENTITY:
            name = sa.func.max(c.entity_name).label("entity_name")
            rows = self._all(sa.select(c.institution_code, c.entity_code, name,
                                       *_counts(records)).where(*where)
                             .group_by(c.institution_code, c.entity_code)
                             .order_by(c.institution_code, name, c.entity_code))
            return [_counts_from(r, r.institution_code, r.entity_code, r.entity_name)
                    for r in rows]
        rows = self._all(sa.select(c.state, *_counts(records)).where(*where)
                         .group_by(c.state).order_by(c.state))
        return [_counts_from(r, state=r.state) for r in rows]

    def balances(self, analysis_id: int, viewer: Viewer, flt: ViewFilter
                 ) -> Sequence[StateBalanceRow]:
        c = records.c
        rows = self._all(sa.select(c.state, c.kind, sa.func.count().label("n"),
                                   _total(c.patients).label("patients"))
                         .where(*self._where(analysis_id, viewer, flt, kind=None))
                         .group_by(c.state, c.kind))
        by_state: dict[str, list[int]] = {}
        for r in rows:
            cell = by_state.setdefault(r.state, [0, 0, 0, 0])
            offset = 0 if r.kind == SHORTAGE else 2
            cell[offset], cell[offset + 1] = int(r.n), int(r.patients)
        return [StateBalanceRow(state, *cell) for state, cell in sorted(by_state.items())]

    def top_products(self, analysis_id: int, viewer: Viewer, flt: ViewFilter,
                     limit: int) -> Sequence[ProductCounts]:
        c = records.c
        needed = _total(c.patients).label("needed")
        rows = self._all(
            sa.select(c.product_key, sa.func.min(c.product_name).label("name"),
                      sa.func.min(c.unit_of_measure).label("uom"),
                      sa.func.min(c.group_name).label("grp"), sa.func.count().label("n"),
                      needed, _total(c.greedy).label("greedy"),
                      _total(c.optimal).label("optimal"))
            .where(*self._where(analysis_id, viewer, flt)).group_by(c.product_key)
            .order_by(needed.desc(), c.product_key).limit(int(limit)))
        return [ProductCounts(r.product_key, r.name, r.uom, r.grp, int(r.n), int(r.needed),
                              int(r.greedy), int(r.optimal)) for r in rows]

    # ----------------------------------------------------------------- exchanges

    def _lines_from(self, analysis_id: int, viewer: Viewer, flt: ViewFilter,
                    method: AllocationMethod | None) -> tuple[Any, list[Any], Any, Any]:
        rs, rp = records.alias("rs"), records.alias("rp")
        join = (lines.join(rs, sa.and_(rs.c.analysis_id == lines.c.analysis_id,
                                       rs.c.seq == lines.c.shortage_seq))
                .join(rp, sa.and_(rp.c.analysis_id == lines.c.analysis_id,
                                  rp.c.seq == lines.c.surplus_seq)))
        where: list[Any] = [lines.c.analysis_id == int(analysis_id)]
        if method is not None:
            where.append(lines.c.method == method.value)
        if not viewer.everything:
            where.append(sa.or_(sa.and_(*_in_viewer(rs, viewer)),
                                sa.and_(*_in_viewer(rp, viewer))))
        where += _in_filter(rp if flt.side is Side.PROVIDING else rs, flt)
        return join, where, rs, rp

    def tier_counts(self, analysis_id: int, viewer: Viewer, flt: ViewFilter
                    ) -> Sequence[TierCounts]:
        # Potentials count the requesting side: so do these (one filter for both).
        rs = records.alias("rs")
        join = lines.join(rs, sa.and_(rs.c.analysis_id == lines.c.analysis_id,
                                      rs.c.seq == lines.c.shortage_seq))
        rows = self._all(sa.select(lines.c.method, lines.c.tier, sa.func.count().label("n"),
                                   _total(lines.c.patients).label("patients"))
                         .select_from(join)
                         .where(lines.c.analysis_id == int(analysis_id),
                                *_in_viewer(rs, viewer), *_in_filter(rs, flt))
                         .group_by(lines.c.method, lines.c.tier))
        return [TierCounts(AllocationMethod(r.method), Tier(int(r.tier)), int(r.n),
                           int(r.patients)) for r in rows]

    def _lines_select(self, analysis_id: int, viewer: Viewer, flt: ViewFilter,
                      method: AllocationMethod) -> tuple[Any, list[Any], Any]:
        join, where, rs, rp = self._lines_from(analysis_id, viewer, flt, method)
        cols = [lines.c.method, lines.c.tier, lines.c.patients, rs.c.product_name,
                rs.c.unit_of_measure, rs.c.group_name, rs.c.modality,
                rs.c.patients.label("need")]
        cols += [rs.c[n].label(f"r_{n}") for n in _PARTY_COLUMNS]
        cols += [rp.c[n].label(f"p_{n}") for n in _PARTY_COLUMNS]
        q = (sa.select(*cols).select_from(join).where(*where)
             .order_by(rs.c.state, rs.c.institution_code, rs.c.entity_name, rs.c.unit_name,
                       rs.c.clues, rs.c.product_name, rs.c.modality, lines.c.tier,
                       rp.c.clues, lines.c.seq))
        return q, where, join

    @staticmethod
    def _line(number: int, r: Any) -> ExchangeLine:
        tier = Tier(int(r.tier))
        return ExchangeLine(number, r.method, int(tier), tier.label, _party(r, "r_"),
                            _party(r, "p_"), r.product_name, r.unit_of_measure, r.group_name,
                            Modality(r.modality).label, int(r.patients), int(r.need))

    def lines(self, analysis_id: int, viewer: Viewer, flt: ViewFilter,
              method: AllocationMethod, offset: int, limit: int | None
              ) -> tuple[Sequence[ExchangeLine], int]:
        q, where, join = self._lines_select(analysis_id, viewer, flt, method)
        with self._sessions() as s:
            total = int(s.execute(sa.select(sa.func.count()).select_from(join).where(*where))
                        .scalar_one())
            if limit is not None:
                q = q.offset(int(offset)).limit(int(limit))
            rows = s.execute(q).all()
        return [self._line(offset + i, r) for i, r in enumerate(rows, 1)], total

    def iter_lines(self, analysis_id: int, viewer: Viewer, flt: ViewFilter,
                   method: AllocationMethod) -> Iterator[ExchangeLine]:
        q, _, _ = self._lines_select(analysis_id, viewer, flt, method)
        with self._sessions() as s:
            for i, r in enumerate(s.execute(q.execution_options(yield_per=BATCH)), 1):
                yield self._line(i, r)

    def filter_options(self, analysis_id: int, viewer: Viewer
                       ) -> tuple[Sequence[str], Sequence[str], Sequence[Option]]:
        c = records.c
        where = [c.analysis_id == int(analysis_id), *_in_viewer(records, viewer)]
        with self._sessions() as s:
            insts = list(s.execute(sa.select(c.institution_code).where(*where).distinct())
                         .scalars())
            states = sorted(s.execute(sa.select(c.state).where(*where).distinct()).scalars())
            groups = s.execute(sa.select(c.group_key, sa.func.min(c.group_name)).where(*where)
                               .group_by(c.group_key).order_by(c.group_key)).all()
        return insts, states, [Option(k, n) for k, n in groups]
