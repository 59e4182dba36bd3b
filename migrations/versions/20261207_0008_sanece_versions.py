"""sanece: who made the current version of a folio or patient record, and when

A save from a page drawn before another user's change is refused; the refusal names who made
the change and when, which these columns keep.

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-07 00:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0008'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ('san_folios', 'san_patients')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('changed_by', sa.String(length=128), nullable=True))
            batch_op.add_column(sa.Column(
                'changed_at', shared.adapters.sql.database.UtcDateTime(timezone=True),
                nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('changed_at')
            batch_op.drop_column('changed_by')
