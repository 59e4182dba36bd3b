"""excedentes: each signed report records the storage backend its file was written to

The institution's own storage setting now chooses where new files go; a file is always read
back from the backend recorded beside it. Rows written before this revision get the backend
the installation chose for their institution then: ``STORAGE_BY_INSTITUTION``, else
``STORAGE_DEFAULT``, else local (the same environment the application reads).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07 03:40:00
"""
import os
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0014'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _backend_of_institutions() -> tuple[str, dict[str, str]]:
    default = (os.environ.get("STORAGE_DEFAULT") or "local").strip().lower()
    pinned: dict[str, str] = {}
    for part in (os.environ.get("STORAGE_BY_INSTITUTION") or "").split(","):
        code, _, backend = part.partition("=")
        if code.strip() and backend.strip():
            pinned[code.strip().upper()] = backend.strip().lower()
    return default, pinned


def upgrade() -> None:
    with op.batch_alter_table('exc_signed_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_backend', sa.String(length=32),
                                      server_default='local', nullable=False))
    default, pinned = _backend_of_institutions()
    signed = sa.table('exc_signed_reports', sa.column('report_id'), sa.column('storage_backend'))
    reports = sa.table('exc_reports', sa.column('id'), sa.column('entity_id'))
    entities = sa.table('exc_entities', sa.column('id'), sa.column('institution_code'))
    of_institution = (sa.select(reports.c.id)
                      .select_from(reports.join(entities, entities.c.id == reports.c.entity_id)))
    if default != 'local':
        op.execute(signed.update().values(storage_backend=default))
    for code, backend in pinned.items():
        op.execute(signed.update()
                   .where(signed.c.report_id.in_(
                       of_institution.where(entities.c.institution_code == code)))
                   .values(storage_backend=backend))


def downgrade() -> None:
    with op.batch_alter_table('exc_signed_reports', schema=None) as batch_op:
        batch_op.drop_column('storage_backend')
