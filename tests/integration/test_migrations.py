"""Alembic's history builds exactly the tables the code declares, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from entrypoints.persistence import load_all_tables, upgrade
from shared.adapters.sql.database import create_engine


def test_upgrade_from_empty_matches_the_metadata(db_url):
    engine = create_engine(db_url)
    # start from an empty database: the fixture created the tables, drop them first
    load_all_tables().drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), load_all_tables())
    engine.dispose()
    assert diff == []
    upgrade(db_url)  # idempotent
