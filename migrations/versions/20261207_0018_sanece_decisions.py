"""sanece: more decisions (Validado con modificación, Requiere información, Cancelada, Vencida),
their coded reasons and the catalog of reasons

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0018'
down_revision: Union[str, None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_OPEN = "status = 'pending'"
NEW_OPEN = "status IN ('pending', 'info_requested')"


def upgrade() -> None:
    op.create_table('san_reasons',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('san_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('authorized', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('info_rounds', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('pended_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=True))
        # a request awaiting information still holds its target (one open request per target)
        batch_op.drop_index('uq_san_requests_pending_target', sqlite_where=sa.text(OLD_OPEN), postgresql_where=sa.text(OLD_OPEN))
        batch_op.create_index('uq_san_requests_pending_target', ['type', 'target_ref'], unique=True, sqlite_where=sa.text(NEW_OPEN), postgresql_where=sa.text(NEW_OPEN))


def downgrade() -> None:
    with op.batch_alter_table('san_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_san_requests_pending_target', sqlite_where=sa.text(NEW_OPEN), postgresql_where=sa.text(NEW_OPEN))
        batch_op.create_index('uq_san_requests_pending_target', ['type', 'target_ref'], unique=True, sqlite_where=sa.text(OLD_OPEN), postgresql_where=sa.text(OLD_OPEN))
        batch_op.drop_column('pended_at')
        batch_op.drop_column('info_rounds')
        batch_op.drop_column('authorized')
        batch_op.drop_column('reason_code')
    op.drop_table('san_reasons')
