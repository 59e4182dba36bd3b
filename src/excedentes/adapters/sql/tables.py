"""SQLAlchemy Core tables of the excedentes context (prefix ``exc_``) on the product's one
``metadata``.

Shape:

- organisation: ``exc_institutions`` (E1, data not code) > ``exc_entities`` (OOAD/UMAE,
  Entidad Federativa, Delegación) > ``exc_units`` (CLUES as the key);
- catalog per institution: ``exc_services`` > ``exc_service_groups`` > ``exc_specialties``
  (optional level) > ``exc_products``;
- collection: ``exc_periods`` (one per institution and year) and ``exc_reports`` (the
  ``EntityReport`` aggregate root, one per period and entity, created on the first change)
  with its ``exc_records``, ``exc_signed_reports`` (every version kept) and
  ``exc_final_prints`` (each printed final version: folio and fingerprint, for tracing a
  signed copy);
- ``exc_product_requests`` ("solicitar producto").

``search_key`` columns hold ``fold_text`` of the displayed name (lower case, no accents) so
that searches and ordering are case- and accent-insensitive with the same SQL on SQLite and
PostgreSQL. Indexes follow the read models: the dashboard groups units by entity and records
by report; Paso 3 pages units of an entity; the Paso 6 grid reads the products of a group and
specialty and the records of one unit.
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.adapters.sql.database import UtcDateTime, metadata

institutions = sa.Table(
    "exc_institutions",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("entity_word", sa.String(64), nullable=False),
    sa.Column("signature_label_1", sa.String(200), nullable=False),
    sa.Column("signature_label_2", sa.String(200), nullable=False),
    sa.Column("header_lines", sa.JSON, nullable=False),
    sa.Column("signature_name_line", sa.Boolean, nullable=False),
    sa.Column("signed_pdf_max_bytes", sa.BigInteger, nullable=False),
    sa.Column("has_specialty_level", sa.Boolean, nullable=False),
    sa.Column("storage_backend", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    # optimistic concurrency of the institution's catalog and of its units (imports, accepted
    # product requests): a version each, plus who changed it and when
    sa.Column("catalog_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("catalog_updated_by", sa.String(128), nullable=True),
    sa.Column("catalog_updated_at", UtcDateTime(timezone=True), nullable=True),
    sa.Column("units_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("units_updated_by", sa.String(128), nullable=True),
    sa.Column("units_updated_at", UtcDateTime(timezone=True), nullable=True),
    # optimistic concurrency of the institution's own settings (admin edits, E1)
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_by", sa.String(128), nullable=True),
    sa.Column("updated_at", UtcDateTime(timezone=True), nullable=True),
)

entities = sa.Table(
    "exc_entities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("institution_code", sa.String(16), sa.ForeignKey("exc_institutions.code"),
              nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("search_key", sa.String(200), nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("institution_code", "code"),
)

units = sa.Table(
    "exc_units",
    metadata,
    sa.Column("clues", sa.String(11), primary_key=True),
    sa.Column("entity_id", sa.Integer, sa.ForeignKey("exc_entities.id"), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("level", sa.String(64), nullable=False),
    sa.Column("search_key", sa.String(320), nullable=False),
    sa.Index("ix_exc_units_entity", "entity_id", "level", "search_key"),
)

services = sa.Table(
    "exc_services",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("institution_code", sa.String(16), sa.ForeignKey("exc_institutions.code"),
              nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("search_key", sa.String(200), nullable=False),
    sa.UniqueConstraint("institution_code", "search_key"),
)

service_groups = sa.Table(
    "exc_service_groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("service_id", sa.Integer, sa.ForeignKey("exc_services.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("search_key", sa.String(200), nullable=False),
    sa.UniqueConstraint("service_id", "search_key"),
)

specialties = sa.Table(
    "exc_specialties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("exc_service_groups.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("search_key", sa.String(200), nullable=False),
    sa.UniqueConstraint("group_id", "search_key"),
)

products = sa.Table(
    "exc_products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("exc_service_groups.id"), nullable=False),
    sa.Column("specialty_id", sa.Integer, sa.ForeignKey("exc_specialties.id"), nullable=True),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("unit_of_measure", sa.String(64), nullable=False),
    sa.Column("search_key", sa.String(500), nullable=False),
    sa.Index("ix_exc_products_grid", "group_id", "specialty_id", "search_key"),
)

periods = sa.Table(
    "exc_periods",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("institution_code", sa.String(16), sa.ForeignKey("exc_institutions.code"),
              nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("window_start", sa.Date, nullable=True),
    sa.Column("window_end", sa.Date, nullable=True),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    # optimistic concurrency of open / close / window
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_by", sa.String(128), nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("institution_code", "year"),
)

reports = sa.Table(
    "exc_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("period_id", sa.Integer, sa.ForeignKey("exc_periods.id"), nullable=False),
    sa.Column("entity_id", sa.Integer, sa.ForeignKey("exc_entities.id"), nullable=False),
    sa.Column("answer", sa.String(2), nullable=True),
    sa.Column("finalized_at", UtcDateTime, nullable=True),
    sa.Column("finalized_by", sa.String(128), nullable=True),
    sa.Column("final_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("final_fingerprint", sa.String(32), nullable=True),
    # review by levels: the coordinador's acceptance, and the last return for correction
    # (kept while the entity corrects; cleared when it finalizes again)
    sa.Column("accepted_at", UtcDateTime, nullable=True),
    sa.Column("accepted_by", sa.String(128), nullable=True),
    sa.Column("returned_at", UtcDateTime, nullable=True),
    sa.Column("returned_by", sa.String(128), nullable=True),
    sa.Column("return_reason_code", sa.String(16), nullable=True),
    sa.Column("return_reason_text", sa.String(300), nullable=True),
    sa.Column("return_note", sa.String(1000), nullable=True),
    # optimistic concurrency of the Paso 2 answer, Paso 7 and the apertura (grid saves move it
    # too: a Paso 7 page drawn before someone's save is stale)
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_by", sa.String(128), nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("period_id", "entity_id"),
    sa.Index("ix_exc_reports_entity", "entity_id"),
)

# The catalog of coded reasons a coordinador picks when returning a report (admin-kept).
return_reasons = sa.Table(
    "exc_return_reasons",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("text", sa.String(300), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
)

records = sa.Table(
    "exc_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("exc_reports.id"), nullable=False),
    sa.Column("clues", sa.String(11), sa.ForeignKey("exc_units.clues"), nullable=False),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("exc_products.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("modality", sa.String(12), nullable=False),
    sa.Column("monthly_events", sa.Integer, nullable=False),
    sa.Column("monthly_patients", sa.Integer, nullable=False),
    sa.Column("cause", sa.String(32), nullable=True),
    # One record per unit, product and modality (a shortage or a surplus) in a report.
    sa.UniqueConstraint("report_id", "clues", "product_id", "modality"),
    sa.Index("ix_exc_records_product", "product_id"),
    sa.Index("ix_exc_records_clues", "clues"),
)

# Optimistic concurrency of the Paso 6 grids: one version per report, unit, group and
# especialidad troncal (0 = the group's whole grid), bumped atomically by every save.
grid_versions = sa.Table(
    "exc_grid_versions",
    metadata,
    sa.Column("report_id", sa.Integer, sa.ForeignKey("exc_reports.id"), primary_key=True),
    sa.Column("clues", sa.String(11), sa.ForeignKey("exc_units.clues"), primary_key=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("exc_service_groups.id"),
              primary_key=True),
    sa.Column("specialty_key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

signed_reports = sa.Table(
    "exc_signed_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("exc_reports.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("storage_key", sa.String(512), nullable=False),
    sa.Column("original_name", sa.String(255), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("uploaded_at", UtcDateTime, nullable=False),
    sa.Column("uploaded_by", sa.String(128), nullable=False),
    sa.Column("final_version", sa.Integer, nullable=False),
    sa.Column("superseded_at", UtcDateTime, nullable=True),
    sa.Column("superseded_reason", sa.String(16), nullable=True),
    sa.Column("storage_backend", sa.String(32), nullable=False, server_default="local"),
    sa.UniqueConstraint("report_id", "version"),
)

final_prints = sa.Table(
    "exc_final_prints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("exc_reports.id"), nullable=False),
    sa.Column("folio", sa.String(80), nullable=False),
    sa.Column("fingerprint", sa.String(32), nullable=False),
    sa.Column("final_version", sa.Integer, nullable=False),
    sa.Column("printed_at", UtcDateTime, nullable=False),
    sa.Column("printed_by", sa.String(128), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Index("ix_exc_final_prints_report", "report_id"),
    sa.Index("ix_exc_final_prints_folio", "folio"),
    sa.Index("ix_exc_final_prints_fingerprint", "fingerprint"),
)

product_requests = sa.Table(
    "exc_product_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("institution_code", sa.String(16), sa.ForeignKey("exc_institutions.code"),
              nullable=False),
    sa.Column("entity_id", sa.Integer, sa.ForeignKey("exc_entities.id"), nullable=False),
    sa.Column("requested_by", sa.String(128), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("product_name", sa.String(500), nullable=False),
    sa.Column("unit_of_measure", sa.String(64), nullable=False),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("exc_service_groups.id"), nullable=False),
    sa.Column("specialty_id", sa.Integer, sa.ForeignKey("exc_specialties.id"), nullable=True),
    sa.Column("justification", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("decided_by", sa.String(128), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("exc_products.id"), nullable=True),
    # when the requester first saw the decision (their tablero's notice stops then)
    sa.Column("decision_seen_at", UtcDateTime, nullable=True),
    # optimistic concurrency of the decision (accept / reject)
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_by", sa.String(128), nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=True),
    sa.Index("ix_exc_product_requests_inst", "institution_code", "status"),
    sa.Index("ix_exc_product_requests_entity", "entity_id"),
)

# Data quality at capture (issue 15): one note per report, unit and product: the capturista's
# comment and, when the values were outliers at their save, the explanation shown then (the
# coordinador's list of outliers reads this table, not a recomputation).
value_notes = sa.Table(
    "exc_value_notes",
    metadata,
    sa.Column("report_id", sa.Integer, sa.ForeignKey("exc_reports.id"), primary_key=True),
    sa.Column("clues", sa.String(11), sa.ForeignKey("exc_units.clues"), primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("exc_products.id"), primary_key=True),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("outlier", sa.Text, nullable=True),
    sa.Column("updated_by", sa.String(128), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
