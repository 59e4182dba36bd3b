"""Tables of the saved exchange analyses (E15), prefix ``exc_exchange_``.

A saved analysis is a *snapshot*: capturistas keep editing (and deleting) records, so it
copies what it read instead of pointing at ``exc_records``:

- ``exc_exchange_analyses``: what it was run with (year, criteria as JSON, state, service
  group), who and when, the fingerprint of the records read, and the national totals of
  both methods;
- ``exc_exchange_records``: every faltante and excedente that took part, with its labels and
  what each method covered (faltante) or used (excedente); keyed by ``(analysis_id, seq)``
  so that lines can point at records without asking the database for ids;
- ``exc_exchange_lines``: every proposed exchange of both methods (``greedy``, ``optimal``).

Every potential (per state, institution, entity, product, with any filter) is a GROUP BY over
``exc_exchange_records`` of one analysis. Indexes are few on purpose: a national analysis
writes ~60,000 records and ~25,000 lines in one transaction, and every index costs on that
write (measured in ``bench/exchange.py``). Reads of one analysis go through the primary keys,
whose first column is the analysis; the one secondary index serves the scope filters
(institution, entity) and the "is anything of mine in it" test of the lists.
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.adapters.sql.database import UtcDateTime, metadata

analyses = sa.Table(
    "exc_exchange_analyses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("criteria", sa.JSON, nullable=False),
    sa.Column("state", sa.String(2), nullable=True),
    sa.Column("service_group", sa.String(200), nullable=True),
    sa.Column("service_group_name", sa.String(200), nullable=True),
    sa.Column("institutions", sa.JSON, nullable=False),
    sa.Column("shortages", sa.Integer, nullable=False),
    sa.Column("surpluses", sa.Integer, nullable=False),
    sa.Column("unplaced", sa.Integer, nullable=False),
    sa.Column("patients_needed", sa.Integer, nullable=False),  # of the faltantes, nationally
    sa.Column("input_fingerprint", sa.String(64), nullable=False),
    sa.Column("parameters_key", sa.String(64), nullable=False),
    sa.Column("exact", sa.Boolean, nullable=False),
    sa.Column("elapsed_ms", sa.Integer, nullable=False),
    sa.Column("greedy_totals", sa.JSON, nullable=False),
    sa.Column("optimal_totals", sa.JSON, nullable=False),
    sa.Index("ix_exc_exchange_analyses_created", "created_at"),
    sa.Index("ix_exc_exchange_analyses_same", "parameters_key", "input_fingerprint"),
)

records = sa.Table(
    "exc_exchange_records",
    metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("exc_exchange_analyses.id"),
              primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),  # exc_records.id when it was read
    sa.Column("clues", sa.String(11), nullable=False),
    sa.Column("unit_name", sa.String(300), nullable=False),
    sa.Column("institution_code", sa.String(16), nullable=False),
    sa.Column("entity_code", sa.String(32), nullable=False),
    sa.Column("entity_name", sa.String(200), nullable=False),
    sa.Column("state", sa.String(2), nullable=False),
    sa.Column("product_key", sa.String(600), nullable=False),
    sa.Column("product_name", sa.String(500), nullable=False),
    sa.Column("unit_of_measure", sa.String(64), nullable=False),
    sa.Column("group_key", sa.String(200), nullable=False),
    sa.Column("group_name", sa.String(200), nullable=False),
    sa.Column("modality", sa.String(12), nullable=False),
    sa.Column("patients", sa.Integer, nullable=False),
    sa.Column("greedy", sa.Integer, nullable=False),
    sa.Column("optimal", sa.Integer, nullable=False),
    sa.Index("ix_exc_exchange_records_scope", "analysis_id", "institution_code", "entity_code"),
)

lines = sa.Table(
    "exc_exchange_lines",
    metadata,
    sa.Column("analysis_id", sa.Integer, primary_key=True),
    sa.Column("method", sa.String(8), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("shortage_seq", sa.Integer, nullable=False),
    sa.Column("surplus_seq", sa.Integer, nullable=False),
    sa.Column("patients", sa.Integer, nullable=False),
    sa.Column("tier", sa.SmallInteger, nullable=False),
    # Two composite keys into the records of the same analysis: named explicitly (the
    # naming convention would give both the same name).
    sa.ForeignKeyConstraint(["analysis_id", "shortage_seq"],
                            ["exc_exchange_records.analysis_id", "exc_exchange_records.seq"],
                            name="fk_exc_exchange_lines_shortage"),
    sa.ForeignKeyConstraint(["analysis_id", "surplus_seq"],
                            ["exc_exchange_records.analysis_id", "exc_exchange_records.seq"],
                            name="fk_exc_exchange_lines_surplus"),
)
