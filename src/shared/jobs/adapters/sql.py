"""The jobs' state in the product's database (the embedded backend's queue).

Claiming, progress, cancelling and finishing are compare-and-set UPDATEs on (status, worker):
two workers never both hold a job, and a worker whose lease was taken over (or whose job was
cancelled) cannot overwrite the new state. Same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from shared.adapters.sql.database import SqlUnitOfWork, UtcDateTime, metadata
from shared.jobs.domain import Job, JobResult, JobStatus

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False, default=0),
    sa.Column("stage", sa.String(120), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("worker", sa.String(120), nullable=True),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("result_backend", sa.String(16), nullable=True),
    sa.Column("result_key", sa.String(400), nullable=True),
    sa.Column("result_filename", sa.String(200), nullable=True),
    sa.Column("result_content_type", sa.String(120), nullable=True),
    sa.Column("result_size", sa.BigInteger, nullable=True),
    # the worker's look-ups: the oldest queued job, expired leases, due expiries
    sa.Index("ix_jobs_status_created_at", "status", "created_at"),
)


def _row(job: Job) -> dict[str, Any]:
    r = job.result
    return {
        "kind": job.kind, "owner_id": job.owner_id, "owner": job.owner, "params": dict(job.params),
        "status": job.status.value, "progress": job.progress, "stage": job.stage,
        "attempts": job.attempts, "max_attempts": job.max_attempts, "worker": job.worker,
        "lease_until": job.lease_until, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "expires_at": job.expires_at, "error": job.error,
        "result_backend": r.backend if r else None, "result_key": r.key if r else None,
        "result_filename": r.filename if r else None,
        "result_content_type": r.content_type if r else None, "result_size": r.size if r else None,
    }


def _job(row: Any) -> Job:
    # Built through the domain's constructor: a row that breaks a rule is refused on load.
    result = None
    if row.result_key is not None:
        result = JobResult(row.result_backend, row.result_key, row.result_filename,
                           row.result_content_type, int(row.result_size))
    return Job(row.id, row.kind, row.owner_id, row.owner, dict(row.params), row.created_at,
               max_attempts=row.max_attempts, status=row.status, progress=row.progress,
               stage=row.stage, attempts=row.attempts, worker=row.worker,
               lease_until=row.lease_until, started_at=row.started_at,
               finished_at=row.finished_at, expires_at=row.expires_at, error=row.error,
               result=result)


class SqlJobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _all(self, q: Any) -> list[Job]:
        return [_job(r) for r in self.session.execute(q)]

    def add(self, job: Job) -> None:
        self.session.execute(sa.insert(jobs).values(id=job.id, **_row(job)))

    def get(self, job_id: str) -> Job | None:
        row = self.session.execute(sa.select(jobs).where(jobs.c.id == str(job_id))).first()
        return _job(row) if row is not None else None

    def for_owner(self, owner_id: int, limit: int = 100) -> Sequence[Job]:
        return self._all(sa.select(jobs).where(jobs.c.owner_id == owner_id)
                         .order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit))

    def latest(self, owner: str | None = None, limit: int = 100) -> Sequence[Job]:
        q = sa.select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit)
        if owner:
            q = q.where(jobs.c.owner == owner)
        return self._all(q)

    def next_queued(self, kinds: Iterable[str], limit: int = 5) -> Sequence[Job]:
        return self._all(sa.select(jobs).where(jobs.c.status == JobStatus.QUEUED.value,
                                               jobs.c.kind.in_(list(kinds)))
                         .order_by(jobs.c.created_at, jobs.c.id).limit(limit))

    def running_with_lease_before(self, now: datetime) -> Sequence[Job]:
        return self._all(sa.select(jobs).where(jobs.c.status == JobStatus.RUNNING.value,
                                               jobs.c.lease_until <= now))

    def due_to_expire(self, now: datetime, limit: int = 100) -> Sequence[Job]:
        return self._all(sa.select(jobs).where(
            jobs.c.status.in_([JobStatus.DONE.value, JobStatus.FAILED.value]),
            jobs.c.expires_at <= now).order_by(jobs.c.expires_at).limit(limit))

    def save(self, job: Job, *, expected_status: JobStatus, expected_worker: str | None = None,
             expected_lease_until: datetime | None = None) -> bool:
        q = sa.update(jobs).where(jobs.c.id == job.id, jobs.c.status == expected_status.value)
        if expected_worker is not None:
            q = q.where(jobs.c.worker == expected_worker)
        if expected_lease_until is not None:
            q = q.where(jobs.c.lease_until == expected_lease_until)
        return self.session.execute(q.values(**_row(job))).rowcount == 1  # type: ignore[attr-defined]


class SqlJobsUnitOfWork(SqlUnitOfWork):
    """One transaction over the jobs table (jobs are no business change: no audit entry)."""

    jobs: SqlJobRepository

    # A job's state is always read from its row (``SqlJobRepository`` caches nothing), so its
    # claims, progress reports and lease renewals leave the data version alone: each raised
    # it, and an export's progress every few hundred rows made every page of every process
    # read its data again (`bench/jobs.py`: the tablero's p99 during an export). What a job
    # changes in the product's data, it changes through its use cases' own units of work.
    changes_cached_reads = False

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions, audit=lambda session: None)

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.jobs = SqlJobRepository(session)
