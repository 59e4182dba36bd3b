"""SQL adapters of the saved exchange analyses (E15).

- ``SqlExchangeUnitOfWork`` with ``SqlExchangeRepository``: writes the header, the snapshot
  (``encode_snapshot``: zlib-compressed JSON, one row) and the entities' parts, inside the
  caller's transaction.
- ``SqlExchangeReadModel`` (``ExchangeReadModel``): headers, lists and visibility from
  ``exc_exchange_analyses`` and ``exc_exchange_parts``; snapshots decoded on demand and kept
  (a saved analysis never changes) in a small LRU cache shared by the requests of a worker.

The period's records are read by ``source.py``.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.adapters.sql.tables import analyses, parts, snapshots
from exchange.application.model import (
    AnalysisHeader,
    PartCounts,
    PotentialCounts,
    StoredAnalysis,
    Viewer,
)
from exchange.application.snapshot import FORMAT, AnalysisSnapshot, SnapshotError
from exchange.domain.matching import AllocationTotals, ExchangeCriteria
from shared.adapters.sql.database import SqlUnitOfWork
from shared.adapters.sql.queries import SqlReadModel

CACHE_SIZE = 4  # decoded snapshots kept per worker (a national one is ~10 MB of objects)
COMPRESSION = 6  # zlib level: a national snapshot goes from ~4 MB of JSON to ~0.6 MB


# --------------------------------------------------------------------------- the snapshot


def encode_snapshot(snapshot: AnalysisSnapshot) -> bytes:
    text = json.dumps(snapshot.to_payload(), ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), COMPRESSION)


def decode_snapshot(data: bytes) -> AnalysisSnapshot:
    try:
        payload = json.loads(zlib.decompress(data).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise SnapshotError(f"unreadable snapshot: {exc}") from None
    return AnalysisSnapshot.from_payload(payload)


# --------------------------------------------------------------------------- the write side


def _header_values(h: AnalysisHeader) -> dict[str, Any]:
    return {"year": h.year, "created_at": h.created_at, "created_by": h.created_by,
            "criteria": h.criteria.to_dict(), "state": h.state,
            "service_group": h.service_group, "service_group_name": h.service_group_name,
            "institutions": list(h.institutions), "shortages": h.shortages,
            "surpluses": h.surpluses, "unplaced": h.unplaced,
            "patients_needed": h.patients_needed,
            "input_fingerprint": h.input_fingerprint, "parameters_key": h.parameters_key,
            "exact": h.exact, "elapsed_ms": h.elapsed_ms,
            "greedy_totals": _totals_dict(h.greedy), "optimal_totals": _totals_dict(h.optimal)}


def _totals_dict(totals: AllocationTotals) -> dict[str, int]:
    return {f.name: getattr(totals, f.name) for f in AllocationTotals.__attrs_attrs__}


def _part_row(analysis_id: int, part: PartCounts) -> dict[str, Any]:
    c = part.counts
    return {"analysis_id": analysis_id, "institution_code": part.institution,
            "entity_code": part.entity, "entity_name": c.entity_name or part.entity,
            "shortages": c.shortage_records, "patients_needed": c.patients_needed,
            "greedy_full": c.greedy_full, "greedy_partial": c.greedy_partial,
            "greedy_covered": c.greedy_covered, "optimal_full": c.optimal_full,
            "optimal_partial": c.optimal_partial, "optimal_covered": c.optimal_covered,
            "surpluses": part.surplus_records}


class SqlExchangeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, header: AnalysisHeader, snapshot: AnalysisSnapshot,
            parts_: Sequence[PartCounts]) -> int:
        aid = int(self.session.execute(sa.insert(analyses).values(**_header_values(header))
                                       .returning(analyses.c.id)).scalar_one())
        self.session.execute(sa.insert(snapshots).values(
            analysis_id=aid, format=FORMAT, data=encode_snapshot(snapshot)))
        if parts_:  # a few hundred rows at most (one per entity): a plain executemany
            self.session.execute(sa.insert(parts), [_part_row(aid, p) for p in parts_])
        return aid

    def latest_same(self, parameters_key: str, input_fingerprint: str) -> int | None:
        return self.session.execute(sa.select(sa.func.max(analyses.c.id)).where(
            analyses.c.parameters_key == parameters_key,
            analyses.c.input_fingerprint == input_fingerprint)).scalar()


class SqlExchangeUnitOfWork(SqlUnitOfWork):
    """One transaction: the analyses repository and the audit log."""

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.analyses = SqlExchangeRepository(session)


# --------------------------------------------------------------------------- the read side


def _stored_from(row: Any) -> StoredAnalysis:
    return StoredAnalysis(int(row.id), AnalysisHeader(
        year=int(row.year), created_at=row.created_at, created_by=row.created_by,
        criteria=ExchangeCriteria.from_dict(row.criteria), state=row.state,
        service_group=row.service_group, service_group_name=row.service_group_name,
        institutions=tuple(row.institutions or ()), shortages=int(row.shortages),
        surpluses=int(row.surpluses), unplaced=int(row.unplaced),
        patients_needed=int(row.patients_needed),
        input_fingerprint=row.input_fingerprint, parameters_key=row.parameters_key,
        exact=bool(row.exact), elapsed_ms=int(row.elapsed_ms),
        greedy=AllocationTotals(**row.greedy_totals),
        optimal=AllocationTotals(**row.optimal_totals)))


def _parts_in(viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    if viewer.everything:
        return []
    out = [parts.c.institution_code == viewer.institution]
    if viewer.entity is not None:
        out.append(sa.func.upper(parts.c.entity_code) == viewer.entity.upper())
    return out


_COUNT_COLUMNS = ("shortages", "patients_needed", "greedy_full", "greedy_partial",
                  "greedy_covered", "optimal_full", "optimal_partial", "optimal_covered")


class SqlExchangeReadModel(SqlReadModel):
    def __init__(self, sessions: Any, cache_size: int = CACHE_SIZE) -> None:
        super().__init__(sessions)
        self._cache: OrderedDict[tuple, AnalysisSnapshot] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()  # handlers run in worker threads

    # ----------------------------------------------------------------- analyses

    def get(self, analysis_id: int) -> StoredAnalysis | None:
        rows = self._all(sa.select(analyses).where(analyses.c.id == int(analysis_id)))
        return _stored_from(rows[0]) if rows else None

    def _visible_cond(self, viewer: Viewer, username: str) -> sa.ColumnElement[bool]:
        if viewer.everything:
            return sa.true()
        mine = sa.exists().where(parts.c.analysis_id == analyses.c.id, *_parts_in(viewer))
        return sa.or_(analyses.c.created_by == username, mine)

    def visible(self, analysis_id: int, viewer: Viewer, username: str) -> bool:
        q = sa.select(analyses.c.id).where(analyses.c.id == int(analysis_id),
                                           self._visible_cond(viewer, username))
        return bool(self._all(q))

    def list(self, viewer: Viewer, username: str, offset: int, limit: int
             ) -> tuple[Sequence[StoredAnalysis], int]:
        # The /intercambios page of every visit: served again, rows built and all, while
        # nothing is written (``_memo``: keyed by the viewer and the user, who see different
        # lists). A tuple of frozen rows: shared between requests.
        return self._memo(("list", viewer, username, int(offset), int(limit)),
                          lambda: self._list(viewer, username, int(offset), int(limit)))

    def _list(self, viewer: Viewer, username: str, offset: int, limit: int
              ) -> tuple[tuple[StoredAnalysis, ...], int]:
        q = sa.select(analyses).where(self._visible_cond(viewer, username))
        rows, total = self._page(q, (analyses.c.created_at.desc(), analyses.c.id.desc()),
                                 offset, limit)
        return tuple(_stored_from(r) for r in rows), total

    def national_counts(self, analysis_ids: Sequence[int], viewer: Viewer
                        ) -> dict[int, PotentialCounts]:
        if not analysis_ids:
            return {}
        ids = tuple(int(i) for i in analysis_ids)
        # The list's figures: kept with the list (``_memo``), the statement not even built.
        return dict(self._memo(("national_counts", ids, viewer),
                               lambda: self._national_counts(ids, viewer)))

    def _national_counts(self, ids: tuple[int, ...], viewer: Viewer
                         ) -> tuple[tuple[int, PotentialCounts], ...]:
        sums = [sa.func.coalesce(sa.func.sum(parts.c[name]), 0).label(name)
                for name in _COUNT_COLUMNS]
        rows = self._all(sa.select(parts.c.analysis_id, *sums).where(
            parts.c.analysis_id.in_(list(ids)), *_parts_in(viewer))
            .group_by(parts.c.analysis_id))
        return tuple((int(r.analysis_id), PotentialCounts(
            None, None, None, None, *(int(r._mapping[n]) for n in _COUNT_COLUMNS)))
            for r in rows)

    # ----------------------------------------------------------------- the snapshot

    def snapshot(self, stored: StoredAnalysis) -> AnalysisSnapshot:
        # Keyed by what identifies the saved analysis, not by its id alone: an id could
        # come back in another database behind the same process (tests, restores).
        h = stored.header
        key = (stored.id, h.created_at, h.input_fingerprint, h.parameters_key)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        with self._sessions() as s:
            row = s.execute(sa.select(snapshots.c.format, snapshots.c.data).where(
                snapshots.c.analysis_id == stored.id)).first()
        if row is None:
            raise SnapshotError(f"analysis {stored.id} has no snapshot")
        if row.format != FORMAT:
            raise SnapshotError(f"analysis {stored.id}: unknown snapshot format {row.format}")
        snap = decode_snapshot(bytes(row.data))
        with self._lock:
            self._cache[key] = snap
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return snap
