"""excedentes: when the requester saw a product request's decision

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:49:47.255321
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('exc_product_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_seen_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exc_product_requests', schema=None) as batch_op:
        batch_op.drop_column('decision_seen_at')
