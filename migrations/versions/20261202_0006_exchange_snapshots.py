"""excedentes: exchange analyses keep one compact snapshot and each entity's part, instead
of a row per record and per proposed exchange

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000

Why: saving a national analysis wrote ~60,000 records and ~26,000 lines, which took longer
than the matching. Now ``exc_exchange_snapshots`` holds the zlib-compressed JSON of the
snapshot (format 1 of ``excedentes.application.exchange_snapshot``) and
``exc_exchange_parts`` each entity's counts.

Saved analyses are converted, not lost: each one's records and lines become its snapshot
and parts, in this file's own code (it must keep working whatever the application becomes).
Their criteria gain ``"reports": "all"`` (what they read) and their ``parameters_key`` is
recomputed with it, so a new run with the same parameters on the same data still finds
them. The downgrade expands snapshots back into rows; the criteria lose ``reports`` (0004's
code does not know it).
"""
from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FORMAT = 1
MODALITIES = ("outpatient", "inpatient")
METHODS = ("greedy", "optimal")
COUNTS = ("shortages", "patients_needed", "greedy_full", "greedy_partial", "greedy_covered",
          "optimal_full", "optimal_partial", "optimal_covered")

analyses = sa.table("exc_exchange_analyses", sa.column("id", sa.Integer),
                    sa.column("year", sa.Integer), sa.column("criteria", sa.JSON),
                    sa.column("state", sa.String), sa.column("service_group", sa.String),
                    sa.column("parameters_key", sa.String))
records = sa.table("exc_exchange_records", *(sa.column(n) for n in (
    "analysis_id", "seq", "kind", "record_id", "clues", "unit_name", "institution_code",
    "entity_code", "entity_name", "state", "product_key", "product_name", "unit_of_measure",
    "group_key", "group_name", "modality", "patients", "greedy", "optimal")))
lines = sa.table("exc_exchange_lines", *(sa.column(n) for n in (
    "analysis_id", "method", "seq", "shortage_seq", "surplus_seq", "patients", "tier")))
snapshots = sa.table("exc_exchange_snapshots", sa.column("analysis_id", sa.Integer),
                     sa.column("format", sa.Integer), sa.column("data", sa.LargeBinary))
parts = sa.table("exc_exchange_parts", *(sa.column(n) for n in (
    "analysis_id", "institution_code", "entity_code", "entity_name", *COUNTS, "surpluses")))


def _parameters_key(year: int, criteria: dict, state: Any, service_group: Any) -> str:
    data = {"year": year, "criteria": criteria, "state": state, "service_group": service_group}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode("utf-8")).hexdigest()


def _criteria(value: Any) -> dict:
    return dict(json.loads(value) if isinstance(value, str) else value)


# --------------------------------------------------------------------------- rows -> snapshot


def _snapshot_of(rows: Sequence[Any], line_rows: Sequence[Any]) -> tuple[dict, list[dict]]:
    """The payload of one analysis (records in ``seq`` order, faltantes first as 0004 wrote
    them) and its parts."""
    units: dict[tuple, int] = {}
    products: dict[tuple, int] = {}
    position: dict[int, int] = {}
    cols: dict[str, list] = {n: [] for n in ("record_id", "unit", "product", "modality",
                                             "patients", "greedy", "optimal")}
    shortages = 0
    tallies: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        if r.kind == "faltante":
            if shortages != len(position):
                raise RuntimeError("exchange records are not faltantes first")
            shortages += 1
        position[r.seq] = len(position)
        unit = (r.clues, r.unit_name, r.institution_code, r.entity_code, r.entity_name,
                r.state)
        product = (r.product_key, r.product_name, r.unit_of_measure, r.group_key,
                   r.group_name)
        cols["record_id"].append(int(r.record_id))
        cols["unit"].append(units.setdefault(unit, len(units)))
        cols["product"].append(products.setdefault(product, len(products)))
        cols["modality"].append(MODALITIES.index(r.modality))
        need, g, o = int(r.patients), int(r.greedy), int(r.optimal)
        cols["patients"].append(need)
        cols["greedy"].append(g)
        cols["optimal"].append(o)
        t = tallies.setdefault((r.institution_code, r.entity_code),
                               {"entity_name": r.entity_name, "surpluses": 0,
                                **{n: 0 for n in COUNTS}})
        t["entity_name"] = max(t["entity_name"], r.entity_name)
        if r.kind != "faltante":
            t["surpluses"] += 1
            continue
        t["shortages"] += 1
        t["patients_needed"] += need
        for name, got in (("greedy", g), ("optimal", o)):
            if got >= need:
                t[f"{name}_full"] += 1
            elif got > 0:
                t[f"{name}_partial"] += 1
            t[f"{name}_covered"] += got
    by_method: dict[str, dict[str, list]] = {
        m: {"shortage": [], "surplus": [], "patients": [], "tier": []} for m in METHODS}
    for ln in line_rows:  # in (method, seq) order
        out = by_method[ln.method]
        out["shortage"].append(position[ln.shortage_seq])
        out["surplus"].append(position[ln.surplus_seq])
        out["patients"].append(int(ln.patients))
        out["tier"].append(int(ln.tier))
    payload = {"format": FORMAT, "modalities": list(MODALITIES),
               "units": [list(u) for u in units], "products": [list(p) for p in products],
               "shortages": shortages, "records": cols, "lines": by_method}
    part_rows = [{"institution_code": inst, "entity_code": ent, **t}
                 for (inst, ent), t in sorted(tallies.items())]
    return payload, part_rows


def upgrade() -> None:
    op.create_table('exc_exchange_snapshots',
    sa.Column('analysis_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('format', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['exc_exchange_analyses.id'], name=op.f('fk_exc_exchange_snapshots_analysis_id_exc_exchange_analyses')),
    sa.PrimaryKeyConstraint('analysis_id', name=op.f('pk_exc_exchange_snapshots'))
    )
    op.create_table('exc_exchange_parts',
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('institution_code', sa.String(length=16), nullable=False),
    sa.Column('entity_code', sa.String(length=32), nullable=False),
    sa.Column('entity_name', sa.String(length=200), nullable=False),
    sa.Column('shortages', sa.Integer(), nullable=False),
    sa.Column('patients_needed', sa.Integer(), nullable=False),
    sa.Column('greedy_full', sa.Integer(), nullable=False),
    sa.Column('greedy_partial', sa.Integer(), nullable=False),
    sa.Column('greedy_covered', sa.Integer(), nullable=False),
    sa.Column('optimal_full', sa.Integer(), nullable=False),
    sa.Column('optimal_partial', sa.Integer(), nullable=False),
    sa.Column('optimal_covered', sa.Integer(), nullable=False),
    sa.Column('surpluses', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['exc_exchange_analyses.id'], name=op.f('fk_exc_exchange_parts_analysis_id_exc_exchange_analyses')),
    sa.PrimaryKeyConstraint('analysis_id', 'institution_code', 'entity_code', name=op.f('pk_exc_exchange_parts'))
    )

    conn = op.get_bind()
    for a in conn.execute(sa.select(analyses).order_by(analyses.c.id)).all():
        rows = conn.execute(sa.select(records).where(records.c.analysis_id == a.id)
                            .order_by(records.c.seq)).all()
        line_rows = conn.execute(sa.select(lines).where(lines.c.analysis_id == a.id)
                                 .order_by(lines.c.method, lines.c.seq)).all()
        payload, part_rows = _snapshot_of(rows, line_rows)
        data = zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
                             .encode("utf-8"), 6)
        conn.execute(sa.insert(snapshots).values(analysis_id=a.id, format=FORMAT, data=data))
        if part_rows:
            conn.execute(sa.insert(parts), [{"analysis_id": a.id, **p} for p in part_rows])
        criteria = {**_criteria(a.criteria), "reports": "all"}
        conn.execute(sa.update(analyses).where(analyses.c.id == a.id).values(
            criteria=criteria,
            parameters_key=_parameters_key(a.year, criteria, a.state, a.service_group)))

    op.drop_table('exc_exchange_lines')
    with op.batch_alter_table('exc_exchange_records', schema=None) as batch_op:
        batch_op.drop_index('ix_exc_exchange_records_scope')
    op.drop_table('exc_exchange_records')


# --------------------------------------------------------------------------- snapshot -> rows


def _rows_of(analysis_id: int, payload: dict) -> tuple[list[dict], list[dict]]:
    if payload.get("format") != FORMAT:
        raise RuntimeError(f"analysis {analysis_id}: unknown snapshot format")
    units, products, rec = payload["units"], payload["products"], payload["records"]
    modalities = payload["modalities"]
    out = []
    for i, rid in enumerate(rec["record_id"]):
        clues, unit_name, inst, ent, ent_name, state = units[rec["unit"][i]]
        key, name, uom, gkey, gname = products[rec["product"][i]]
        out.append({"analysis_id": analysis_id, "seq": i + 1,
                    "kind": "faltante" if i < payload["shortages"] else "excedente",
                    "record_id": rid if isinstance(rid, int) else 0, "clues": clues,
                    "unit_name": unit_name, "institution_code": inst, "entity_code": ent,
                    "entity_name": ent_name, "state": state, "product_key": key,
                    "product_name": name, "unit_of_measure": uom, "group_key": gkey,
                    "group_name": gname, "modality": modalities[rec["modality"][i]],
                    "patients": rec["patients"][i], "greedy": rec["greedy"][i],
                    "optimal": rec["optimal"][i]})
    line_rows = []
    for method, ls in payload["lines"].items():
        for j, (f, s, patients, tier) in enumerate(zip(ls["shortage"], ls["surplus"],
                                                       ls["patients"], ls["tier"]), 1):
            line_rows.append({"analysis_id": analysis_id, "method": method, "seq": j,
                              "shortage_seq": f + 1, "surplus_seq": s + 1,
                              "patients": patients, "tier": tier})
    return out, line_rows


def downgrade() -> None:
    op.create_table('exc_exchange_records',
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('clues', sa.String(length=11), nullable=False),
    sa.Column('unit_name', sa.String(length=300), nullable=False),
    sa.Column('institution_code', sa.String(length=16), nullable=False),
    sa.Column('entity_code', sa.String(length=32), nullable=False),
    sa.Column('entity_name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('product_key', sa.String(length=600), nullable=False),
    sa.Column('product_name', sa.String(length=500), nullable=False),
    sa.Column('unit_of_measure', sa.String(length=64), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('group_name', sa.String(length=200), nullable=False),
    sa.Column('modality', sa.String(length=12), nullable=False),
    sa.Column('patients', sa.Integer(), nullable=False),
    sa.Column('greedy', sa.Integer(), nullable=False),
    sa.Column('optimal', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['exc_exchange_analyses.id'], name=op.f('fk_exc_exchange_records_analysis_id_exc_exchange_analyses')),
    sa.PrimaryKeyConstraint('analysis_id', 'seq', name=op.f('pk_exc_exchange_records'))
    )
    with op.batch_alter_table('exc_exchange_records', schema=None) as batch_op:
        batch_op.create_index('ix_exc_exchange_records_scope', ['analysis_id', 'institution_code', 'entity_code'], unique=False)
    op.create_table('exc_exchange_lines',
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('shortage_seq', sa.Integer(), nullable=False),
    sa.Column('surplus_seq', sa.Integer(), nullable=False),
    sa.Column('patients', sa.Integer(), nullable=False),
    sa.Column('tier', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id', 'shortage_seq'], ['exc_exchange_records.analysis_id', 'exc_exchange_records.seq'], name='fk_exc_exchange_lines_shortage'),
    sa.ForeignKeyConstraint(['analysis_id', 'surplus_seq'], ['exc_exchange_records.analysis_id', 'exc_exchange_records.seq'], name='fk_exc_exchange_lines_surplus'),
    sa.PrimaryKeyConstraint('analysis_id', 'method', 'seq', name=op.f('pk_exc_exchange_lines'))
    )

    conn = op.get_bind()
    for a in conn.execute(sa.select(analyses).order_by(analyses.c.id)).all():
        data = conn.execute(sa.select(snapshots.c.data).where(
            snapshots.c.analysis_id == a.id)).scalar()
        if data is not None:
            payload = json.loads(zlib.decompress(bytes(data)).decode("utf-8"))
            record_rows, line_rows = _rows_of(a.id, payload)
            for table, rows in ((records, record_rows), (lines, line_rows)):
                for start in range(0, len(rows), 5000):
                    conn.execute(sa.insert(table), rows[start:start + 5000])
        criteria = _criteria(a.criteria)
        criteria.pop("reports", None)
        conn.execute(sa.update(analyses).where(analyses.c.id == a.id).values(
            criteria=criteria,
            parameters_key=_parameters_key(a.year, criteria, a.state, a.service_group)))

    op.drop_table('exc_exchange_parts')
    op.drop_table('exc_exchange_snapshots')
