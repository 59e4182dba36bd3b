"""platform: notifications (each user's inbox, the projector's cursor, e-mail addresses)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:00:00

The cursor starts at the last audit entry that exists when the table is created: an
installation that upgrades is not flooded with notifications of its whole history.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import shared.adapters.sql.database


revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'key', name='uq_notifications_user_key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notifications_key', ['key'], unique=False)
    op.create_table('notification_cursor',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('swept_at', shared.adapters.sql.database.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_notification_cursor'))
    )
    op.create_table('notification_addresses',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_notification_addresses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_addresses'))
    )
    op.execute("INSERT INTO notification_cursor (name, last_id) "
               "SELECT 'audit', COALESCE(MAX(id), 0) FROM audit_log")


def downgrade() -> None:
    op.drop_table('notification_addresses')
    op.drop_table('notification_cursor')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_key')
        batch_op.drop_index('ix_notifications_user_read')
    op.drop_table('notifications')
