"""excedentes: review by levels (acceptance, return for correction) and the return reasons

``exc_reports`` gets the coordinador's acceptance and the last return (shown to the entity
until it finalizes again); ``exc_return_reasons`` is the catalog of coded return reasons the
administrator keeps. Existing reports are neither accepted nor returned.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from shared.adapters.sql.database import UtcDateTime


revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'exc_return_reasons',
        sa.Column('code', sa.String(length=16), primary_key=True),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('position', sa.Integer(), nullable=False, server_default='0'),
    )
    with op.batch_alter_table('exc_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accepted_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('returned_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('returned_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('return_reason_code', sa.String(length=16),
                                      nullable=True))
        batch_op.add_column(sa.Column('return_reason_text', sa.String(length=300),
                                      nullable=True))
        batch_op.add_column(sa.Column('return_note', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exc_reports', schema=None) as batch_op:
        for column in ('return_note', 'return_reason_text', 'return_reason_code',
                       'returned_by', 'returned_at', 'accepted_by', 'accepted_at'):
            batch_op.drop_column(column)
    op.drop_table('exc_return_reasons')
