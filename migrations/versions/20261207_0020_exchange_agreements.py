"""exchange: agreements, their monthly deliveries and the reason catalog (issue 17)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The default reasons (``exchange.application.agreements.DEFAULT_REASONS`` at this revision;
# copied, a migration must not change when the code does).
REASONS = (
    ("CAPACIDAD", "Sin capacidad disponible para el periodo"),
    ("COSTO", "Sin acuerdo de costos o de tarifas"),
    ("DISTANCIA", "Distancia o traslado de pacientes no viable"),
    ("NORMATIVA", "Impedimento normativo o administrativo"),
    ("YA_CUBIERTO", "La necesidad ya está cubierta por otra vía"),
    ("OTRO", "Otro motivo (explique)"),
)


def _party(prefix: str) -> list:
    lengths = (("institution", 16), ("institution_name", 200), ("entity", 32),
               ("entity_name", 200), ("clues", 11), ("unit_name", 300), ("state", 2))
    return [sa.Column(f'{prefix}_{name}', sa.String(length=n), nullable=name == 'state')
            for name, n in lengths]


def upgrade() -> None:
    op.create_table('exc_exchange_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('updated_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    *_party('req'),
    *_party('prov'),
    sa.Column('product', sa.String(length=300), nullable=False),
    sa.Column('unit_of_measure', sa.String(length=200), nullable=False),
    sa.Column('service_group', sa.String(length=200), nullable=False),
    sa.Column('modality', sa.String(length=16), nullable=False),
    sa.Column('proposed_patients', sa.Integer(), nullable=False),
    sa.Column('proposed_start', sa.Date(), nullable=False),
    sa.Column('proposed_end', sa.Date(), nullable=False),
    sa.Column('agreed_patients', sa.Integer(), nullable=True),
    sa.Column('agreed_start', sa.Date(), nullable=True),
    sa.Column('agreed_end', sa.Date(), nullable=True),
    sa.Column('decision_code', sa.String(length=32), nullable=True),
    sa.Column('decision_text', sa.String(length=1000), nullable=True),
    sa.Column('decision_side', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.Column('scan_key', sa.String(length=300), nullable=True),
    sa.Column('scan_backend', sa.String(length=32), nullable=True),
    sa.Column('scan_name', sa.String(length=200), nullable=True),
    sa.Column('scan_size', sa.BigInteger(), nullable=True),
    sa.Column('scan_sha256', sa.String(length=64), nullable=True),
    sa.Column('scan_uploaded_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=True),
    sa.Column('scan_uploaded_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['analysis_id'], ['exc_exchange_analyses.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exc_exchange_agreements_req', 'exc_exchange_agreements', ['req_institution', 'req_entity'], unique=False)
    op.create_index('ix_exc_exchange_agreements_prov', 'exc_exchange_agreements', ['prov_institution', 'prov_entity'], unique=False)
    op.create_index('ix_exc_exchange_agreements_status', 'exc_exchange_agreements', ['status'], unique=False)
    op.create_table('exc_exchange_deliveries',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('served', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['exc_exchange_agreements.id'], ),
    sa.PrimaryKeyConstraint('agreement_id', 'month')
    )
    reasons = op.create_table('exc_exchange_agreement_reasons',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.bulk_insert(reasons, [{'code': c, 'text': t, 'active': True} for c, t in REASONS])


def downgrade() -> None:
    op.drop_table('exc_exchange_agreement_reasons')
    op.drop_table('exc_exchange_deliveries')
    op.drop_index('ix_exc_exchange_agreements_status', table_name='exc_exchange_agreements')
    op.drop_index('ix_exc_exchange_agreements_prov', table_name='exc_exchange_agreements')
    op.drop_index('ix_exc_exchange_agreements_req', table_name='exc_exchange_agreements')
    op.drop_table('exc_exchange_agreements')
