"""excedentes: exchange analyses (E15), their records and proposed exchanges

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 14:58:12.830809
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0004'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('exc_exchange_analyses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('service_group', sa.String(length=200), nullable=True),
    sa.Column('service_group_name', sa.String(length=200), nullable=True),
    sa.Column('institutions', sa.JSON(), nullable=False),
    sa.Column('shortages', sa.Integer(), nullable=False),
    sa.Column('surpluses', sa.Integer(), nullable=False),
    sa.Column('unplaced', sa.Integer(), nullable=False),
    sa.Column('patients_needed', sa.Integer(), nullable=False),
    sa.Column('input_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('parameters_key', sa.String(length=64), nullable=False),
    sa.Column('exact', sa.Boolean(), nullable=False),
    sa.Column('elapsed_ms', sa.Integer(), nullable=False),
    sa.Column('greedy_totals', sa.JSON(), nullable=False),
    sa.Column('optimal_totals', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exc_exchange_analyses'))
    )

    with op.batch_alter_table('exc_exchange_analyses', schema=None) as batch_op:
        batch_op.create_index('ix_exc_exchange_analyses_created', ['created_at'], unique=False)
        batch_op.create_index('ix_exc_exchange_analyses_same', ['parameters_key', 'input_fingerprint'], unique=False)

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


def downgrade() -> None:
    op.drop_table('exc_exchange_lines')

    with op.batch_alter_table('exc_exchange_records', schema=None) as batch_op:
        batch_op.drop_index('ix_exc_exchange_records_scope')

    op.drop_table('exc_exchange_records')

    with op.batch_alter_table('exc_exchange_analyses', schema=None) as batch_op:
        batch_op.drop_index('ix_exc_exchange_analyses_same')
        batch_op.drop_index('ix_exc_exchange_analyses_created')

    op.drop_table('exc_exchange_analyses')
