"""platform: the data version (one row raised by every commit; process caches check it)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:00:00
"""
import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    # A random first number (see shared.adapters.sql.database.data_version_seed).
    op.bulk_insert(table, [{'id': 1, 'version': secrets.randbits(52)}])


def downgrade() -> None:
    op.drop_table('data_version')
