"""excedentes: version of each institution's settings (admin edits, optimistic concurrency)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('exc_institutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('updated_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column(
            'updated_at', shared.adapters.sql.database.UtcDateTime(timezone=True),
            nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exc_institutions', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('updated_by')
        batch_op.drop_column('version')
