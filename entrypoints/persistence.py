"""Every table of the product on one MetaData (Alembic autogenerate and tests use it)."""

from __future__ import annotations

import sqlalchemy as sa

import excedentes.adapters.sql.tables  # noqa: F401
import exchange.adapters.sql.tables  # noqa: F401  (the exchange analyses)
import sanece.adapters.sql.tables  # noqa: F401
import shared.audit.adapters.sql  # noqa: F401  (defines audit_log)
import shared.identity.adapters.sql  # noqa: F401  (defines users)
import shared.jobs.adapters.sql  # noqa: F401  (defines jobs)
import shared.notifications.adapters.sql  # noqa: F401  (defines notifications)
from shared.adapters.sql.database import metadata


def load_all_tables() -> sa.MetaData:
    return metadata


def upgrade(database_url: str) -> None:
    from shared.adapters.sql.migrate import upgrade as _upgrade

    _upgrade(database_url)
