"""The excedentes unit of work: one SQLAlchemy session and transaction, its repositories and
the audit log (recorded in the same transaction). Leaving the block without ``commit()``
rolls back."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from excedentes.adapters.sql import tables
from excedentes.adapters.sql.repositories import (
    SqlCatalogRepository,
    SqlEntityRepository,
    SqlInstitutionRepository,
    SqlPeriodRepository,
    SqlProductRequestRepository,
    SqlReportRepository,
    SqlUnitRepository,
)
from shared.adapters.sql.database import SqlUnitOfWork


class SqlExcedentesUnitOfWork(SqlUnitOfWork):
    def __enter__(self) -> "SqlExcedentesUnitOfWork":
        super().__enter__()
        return self

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.institutions = SqlInstitutionRepository(session)
        self.entities = SqlEntityRepository(session)
        self.units = SqlUnitRepository(session)
        self.periods = SqlPeriodRepository(session)
        self.reports = SqlReportRepository(session)
        self.catalog = SqlCatalogRepository(session)
        self.requests = SqlProductRequestRepository(session)

    def refresh_statistics(self) -> None:
        """ANALYZE the context's tables (after bulk loads, so that the planner of PostgreSQL,
        or SQLite's, knows their sizes). Same SQL on both databases."""
        assert self.session is not None
        for table in tables.metadata.sorted_tables:
            if table.name.startswith("exc_"):
                self.session.execute(sa.text(f"ANALYZE {table.name}"))
