"""audit log: hash chain and append-only triggers

Every entry gets ``prev_hash`` and ``entry_hash`` (SHA-256 chain, see ``shared.audit.chain``);
existing entries are chained in id order here. Triggers then refuse UPDATE, DELETE and TRUNCATE
on ``audit_log`` (PostgreSQL and SQLite), so the trail can only grow.

Revision ID: 0009
Revises: 0001
Create Date: 2026-12-07 00:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# The chain's canonical form is the product's (format version 1): one definition, so that
# entries chained here verify exactly like those appended by the application.
from shared.audit.chain import GENESIS, entry_hash
from shared.audit.domain import AuditEntry
from shared.adapters.sql.database import UtcDateTime


revision: str = '0009'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER audit_log_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
"""
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END
    """,
)

_log = sa.table(
    'audit_log',
    sa.column('id', sa.Integer), sa.column('at', UtcDateTime()), sa.column('actor', sa.String),
    sa.column('action', sa.String), sa.column('target_type', sa.String),
    sa.column('target_id', sa.String), sa.column('before', sa.JSON),
    sa.column('after', sa.JSON), sa.column('reason', sa.Text),
    sa.column('prev_hash', sa.String), sa.column('entry_hash', sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))

    # Chain the entries already there, oldest first (before the triggers forbid UPDATE).
    conn = op.get_bind()
    prev = GENESIS
    rows = conn.execute(sa.select(_log).order_by(_log.c.id)).mappings().all()
    updates = []
    for r in rows:
        digest = entry_hash(prev, AuditEntry(r['at'], r['actor'], r['action'], r['target_type'],
                                             r['target_id'], r['before'], r['after'],
                                             r['reason']))
        updates.append({'row_id': r['id'], 'p': prev, 'h': digest})
        prev = digest
    if updates:
        conn.execute(sa.update(_log).where(_log.c.id == sa.bindparam('row_id'))
                     .values(prev_hash=sa.bindparam('p'), entry_hash=sa.bindparam('h')), updates)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_prev_hash'), ['prev_hash'])

    # Last: on SQLite the batch above rebuilds the table, which would drop triggers.
    if conn.dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    elif conn.dialect.name == 'sqlite':
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_change()")
    elif conn.dialect.name == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_prev_hash'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
