"""SQLAlchemy Core tables of the sanece context (prefix ``san_``) on the product's one
``metadata``.

Shape:

- organisation: ``san_ooads`` (OOAD/UMAE) > ``san_units`` (unidades médicas);
- catalog: ``san_medicines`` (genéricos) with their ``san_drug_keys`` (claves; a clave belongs
  to one genérico);
- ``san_patients`` (several records may share an NSS; a merged record keeps existing with
  ``merged_into``) and ``san_folios`` (the 11-digit number is the key);
- ``san_requests``: the five change request types in one table (payload, snapshot,
  attachments and outcome as JSON, as the domain serializes them);
- ``san_feedback``: comentarios o sugerencias.

``search_key`` columns hold ``fold_text`` of what a search matches (lower case, no accents), so
that Buscar is case- and accent-insensitive with the same SQL on SQLite and PostgreSQL.
``version`` columns are optimistic locks (an update that finds another version is refused);
``changed_by``/``changed_at`` say who made the current version, for the user whose stale save
was refused.

Indexes follow the screens at national scale (~100,000 folios): the director's Inicio and
Extracción read a unit's folios by evaluation date (``ix_san_folios_unit_date``); a patient's
history and the Pacientes list read folios by patient; the evaluator's queue reads Pendiente
folios by date; the review queue reads pending requests by filing date, the director's
"Solicitudes realizadas" a unit's requests by type and date. At most one pending request of a
type per target is also a partial unique index (two directors filing at once cannot both win).
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.adapters.sql.database import UtcDateTime, metadata

ooads = sa.Table(
    "san_ooads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("search_key", sa.String(200), nullable=False, unique=True),
)

units = sa.Table(
    "san_units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ooad_id", sa.Integer, sa.ForeignKey("san_ooads.id"), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("search_key", sa.String(300), nullable=False),
    sa.UniqueConstraint("ooad_id", "search_key"),
)

medicines = sa.Table(
    "san_medicines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("search_key", sa.String(300), nullable=False, unique=True),
)

drug_keys = sa.Table(
    "san_drug_keys",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    sa.Column("medicine_id", sa.Integer, sa.ForeignKey("san_medicines.id"), nullable=False),
    sa.Column("description", sa.String(300), nullable=False, server_default=""),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_san_drug_keys_medicine", "medicine_id", "position"),
)

patients = sa.Table(
    "san_patients",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("nss", sa.String(10), nullable=False),
    sa.Column("aggregate", sa.String(8), nullable=False),
    sa.Column("paternal_surname", sa.String(80), nullable=False),
    sa.Column("maternal_surname", sa.String(80), nullable=False),
    sa.Column("given_names", sa.String(80), nullable=False),
    sa.Column("search_key", sa.String(300), nullable=False),
    sa.Column("merged_into", sa.Integer, sa.ForeignKey("san_patients.id"), nullable=True),
    sa.Column("merged_at", UtcDateTime, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("changed_by", sa.String(128), nullable=True),
    sa.Column("changed_at", UtcDateTime, nullable=True),
    sa.Index("ix_san_patients_nss", "nss", "aggregate"),
)

folios = sa.Table(
    "san_folios",
    metadata,
    sa.Column("number", sa.String(11), primary_key=True),
    sa.Column("medicine_id", sa.Integer, sa.ForeignKey("san_medicines.id"), nullable=False),
    sa.Column("evaluation_date", sa.Date, nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("san_units.id"), nullable=False),
    sa.Column("patient_id", sa.Integer, sa.ForeignKey("san_patients.id"), nullable=False),
    sa.Column("diagnosis", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("key1", sa.String(20), nullable=True),
    sa.Column("quantity1", sa.Integer, nullable=True),
    sa.Column("key2", sa.String(20), nullable=True),
    sa.Column("quantity2", sa.Integer, nullable=True),
    sa.Column("requirement", sa.Text, nullable=False, server_default=""),
    sa.Column("observations", sa.Text, nullable=False, server_default=""),
    sa.Column("period_months", sa.Integer, nullable=True),
    sa.Column("expiry_date", sa.Date, nullable=True),
    sa.Column("cancellation_date", sa.Date, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("changed_by", sa.String(128), nullable=True),
    sa.Column("changed_at", UtcDateTime, nullable=True),
    sa.Index("ix_san_folios_unit_date", "unit_id", "evaluation_date", "number"),
    sa.Index("ix_san_folios_patient", "patient_id", "evaluation_date"),
    sa.Index("ix_san_folios_status_date", "status", "evaluation_date"),
)

PENDING = "pending"
OPEN_STATUSES = "status IN ('pending', 'info_requested')"

requests = sa.Table(
    "san_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("type", sa.String(24), nullable=False),
    sa.Column("kind", sa.String(16), nullable=True),  # expiry change: extension | cancellation
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("target_ref", sa.String(40), nullable=False),  # "folio:<n>" | "patient:<id>"
    sa.Column("folio_number", sa.String(11), sa.ForeignKey("san_folios.number"), nullable=True),
    sa.Column("patient_id", sa.Integer, sa.ForeignKey("san_patients.id"), nullable=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("san_units.id"), nullable=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("attachments", sa.JSON, nullable=False),
    sa.Column("filed_by", sa.String(128), nullable=False),
    sa.Column("filed_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(128), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("outcome", sa.JSON, nullable=True),
    sa.Column("undone_by", sa.String(128), nullable=True),
    sa.Column("undone_at", UtcDateTime, nullable=True),
    sa.Column("search_key", sa.Text, nullable=False),
    # decisions beyond Validado / No Validado (migration 0018)
    sa.Column("reason_code", sa.String(16), nullable=True),
    sa.Column("authorized", sa.JSON, nullable=True),  # Validado con modificación
    sa.Column("info_rounds", sa.JSON, nullable=True),  # Requiere información and answers
    sa.Column("pended_at", UtcDateTime, nullable=True),  # the open round's date (expiry)
    sa.Index("ix_san_requests_queue", "status", "filed_at"),
    sa.Index("ix_san_requests_unit", "unit_id", "type", "filed_at"),
    sa.Index("ix_san_requests_folio", "folio_number"),
    sa.Index("ix_san_requests_patient", "patient_id"),
    # one open request (En espera or Requiere información) per type and target
    sa.Index("uq_san_requests_pending_target", "type", "target_ref", unique=True,
             sqlite_where=sa.text(OPEN_STATUSES),
             postgresql_where=sa.text(OPEN_STATUSES)),
)

reasons = sa.Table(
    "san_reasons",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("text", sa.String(300), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

feedback = sa.Table(
    "san_feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("san_units.id"), nullable=True),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    sa.Index("ix_san_feedback_at", "submitted_at"),
)
