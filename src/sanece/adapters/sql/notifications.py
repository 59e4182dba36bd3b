"""``NotificationSubjects`` in SQL: the few columns a notification names (ids, numbers, units,
type and status labels), read in one statement per batch; never a patient's name or NSS."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterable, Mapping, Sequence

import sqlalchemy as sa

from sanece.adapters.sql import tables as t
from sanece.application.ports import FolioSubject, RequestSubject
from sanece.domain.request_types import request_type_of
from sanece.domain.values import EvaluationStatus, RequestStatus
from shared.adapters.sql.queries import SqlReadModel, chunked

r, f = t.requests, t.folios


def _type_label(code: str) -> str:
    try:
        return request_type_of(code).label
    except (KeyError, ValueError):
        return code


def _request(row: sa.Row) -> RequestSubject:  # type: ignore[type-arg]
    return RequestSubject(row.id, row.unit_id, _type_label(row.type), row.folio_number,
                          row.filed_at)


def _folio(row: sa.Row) -> FolioSubject:  # type: ignore[type-arg]
    return FolioSubject(row.number, row.unit_id, EvaluationStatus(row.status).label,
                        row.expiry_date)


_REQ_COLS = (r.c.id, r.c.unit_id, r.c.type, r.c.folio_number, r.c.filed_at)
_FOLIO_COLS = (f.c.number, f.c.unit_id, f.c.status, f.c.expiry_date)


class SqlNotificationSubjects(SqlReadModel):
    def requests(self, ids: Iterable[int]) -> Mapping[int, RequestSubject]:
        found: dict[int, RequestSubject] = {}
        for batch in chunked(sorted(set(ids))):
            for row in self._all(sa.select(*_REQ_COLS).where(r.c.id.in_(batch))):
                found[row.id] = _request(row)
        return found

    def folios(self, numbers: Iterable[str]) -> Mapping[str, FolioSubject]:
        found: dict[str, FolioSubject] = {}
        for batch in chunked(sorted(set(numbers))):
            for row in self._all(sa.select(*_FOLIO_COLS).where(f.c.number.in_(batch))):
                found[row.number] = _folio(row)
        return found

    def expiring_folios(self, first: date, last: date) -> Sequence[FolioSubject]:
        q = (sa.select(*_FOLIO_COLS)
             .where(f.c.status == EvaluationStatus.VALIDATED.value,
                    f.c.cancellation_date.is_(None),
                    f.c.expiry_date >= first, f.c.expiry_date <= last)
             .order_by(f.c.expiry_date, f.c.number))
        return [_folio(row) for row in self._all(q)]

    def waiting_requests(self, filed_before: datetime) -> Sequence[RequestSubject]:
        q = (sa.select(*_REQ_COLS)
             .where(r.c.status == RequestStatus.PENDING.value, r.c.filed_at < filed_before)
             .order_by(r.c.filed_at, r.c.id))
        return [_request(row) for row in self._all(q)]
