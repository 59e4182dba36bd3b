"""The excedentes unit of work: one SQLAlchemy session and transaction, its repositories and
the audit log (recorded in the same transaction). Leaving the block without ``commit()``
rolls back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from excedentes.adapters.sql.repositories import (
    SqlCatalogRepository,
    SqlEntityRepository,
    SqlInstitutionRepository,
    SqlPeriodRepository,
    SqlProductRequestRepository,
    SqlReportRepository,
    SqlReturnReasonRepository,
    SqlUnitRepository,
)
from excedentes.adapters.sql.quality import SqlQualityRepository
from shared.adapters.sql.database import SqlUnitOfWork


class SqlExcedentesUnitOfWork(SqlUnitOfWork):
    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.institutions = SqlInstitutionRepository(session)
        self.entities = SqlEntityRepository(session)
        self.units = SqlUnitRepository(session)
        self.periods = SqlPeriodRepository(session)
        self.reports = SqlReportRepository(session)
        self.catalog = SqlCatalogRepository(session)
        self.requests = SqlProductRequestRepository(session)
        self.return_reasons = SqlReturnReasonRepository(session)
        self.quality = SqlQualityRepository(session)

    def refresh_statistics(self) -> None:
        """ANALYZE the context's tables (``exc_…``) after bulk loads."""
        self._analyze("exc_")
