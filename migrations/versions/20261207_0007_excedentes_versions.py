"""excedentes: versions for optimistic concurrency (Paso 6 grids, reports, periods, requests)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07 00:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0007'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


VERSIONED = ('exc_reports', 'exc_periods', 'exc_product_requests')


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0',
                                          nullable=False))
            batch_op.add_column(sa.Column('updated_by', sa.String(length=128), nullable=True))
            batch_op.add_column(sa.Column(
                'updated_at', shared.adapters.sql.database.UtcDateTime(timezone=True),
                nullable=True))
    op.create_table(
        'exc_grid_versions',
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('clues', sa.String(length=11), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('specialty_key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.String(length=128), nullable=False),
        sa.Column('updated_at', shared.adapters.sql.database.UtcDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(['clues'], ['exc_units.clues'], ),
        sa.ForeignKeyConstraint(['group_id'], ['exc_service_groups.id'], ),
        sa.ForeignKeyConstraint(['report_id'], ['exc_reports.id'], ),
        sa.PrimaryKeyConstraint('report_id', 'clues', 'group_id', 'specialty_key'),
    )


def downgrade() -> None:
    op.drop_table('exc_grid_versions')
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('updated_at')
            batch_op.drop_column('updated_by')
            batch_op.drop_column('version')
