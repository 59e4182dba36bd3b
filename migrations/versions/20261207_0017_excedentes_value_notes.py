"""excedentes: a note per report, unit and product (comment and outlier explanation)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:10:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0017'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('exc_value_notes',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('clues', sa.String(length=11), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('outlier', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.String(length=128), nullable=False),
    sa.Column('updated_at', shared.adapters.sql.database.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clues'], ['exc_units.clues'], ),
    sa.ForeignKeyConstraint(['product_id'], ['exc_products.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['exc_reports.id'], ),
    sa.PrimaryKeyConstraint('report_id', 'clues', 'product_id')
    )


def downgrade() -> None:
    op.drop_table('exc_value_notes')
