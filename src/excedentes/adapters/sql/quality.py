"""Data quality at capture in SQL: what a grid row is judged against (the unit's previous
period, its peers), the notes kept beside the rows, and the entity's list of outliers.

``SqlQualityRepository`` works inside a unit of work's session (the save); the read model
opens short sessions of its own (pages). Both build the same statements here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from excedentes.adapters.sql import tables as t
from excedentes.adapters.sql.mappers import entity_code_matches
from excedentes.application.ports import OutlierItem
from excedentes.domain.grid import (
    QUANTITY_FIELDS,
    GridField,
    GridRow,
    rows_from_stored,
    stored_quantities,
)
from excedentes.domain.quality import RowContext, ValueNote
from shared.adapters.sql.queries import SqlReadModel, among_ints, cached_read

_RECORD_COLS = (t.records.c.product_id, t.records.c.kind, t.records.c.modality,
                t.records.c.monthly_events, t.records.c.monthly_patients, t.records.c.cause)


def report_id_q(institution_code: str, entity_code: str, year: int) -> sa.ScalarSelect:
    return (sa.select(t.reports.c.id)
            .join(t.periods, t.periods.c.id == t.reports.c.period_id)
            .join(t.entities, t.entities.c.id == t.reports.c.entity_id)
            .where(t.periods.c.institution_code == institution_code.upper(),
                   t.periods.c.year == int(year),
                   t.entities.c.institution_code == institution_code.upper(),
                   entity_code_matches(entity_code))
            .scalar_subquery())


# Past this many products a unit's rows and notes are read whole and filtered here: one
# unit holds few of them, while SQLAlchemy writes a long IN list out value by value (the
# 2,857 ids of the Cirugía grid, several times per save).
IN_LIST_MAX = 200


def _of_products(column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids`` for a short list; None (no condition: filter after) for a long one."""
    return column.in_(ids) if len(ids) <= IN_LIST_MAX else None


def unit_rows(s: Session, institution_code: str, entity_code: str, year: int, clues: str,
              product_ids: Iterable[int]) -> Mapping[int, GridRow]:
    """The unit's stored rows of a period for these products (the previous period's, for the
    comparison and for "Copiar los valores del periodo anterior")."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    r = t.records.c
    q = sa.select(*_RECORD_COLS).where(
        r.report_id == report_id_q(institution_code, entity_code, year), r.clues == clues)
    among = _of_products(r.product_id, ids)
    if among is not None:
        return rows_from_stored(s.execute(q.where(among)))
    wanted = set(ids)
    return rows_from_stored(v for v in s.execute(q) if v[0] in wanted)


def row_contexts(s: Session, institution_code: str, entity_code: str, year: int, clues: str,
                 level: str, product_ids: Iterable[int]) -> dict[int, RowContext]:
    """Per product: the unit's row of the previous period, and the peers' values: every other
    unit of the same level and institution, its value of this period or, when it has not
    reported the product yet, of the previous one (its latest)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    inst = institution_code.upper()
    previous = unit_rows(s, inst, entity_code, year - 1, clues, ids)
    r, p = t.records.c, t.periods.c
    q = (sa.select(r.clues, p.year, *_RECORD_COLS)
         .join(t.reports, t.reports.c.id == r.report_id)
         .join(t.periods, t.periods.c.id == t.reports.c.period_id)
         .join(t.units, t.units.c.clues == r.clues)
         .where(p.institution_code == inst, p.year.in_((int(year), int(year) - 1)),
                t.units.c.level == level, r.clues != clues, among_ints(s, r.product_id, ids)))
    # (product, unit) -> (its latest year, that year's stored columns)
    latest: dict[tuple[int, str], tuple[int, list[tuple[Any, ...]]]] = {}
    for row in s.execute(q):
        key, row_year, stored = (row[2], row[0]), row[1], tuple(row)[2:]
        found = latest.get(key)
        if found is None or row_year > found[0]:
            latest[key] = (row_year, [stored])
        elif row_year == found[0]:
            found[1].append(stored)
    peers: dict[int, dict[GridField, list[int]]] = defaultdict(lambda: defaultdict(list))
    for (pid, _unit), (_year, stored) in latest.items():
        for field, value in stored_quantities(stored):
            peers[pid][field].append(value)
    # one shared context for the products with nothing to compare with (most of a big grid's
    # rows): 2,857 identical objects were a fifth of the Cirugía save's judging
    empty = RowContext(level=level, previous_year=year - 1)
    out: dict[int, RowContext] = dict.fromkeys(ids, empty)
    for pid in previous.keys() | peers.keys():
        if pid in out:
            out[pid] = RowContext(level=level, previous_year=year - 1, previous=previous.get(pid),
                                  peers={f: tuple(v) for f, v in peers.get(pid, {}).items()})
    return out


def notes_of(s: Session, report_id: Any, clues: str | None,
             product_ids: Iterable[int] | None = None) -> dict[int, ValueNote]:
    """``{product: note}`` of one unit of a report (only the two columns a note shows: the
    Cirugía grid reads 2,857 of them on every load and save)."""
    n = t.value_notes.c
    q = sa.select(n.product_id, n.comment, n.outlier).where(n.report_id == report_id,
                                                            n.clues == clues)
    wanted: set[int] | None = None
    if product_ids is not None:
        ids = sorted(set(product_ids))
        among = _of_products(n.product_id, ids)
        if among is not None:
            q = q.where(among)
        else:
            wanted = set(ids)
    return {pid: ValueNote(comment, outlier) for pid, comment, outlier in s.execute(q)
            if wanted is None or pid in wanted}


class SqlQualityRepository:
    """``QualityRepository`` inside the unit of work's transaction."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def contexts(self, institution_code: str, entity_code: str, year: int, clues: str,
                 level: str, product_ids: Iterable[int]) -> Mapping[int, RowContext]:
        return row_contexts(self.s, institution_code, entity_code, year, clues, level,
                            product_ids)

    def notes(self, institution_code: str, entity_code: str, year: int, clues: str,
              product_ids: Iterable[int]) -> Mapping[int, ValueNote]:
        rid = report_id_q(institution_code, entity_code, year)
        return notes_of(self.s, rid, clues, product_ids)

    def save_notes(self, institution_code: str, entity_code: str, year: int, clues: str,
                   notes: Mapping[int, ValueNote], by: str, at: datetime) -> None:
        """Replace the notes of these products (an empty note deletes the product's)."""
        if not notes:
            return
        rid = self.s.execute(sa.select(report_id_q(institution_code, entity_code, year))
                             ).scalar()
        if rid is None:  # no report yet: nothing was ever noted (records need one)
            return
        n = t.value_notes.c
        self.s.execute(sa.delete(t.value_notes).where(
            n.report_id == rid, n.clues == clues, n.product_id.in_(sorted(notes))))
        rows = [{"report_id": rid, "clues": clues, "product_id": pid, "comment": note.comment,
                 "outlier": note.outlier, "updated_by": by, "updated_at": at}
                for pid, note in sorted(notes.items()) if not note.is_empty]
        if rows:
            self.s.execute(sa.insert(t.value_notes), rows)


def entity_outliers(s: Session, institution_code: str, entity_code: str,
                    year: int) -> Sequence[OutlierItem]:
    """Every note of the entity's report that kept an outlier, by unit and product."""
    n, u, pr = t.value_notes.c, t.units.c, t.products.c
    q = (sa.select(n.clues, u.name.label("unit_name"), u.level, n.product_id,
                   pr.name.label("product"), t.service_groups.c.name.label("group_name"),
                   n.comment, n.outlier, n.updated_by, n.updated_at)
         .join(t.units, u.clues == n.clues)
         .join(t.products, pr.id == n.product_id)
         .join(t.service_groups, t.service_groups.c.id == pr.group_id)
         .where(n.report_id == report_id_q(institution_code, entity_code, year),
                n.outlier.is_not(None))
         .order_by(u.name, n.clues, t.service_groups.c.name, pr.name))
    return [OutlierItem(clues=row.clues, unit_name=row.unit_name, level=row.level,
                        product_id=row.product_id, product=row.product,
                        group_name=row.group_name, comment=row.comment,
                        explanation=row.outlier, updated_by=row.updated_by,
                        updated_at=row.updated_at)
            for row in s.execute(q)]


class SqlQualityReadModel(SqlReadModel):
    """``QualityReadModel``: short sessions of its own, like the context's read model."""

    @cached_read  # read on every Paso 6 page; a save commits, which moves the data version
    def grid_notes(self, institution_code: str, entity_code: str, year: int, clues: str,
                   product_ids: Iterable[int]) -> Mapping[int, ValueNote]:
        with self._read() as s:
            rid = report_id_q(institution_code, entity_code, year)
            return notes_of(s, rid, clues, product_ids)

    def previous_rows(self, institution_code: str, entity_code: str, year: int, clues: str,
                      product_ids: Iterable[int]) -> Mapping[int, GridRow]:
        with self._read() as s:
            return unit_rows(s, institution_code, entity_code, year - 1, clues, product_ids)

    def entity_outliers(self, institution_code: str, entity_code: str,
                        year: int) -> Sequence[OutlierItem]:
        with self._read() as s:
            return entity_outliers(s, institution_code, entity_code, year)

    def product_name(self, institution_code: str, product_id: int) -> str | None:
        pr, g, sv = t.products.c, t.service_groups.c, t.services.c
        return self._scalar(
            sa.select(pr.name).join(t.service_groups, g.id == pr.group_id)
            .join(t.services, sv.id == g.service_id)
            .where(pr.id == int(product_id), sv.institution_code == institution_code.upper()))
