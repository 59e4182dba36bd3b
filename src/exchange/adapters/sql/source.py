"""The collection's records as the exchange analysis reads them (``ExchangeSource``).

Exchange never imports the excedentes context: this adapter reads the collection's tables
*by name*, through lightweight ``sa.table()`` / ``sa.column()`` constructs that declare only
the columns it reads. They are not ``Table`` objects on the shared ``MetaData`` (the excedentes
adapters own those, and the migrations test compares that MetaData with the migrations), so
nothing is defined twice. If the collection renames a column, this file and its integration
tests (``tests/integration/exchange``) say so.

``SqlExchangeSource.load`` reads the period's records in one SELECT, through the driver's
cursor (plain tuples: at 60,000 rows the ORM's row objects cost as much as the query), and
maps them to ``ExchangeRecord``s: ``product_key`` of the product's name and unit of measure
(once per product), the state of the unit by its CLUES prefix (``states.locate_unit``, once
per unit); labels once each.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.application.model import ExchangeInput, Option, ProductLabel, UnitInfo
from exchange.domain.matching import ExchangeRecord, ReportSelection, product_key
from exchange.domain.states import locate_unit
from shared.adapters.sql.database import UtcDateTime
from shared.adapters.sql.queries import SqlReadModel

BATCH = 5000  # rows per fetch of the source's cursor
SHORTAGE_KIND = "faltante"  # ``exc_records.kind`` of a faltante (the other is "excedente")

# --------------------------------------------------------------------------- the tables read

exc_institutions = sa.table("exc_institutions", sa.column("code", sa.String),
                            sa.column("name", sa.String), sa.column("position", sa.Integer))
exc_entities = sa.table("exc_entities", sa.column("id", sa.Integer),
                        sa.column("institution_code", sa.String), sa.column("code", sa.String),
                        sa.column("name", sa.String))
exc_units = sa.table("exc_units", sa.column("clues", sa.String), sa.column("name", sa.String),
                     sa.column("entity_id", sa.Integer))
exc_service_groups = sa.table("exc_service_groups", sa.column("id", sa.Integer),
                              sa.column("name", sa.String), sa.column("search_key", sa.String))
exc_products = sa.table("exc_products", sa.column("id", sa.Integer),
                        sa.column("group_id", sa.Integer), sa.column("name", sa.String),
                        sa.column("unit_of_measure", sa.String))
exc_periods = sa.table("exc_periods", sa.column("id", sa.Integer),
                       sa.column("institution_code", sa.String), sa.column("year", sa.Integer))
exc_reports = sa.table("exc_reports", sa.column("id", sa.Integer),
                       sa.column("period_id", sa.Integer), sa.column("entity_id", sa.Integer),
                       sa.column("finalized_at", UtcDateTime))
exc_records = sa.table("exc_records", sa.column("id", sa.Integer),
                       sa.column("report_id", sa.Integer), sa.column("clues", sa.String),
                       sa.column("product_id", sa.Integer), sa.column("kind", sa.String),
                       sa.column("modality", sa.String), sa.column("monthly_events", sa.Integer),
                       sa.column("monthly_patients", sa.Integer))
exc_signed_reports = sa.table("exc_signed_reports", sa.column("report_id", sa.Integer),
                              sa.column("superseded_at", UtcDateTime))


# --------------------------------------------------------------------------- the source


def driver_rows(session: Session, query: sa.Select, batch: int = BATCH) -> Iterator[tuple]:
    """The rows of ``query`` as the DB-API driver returns them (plain tuples), fetched in
    batches, inside the session's transaction. The statement is compiled by SQLAlchemy for
    the session's dialect (expanding IN lists), so the SQL is the same as ``execute``'s."""
    conn = session.connection()
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()


class SqlExchangeSource(SqlReadModel):
    def _query(self, year: int, institutions: frozenset[str] | None, service_group: str | None,
               reports: ReportSelection) -> sa.Select:
        r, rep, per, ent = exc_records, exc_reports, exc_periods, exc_entities
        u, p, g = exc_units, exc_products, exc_service_groups
        q = (sa.select(r.c.id, r.c.kind, r.c.modality, r.c.monthly_events,
                       r.c.monthly_patients, r.c.clues, r.c.product_id, u.c.name,
                       ent.c.institution_code, ent.c.code, ent.c.name, p.c.name,
                       p.c.unit_of_measure, g.c.search_key, g.c.name)
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
        if reports is not ReportSelection.ALL:
            q = q.where(rep.c.finalized_at.is_not(None))
        if reports is ReportSelection.SIGNED:
            sr = exc_signed_reports
            q = q.where(sa.exists().where(sr.c.report_id == rep.c.id,
                                          sr.c.superseded_at.is_(None)))
        return q

    def load(self, year: int, institutions: frozenset[str] | None, service_group: str | None,
             states: frozenset[str] | None,
             reports: ReportSelection = ReportSelection.ALL) -> ExchangeInput:
        q = self._query(year, institutions, service_group, reports)
        keys: dict[int, tuple[str, ProductLabel]] = {}
        places: dict[str, str | None] = {}
        unit_names: dict[str, str] = {}
        entity_names: dict[tuple[str, str], str] = {}
        products: dict[str, ProductLabel] = {}
        shortages: list[ExchangeRecord] = []
        surpluses: list[ExchangeRecord] = []
        unplaced = 0
        with self._sessions() as s:
            for (rid, kind, modality, events, patients, clues, pid, unit_name, inst, ent,
                 ent_name, product, uom, gkey, gname) in driver_rows(s, q):
                state = places.get(clues, "")
                if state == "":
                    state = places[clues] = locate_unit(clues, ent, ent_name)
                    unit_names[clues] = unit_name
                if state is None:
                    unplaced += 1
                    continue
                if states is not None and state not in states:
                    continue
                known = keys.get(pid)
                if known is None:
                    known = keys[pid] = (product_key(product, uom),
                                         ProductLabel(product, uom, gkey, gname))
                if (inst, ent) not in entity_names:
                    entity_names[(inst, ent)] = ent_name
                record = ExchangeRecord(rid, clues, ent, inst, state, known[0], modality,
                                        patients, events)
                products[record.record_id] = known[1]
                (shortages if kind == SHORTAGE_KIND else surpluses).append(record)
        return ExchangeInput(tuple(shortages), tuple(surpluses), products, unit_names,
                             entity_names, unplaced)

    def has_period(self, year: int, institutions: frozenset[str] | None) -> bool:
        q = sa.select(exc_periods.c.id).where(exc_periods.c.year == int(year))
        if institutions is not None:
            q = q.where(exc_periods.c.institution_code.in_(sorted(institutions)))
        return self._first(q.limit(1)) is not None

    # The run form's choices, on every visit of /intercambios: tuples (never changed) served
    # again while nothing is written (``_memo``), the statements not even built.
    def years(self) -> Sequence[int]:
        return self._memo(("years",), lambda: tuple(int(r.year) for r in self._all(
            sa.select(exc_periods.c.year).distinct().order_by(exc_periods.c.year.desc()))))

    def institutions(self) -> Sequence[Option]:
        def load() -> tuple[Option, ...]:
            rows = self._all(sa.select(exc_institutions.c.code, exc_institutions.c.name)
                             .order_by(exc_institutions.c.position, exc_institutions.c.code))
            return tuple(Option(r.code, r.name) for r in rows)

        return self._memo(("institutions",), load)

    def service_groups(self) -> Sequence[Option]:
        def load() -> tuple[Option, ...]:
            g = exc_service_groups
            rows = self._all(sa.select(g.c.search_key, sa.func.min(g.c.name))
                             .group_by(g.c.search_key).order_by(g.c.search_key))
            return tuple(Option(key, name) for key, name in rows)

        return self._memo(("service_groups",), load)

    def entity_name(self, institution: str, entity: str) -> str | None:
        e = exc_entities  # entity codes are matched ignoring case (URLs and files vary)
        return self._scalar(sa.select(e.c.name).where(
            e.c.institution_code == institution.upper(),
            sa.func.upper(e.c.code) == entity.strip().upper()))

    def unit(self, clues: str) -> UnitInfo | None:
        u, e, i = exc_units, exc_entities, exc_institutions
        row = self._first(sa.select(u.c.clues, u.c.name, e.c.institution_code, i.c.name,
                                    e.c.code, e.c.name)
                          .select_from(u.join(e, e.c.id == u.c.entity_id)
                                       .join(i, i.c.code == e.c.institution_code))
                          .where(u.c.clues == clues.strip().upper()))
        if row is None:
            return None
        clues_, name, inst, inst_name, ent, ent_name = row
        return UnitInfo(clues_, name, inst, inst_name, ent, ent_name,
                        locate_unit(clues_, ent, ent_name))
