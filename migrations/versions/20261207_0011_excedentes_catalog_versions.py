"""excedentes: versions of each institution's catalog and units (optimistic concurrency)

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-07 01:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0011'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


KINDS = ('catalog', 'units')


def upgrade() -> None:
    with op.batch_alter_table('exc_institutions', schema=None) as batch_op:
        for kind in KINDS:
            batch_op.add_column(sa.Column(f'{kind}_version', sa.Integer(), server_default='0',
                                          nullable=False))
            batch_op.add_column(sa.Column(f'{kind}_updated_by', sa.String(length=128),
                                          nullable=True))
            batch_op.add_column(sa.Column(
                f'{kind}_updated_at', shared.adapters.sql.database.UtcDateTime(timezone=True),
                nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exc_institutions', schema=None) as batch_op:
        for kind in reversed(KINDS):
            batch_op.drop_column(f'{kind}_updated_at')
            batch_op.drop_column(f'{kind}_updated_by')
            batch_op.drop_column(f'{kind}_version')
