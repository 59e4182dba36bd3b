"""SQL adapters of the exchange agreements (``exc_exchange_agreements``, their monthly
``exc_exchange_deliveries`` and the ``exc_exchange_agreement_reasons`` catalog).

- ``SqlAgreementUnitOfWork`` with ``SqlAgreementRepository``: one transaction, with the audit
  log; ``get`` locks the agreement's row (``FOR UPDATE`` on PostgreSQL; SQLite's writer lock
  does the same) so two transitions of one agreement never interleave.
- ``SqlAgreementReadModel``: lists scoped in SQL (the viewer's institution or entity on
  either side), one agreement, the catalog and the loop's sums.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.adapters.sql.tables import agreement_reasons, agreements, deliveries
from exchange.application.agreements import (
    AgreementFilter,
    Reason,
    ScanInfo,
    StoredAgreement,
    UnitInfo,
)
from exchange.application.model import Viewer
from exchange.domain.agreements import (
    AGREED,
    Agreement,
    AgreementSide,
    AgreementStatus,
    Decision,
    Delivery,
    Modality,
    Month,
    Terms,
)
from shared.adapters.sql.database import SqlUnitOfWork
from shared.adapters.sql.queries import SqlReadModel

_PARTY = ("institution", "institution_name", "entity", "entity_name", "clues", "unit_name",
          "state")


def _party_values(prefix: str, unit: UnitInfo) -> dict[str, Any]:
    return {f"{prefix}_{name}": getattr(unit, "name" if name == "unit_name" else name)
            for name in _PARTY}


def _row_values(s: StoredAgreement) -> dict[str, Any]:
    a = s.agreement
    values: dict[str, Any] = {
        "updated_at": s.updated_at, "status": a.status.value,
        "agreed_patients": a.agreed.patients if a.agreed else None,
        "agreed_start": a.agreed.start if a.agreed else None,
        "agreed_end": a.agreed.end if a.agreed else None,
        "decision_code": a.decision.code if a.decision else None,
        "decision_text": a.decision.text if a.decision else None,
        "decision_side": a.decision.side.value if a.decision and a.decision.side else None,
    }
    sc = s.scan
    values.update({"scan_key": sc.key if sc else None, "scan_backend": sc.backend if sc else None,
                   "scan_name": sc.name if sc else None, "scan_size": sc.size if sc else None,
                   "scan_sha256": sc.sha256 if sc else None,
                   "scan_uploaded_at": sc.uploaded_at if sc else None,
                   "scan_uploaded_by": sc.uploaded_by if sc else None})
    return values


def _unit(row: Any, prefix: str) -> UnitInfo:
    m = row._mapping
    return UnitInfo(m[f"{prefix}_clues"], m[f"{prefix}_unit_name"], m[f"{prefix}_institution"],
                    m[f"{prefix}_institution_name"], m[f"{prefix}_entity"],
                    m[f"{prefix}_entity_name"], m[f"{prefix}_state"])


def _stored(row: Any, delivered: Sequence[Any]) -> StoredAgreement:
    req, prov = _unit(row, "req"), _unit(row, "prov")
    agreed = None
    if row.agreed_patients is not None:
        agreed = Terms(int(row.agreed_patients), row.agreed_start, row.agreed_end)
    decision = None
    if row.decision_code:
        decision = Decision(row.decision_code, row.decision_text or "",
                            AgreementSide(row.decision_side) if row.decision_side else None)
    agreement = Agreement(
        req.ref, prov.ref, row.product, Modality(row.modality),
        Terms(int(row.proposed_patients), row.proposed_start, row.proposed_end),
        AgreementStatus(row.status), agreed, decision, row.notes,
        tuple(Delivery(Month.parse(d.month), int(d.served), d.reason) for d in delivered))
    scan = None
    if row.scan_key:
        scan = ScanInfo(row.scan_key, row.scan_backend, row.scan_name, int(row.scan_size),
                        row.scan_sha256, row.scan_uploaded_at, row.scan_uploaded_by)
    return StoredAgreement(int(row.id), agreement, req, prov, row.unit_of_measure,
                           row.service_group, row.analysis_id, row.created_at, row.created_by,
                           row.updated_at, scan)


def _deliveries_of(session: Session, ids: Sequence[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {i: [] for i in ids}
    if ids:
        for d in session.execute(sa.select(deliveries).where(
                deliveries.c.agreement_id.in_(list(ids))).order_by(deliveries.c.month)):
            out[int(d.agreement_id)].append(d)
    return out


def _reasons(session: Session) -> list[Reason]:
    r = agreement_reasons
    return [Reason(row.code, row.text, bool(row.active))
            for row in session.execute(sa.select(r).order_by(r.c.code))]


class SqlAgreementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, agreement_id: int) -> StoredAgreement | None:
        row = self.session.execute(sa.select(agreements).where(
            agreements.c.id == int(agreement_id)).with_for_update()).first()
        if row is None:
            return None
        return _stored(row, _deliveries_of(self.session, [row.id])[row.id])

    def add(self, stored: StoredAgreement) -> int:
        a = stored.agreement
        values = {"created_at": stored.created_at, "created_by": stored.created_by,
                  "analysis_id": stored.analysis_id, **_party_values("req", stored.requesting),
                  **_party_values("prov", stored.providing), "product": a.product,
                  "unit_of_measure": stored.unit_of_measure,
                  "service_group": stored.service_group, "modality": a.modality.value,
                  "proposed_patients": a.proposed.patients,
                  "proposed_start": a.proposed.start, "proposed_end": a.proposed.end,
                  "notes": a.notes, **_row_values(stored)}
        return int(self.session.execute(sa.insert(agreements).values(**values)
                                        .returning(agreements.c.id)).scalar_one())

    def save(self, stored: StoredAgreement) -> None:
        self.session.execute(sa.update(agreements).where(agreements.c.id == stored.id)
                             .values(**_row_values(stored)))
        # Deliveries: a month's row is written again only when it changed.
        current = {d.month: d for d in _deliveries_of(self.session, [stored.id])[stored.id]}
        for d in stored.agreement.deliveries:
            key = str(d.month)
            old = current.get(key)
            if old is None:
                self.session.execute(sa.insert(deliveries).values(
                    agreement_id=stored.id, month=key, served=d.served, reason=d.reason))
            elif (int(old.served), old.reason) != (d.served, d.reason):
                self.session.execute(sa.update(deliveries).where(
                    deliveries.c.agreement_id == stored.id, deliveries.c.month == key)
                    .values(served=d.served, reason=d.reason))

    def due(self, today: Any) -> Sequence[int]:
        a = agreements
        end = sa.func.coalesce(a.c.agreed_end, a.c.proposed_end)
        start = sa.func.coalesce(a.c.agreed_start, a.c.proposed_start)
        q = sa.select(a.c.id).where(sa.or_(
            sa.and_(a.c.status == AgreementStatus.ACCEPTED.value, start <= today),
            sa.and_(a.c.status == AgreementStatus.ACTIVE.value, end < today))).order_by(a.c.id)
        return [int(i) for i in self.session.execute(q).scalars()]

    def reasons(self) -> Sequence[Reason]:
        return _reasons(self.session)

    def put_reason(self, reason: Reason) -> None:
        r = agreement_reasons
        done = self.session.execute(sa.update(r).where(r.c.code == reason.code).values(
            text=reason.text, active=reason.active))
        if not done.rowcount:
            self.session.execute(sa.insert(r).values(code=reason.code, text=reason.text,
                                                     active=reason.active))


class SqlAgreementUnitOfWork(SqlUnitOfWork):
    """One transaction: the agreements repository and the audit log."""

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.agreements = SqlAgreementRepository(session)


def _party_cond(prefix: str, viewer: Viewer) -> sa.ColumnElement[bool]:
    a = agreements
    cond = a.c[f"{prefix}_institution"] == viewer.institution
    if viewer.entity is not None:
        cond = sa.and_(cond, sa.func.upper(a.c[f"{prefix}_entity"]) == viewer.entity.upper())
    return cond


def _scope(viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    if viewer.everything:
        return []
    return [sa.or_(_party_cond("req", viewer), _party_cond("prov", viewer))]


class SqlAgreementReadModel(SqlReadModel):
    def get(self, agreement_id: int) -> StoredAgreement | None:
        with self._read() as s:
            row = s.execute(sa.select(agreements).where(
                agreements.c.id == int(agreement_id))).first()
            if row is None:
                return None
            return _stored(row, _deliveries_of(s, [row.id])[row.id])

    def list(self, viewer: Viewer, flt: AgreementFilter, offset: int, limit: int
             ) -> tuple[Sequence[StoredAgreement], int]:
        a = agreements
        q = sa.select(a).where(*_scope(viewer))
        if flt.status is not None:
            q = q.where(a.c.status == flt.status.value)
        if flt.institution:
            q = q.where(sa.or_(a.c.req_institution == flt.institution,
                               a.c.prov_institution == flt.institution))
        if flt.state:
            q = q.where(sa.or_(a.c.req_state == flt.state, a.c.prov_state == flt.state))
        rows, total = self._page(q, (a.c.created_at.desc(), a.c.id.desc()), offset, limit)
        with self._read() as s:
            found = _deliveries_of(s, [int(r.id) for r in rows])
        return [_stored(r, found[int(r.id)]) for r in rows], total

    def reasons(self) -> Sequence[Reason]:
        with self._read() as s:
            return _reasons(s)

    def agreed_by(self, viewer: Viewer, first_month: Month, today: date
                  ) -> Sequence[tuple[str | None, str, int, int]]:
        a, d = agreements, deliveries
        # Stored statuses move daily (``advance``); the end date says it even before.
        current = sa.func.coalesce(a.c.agreed_end, a.c.proposed_end) >= today
        scope = [] if viewer.everything else [_party_cond("req", viewer)]
        statuses = sorted(s.value for s in AGREED)
        agreed = sa.func.coalesce(a.c.agreed_patients, a.c.proposed_patients)
        rows = self._all(sa.select(a.c.req_state, a.c.req_institution,
                                   sa.func.sum(agreed).label("agreed"))
                         .where(a.c.status.in_(statuses), current, *scope)
                         .group_by(a.c.req_state, a.c.req_institution))
        served = {(r.req_state, r.req_institution): int(r.served or 0) for r in self._all(
            sa.select(a.c.req_state, a.c.req_institution, sa.func.sum(d.c.served).label("served"))
            .select_from(d.join(a, a.c.id == d.c.agreement_id))
            .where(d.c.month >= str(first_month), *scope)
            .group_by(a.c.req_state, a.c.req_institution))}
        out = [(r.req_state, r.req_institution, int(r.agreed or 0),
                served.pop((r.req_state, r.req_institution), 0)) for r in rows]
        # Served by agreements cancelled since: still care given.
        out += [(state, inst, 0, n) for (state, inst), n in served.items()]
        return out
