"""Tables of the saved exchange analyses (E15), prefix ``exc_exchange_``.

A saved analysis is a *snapshot*: capturistas keep editing (and deleting) records, so it
copies what it read instead of pointing at ``exc_records``:

- ``exc_exchange_analyses``: what it was run with (year, criteria as JSON, state, service
  group), who and when, the fingerprint of the records read, and the national totals of
  both methods;
- ``exc_exchange_snapshots``: the result itself, one row per analysis: every record that
  took part (with its labels and what each method covered or used) and every proposed
  exchange of both methods, as the compressed JSON of ``AnalysisSnapshot.to_payload``
  (``exchange.application.snapshot``). Kept apart from the header so that lists never read it;
- ``exc_exchange_parts``: each entity's part of it (faltante counts of both methods,
  excedentes brought), so that the list of analyses and "is anything of mine in it?" are
  an indexed SQL read, without opening any snapshot.

Why not a row per record and per exchange (migration 0004 did that): a national analysis
wrote ~60,000 + ~26,000 rows in one transaction, which took longer than the matching; the
figures of a page are a pass over the snapshot's columns (the read model keeps a few
decoded snapshots in memory), not a GROUP BY.
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

snapshots = sa.Table(
    "exc_exchange_snapshots",
    metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("exc_exchange_analyses.id"),
              primary_key=True, autoincrement=False),
    sa.Column("format", sa.Integer, nullable=False),  # AnalysisSnapshot FORMAT
    sa.Column("data", sa.LargeBinary, nullable=False),  # zlib(JSON payload)
)

parts = sa.Table(
    "exc_exchange_parts",
    metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("exc_exchange_analyses.id"),
              primary_key=True),
    sa.Column("institution_code", sa.String(16), primary_key=True),
    sa.Column("entity_code", sa.String(32), primary_key=True),
    sa.Column("entity_name", sa.String(200), nullable=False),
    sa.Column("shortages", sa.Integer, nullable=False),
    sa.Column("patients_needed", sa.Integer, nullable=False),
    sa.Column("greedy_full", sa.Integer, nullable=False),
    sa.Column("greedy_partial", sa.Integer, nullable=False),
    sa.Column("greedy_covered", sa.Integer, nullable=False),
    sa.Column("optimal_full", sa.Integer, nullable=False),
    sa.Column("optimal_partial", sa.Integer, nullable=False),
    sa.Column("optimal_covered", sa.Integer, nullable=False),
    sa.Column("surpluses", sa.Integer, nullable=False),
    # The primary key (analysis, institution, entity) serves every read: the scope tests
    # of one analysis ("anything of IMSS in it?") and the list's sums per analysis.
)

# --------------------------------------------------------------------------- agreements
#
# An agreement keeps a copy of both parties' labels (institution, entity, unit, state) as
# they were when it was proposed: the document printed from it must not change when the
# collection's catalog is edited. Migration 0020.

_PARTY = ("institution", "institution_name", "entity", "entity_name", "clues", "unit_name",
          "state")
_PARTY_LENGTHS = {"institution": 16, "institution_name": 200, "entity": 32,
                  "entity_name": 200, "clues": 11, "unit_name": 300, "state": 2}


def _party_columns(prefix: str) -> list[sa.Column]:
    return [sa.Column(f"{prefix}_{name}", sa.String(_PARTY_LENGTHS[name]),
                      nullable=name == "state") for name in _PARTY]


agreements = sa.Table(
    "exc_exchange_agreements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("exc_exchange_analyses.id"),
              nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    *_party_columns("req"),
    *_party_columns("prov"),
    sa.Column("product", sa.String(300), nullable=False),
    sa.Column("unit_of_measure", sa.String(200), nullable=False),
    sa.Column("service_group", sa.String(200), nullable=False),
    sa.Column("modality", sa.String(16), nullable=False),
    sa.Column("proposed_patients", sa.Integer, nullable=False),
    sa.Column("proposed_start", sa.Date, nullable=False),
    sa.Column("proposed_end", sa.Date, nullable=False),
    sa.Column("agreed_patients", sa.Integer, nullable=True),
    sa.Column("agreed_start", sa.Date, nullable=True),
    sa.Column("agreed_end", sa.Date, nullable=True),
    sa.Column("decision_code", sa.String(32), nullable=True),
    sa.Column("decision_text", sa.String(1000), nullable=True),
    sa.Column("decision_side", sa.String(16), nullable=True),
    sa.Column("notes", sa.String(1000), nullable=False),
    sa.Column("scan_key", sa.String(300), nullable=True),
    sa.Column("scan_backend", sa.String(32), nullable=True),
    sa.Column("scan_name", sa.String(200), nullable=True),
    sa.Column("scan_size", sa.BigInteger, nullable=True),
    sa.Column("scan_sha256", sa.String(64), nullable=True),
    sa.Column("scan_uploaded_at", UtcDateTime, nullable=True),
    sa.Column("scan_uploaded_by", sa.String(128), nullable=True),
    # The scope reads: "agreements where my institution is a party", and the daily sweep.
    sa.Index("ix_exc_exchange_agreements_req", "req_institution", "req_entity"),
    sa.Index("ix_exc_exchange_agreements_prov", "prov_institution", "prov_entity"),
    sa.Index("ix_exc_exchange_agreements_status", "status"),
)

deliveries = sa.Table(
    "exc_exchange_deliveries",
    metadata,
    sa.Column("agreement_id", sa.Integer, sa.ForeignKey("exc_exchange_agreements.id"),
              primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),  # "2026-03": sorts as text
    sa.Column("served", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(1000), nullable=False),
)

agreement_reasons = sa.Table(
    "exc_exchange_agreement_reasons",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("text", sa.String(300), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)
