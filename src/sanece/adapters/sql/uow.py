"""The sanece unit of work: one SQLAlchemy session and transaction, its repositories and the
audit log (recorded in the same transaction). Leaving the block without ``commit()`` rolls
back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sanece.adapters.sql.repositories import (
    SqlChangeRequestRepository,
    SqlFeedbackRepository,
    SqlFolioRepository,
    SqlMedicineRepository,
    SqlOoadRepository,
    SqlPatientRepository,
    SqlReasonRepository,
    SqlUnitRepository,
)
from shared.adapters.sql.database import SqlUnitOfWork


class SqlSaneceUnitOfWork(SqlUnitOfWork):
    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.ooads = SqlOoadRepository(session)
        self.units = SqlUnitRepository(session)
        self.medicines = SqlMedicineRepository(session)
        self.patients = SqlPatientRepository(session)
        self.folios = SqlFolioRepository(session)
        self.requests = SqlChangeRequestRepository(session)
        self.feedback = SqlFeedbackRepository(session)
        self.reasons = SqlReasonRepository(session)

    def refresh_statistics(self) -> None:
        """ANALYZE the context's tables (``san_…``) after bulk loads."""
        self._analyze("san_")
