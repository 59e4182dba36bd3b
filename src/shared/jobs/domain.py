"""The job state machine (pure): queued → running → done | failed | expired.

A job belongs to the user who started it. A worker claims a queued job with a lease that it
keeps renewing; a lease that runs out (the worker was killed) puts the job back in the queue
until its attempts are spent, then fails it. Finished jobs (done or failed) expire after the
installation's keep period; their file is deleted then.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any, Mapping

import attrs

from shared.kernel.errors import Conflict, ValidationError


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED)


STATUS_LABELS = {
    JobStatus.QUEUED: "En cola",
    JobStatus.RUNNING: "En proceso",
    JobStatus.DONE: "Terminado",
    JobStatus.FAILED: "Falló",
    JobStatus.EXPIRED: "Expirado",
}

# What a failed job tells its owner (why, and what to do).
CANCELLED = "Se canceló a petición del usuario. Si aún necesita el archivo, inícielo de nuevo."
# (said once the attempts are spent, which may be the first with JOBS_MAX_ATTEMPTS=1)
WORKER_LOST = ("El proceso que preparaba el archivo se detuvo antes de terminar (reinicio o falla "
               "del servidor). Vuelva a iniciarlo; si vuelve a ocurrir, avise al administrador.")
RULE_ADVICE = ("Corrija lo indicado e inicie el trabajo de nuevo; si cree que es un error, avise al "
               "administrador con el número del trabajo.")
UNEXPECTED = ("Ocurrió un error inesperado al preparar el archivo. Inténtelo de nuevo; si vuelve a "
              "ocurrir, avise al administrador con el número del trabajo.")


class JobStateError(Conflict):
    code = "job_state"


@attrs.frozen
class JobResult:
    """The finished file, kept in the storage backend ``backend`` under ``key``."""

    backend: str
    key: str
    filename: str
    content_type: str
    size: int


@attrs.frozen
class Requester:
    """Who starts (and owns) a job: the user's id, username and scope as of now."""

    user_id: int
    username: str
    role: str
    scope_ref: str | None = None


def _progress(value: int) -> int:
    if not 0 <= value <= 100:
        raise ValidationError("El avance debe estar entre 0 y 100.",
                              log_message=f"progress out of range: {value}")
    return value


def _positive(_: Any, attribute: attrs.Attribute, value: int) -> None:  # type: ignore[type-arg]
    if value < 1:
        raise ValidationError(f"«{attribute.name}» debe ser al menos 1.")


@attrs.define
class Job:
    id: str
    kind: str
    owner_id: int
    owner: str
    params: Mapping[str, Any]
    created_at: datetime
    max_attempts: int = attrs.field(default=3, validator=_positive)
    status: JobStatus = attrs.field(default=JobStatus.QUEUED, converter=JobStatus)
    progress: int = attrs.field(default=0, converter=_progress)
    stage: str = "En cola"
    attempts: int = 0
    worker: str | None = None
    lease_until: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    error: str | None = None
    result: JobResult | None = None

    # --- the worker's side -------------------------------------------------------------------
    def start(self, worker: str, now: datetime, lease: timedelta) -> None:
        """A worker claims the job (queued → running) for ``lease``."""
        self._require(JobStatus.QUEUED, "El trabajo ya no está en cola.")
        self.status = JobStatus.RUNNING
        self.attempts += 1
        self.worker = worker
        self.lease_until = now + lease
        self.started_at = now
        self.progress = 0
        self.stage = "Iniciando"

    def report(self, progress: int, stage: str, now: datetime, lease: timedelta) -> None:
        """The running job's progress; reporting renews the lease. Progress never goes back
        within an attempt."""
        self._require(JobStatus.RUNNING, "El trabajo no está en proceso.")
        self.progress = max(self.progress, min(_progress(progress), 99))  # 100 only when done
        self.stage = stage
        self.lease_until = now + lease

    def heartbeat(self, now: datetime, lease: timedelta) -> None:
        self._require(JobStatus.RUNNING, "El trabajo no está en proceso.")
        self.lease_until = now + lease

    def finish(self, result: JobResult, now: datetime, keep: timedelta) -> None:
        self._require(JobStatus.RUNNING, "El trabajo no está en proceso.")
        self.status = JobStatus.DONE
        self.progress = 100
        self.stage = "Terminado"
        self.result = result
        self.error = None
        self._end(now, keep)

    def fail(self, message: str, now: datetime, keep: timedelta, *, retry: bool = False) -> None:
        """The attempt failed with ``message`` (Spanish, for the owner). ``retry``: a passing
        cause (not a broken rule): back to the queue while attempts remain."""
        self._require(JobStatus.RUNNING, "El trabajo no está en proceso.")
        self.error = message
        if retry and self.attempts < self.max_attempts:
            self._requeue()
            return
        self.status = JobStatus.FAILED
        self.stage = "Falló"
        self._end(now, keep)

    def lease_lost(self, now: datetime, keep: timedelta) -> None:
        """The worker stopped renewing its lease (killed, machine lost): retry or fail."""
        self._require(JobStatus.RUNNING, "El trabajo no está en proceso.")
        if self.lease_until is not None and self.lease_until > now:
            raise JobStateError("El trabajo sigue en proceso.",
                                log_message=f"job {self.id}: lease still valid")
        self.fail(WORKER_LOST, now, keep, retry=True)

    # --- the owner's side --------------------------------------------------------------------
    def cancel(self, now: datetime, keep: timedelta) -> None:
        if self.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            raise JobStateError("El trabajo ya terminó; no se puede cancelar.",
                                log_message=f"job {self.id}: cancel when {self.status.value}")
        self.status = JobStatus.FAILED
        self.stage = "Cancelado"
        self.error = CANCELLED
        self._end(now, keep)

    def is_due_to_expire(self, now: datetime) -> bool:
        return (self.status in (JobStatus.DONE, JobStatus.FAILED) and self.expires_at is not None
                and self.expires_at <= now)

    def expire(self, now: datetime) -> None:
        """The keep period ended: the file is gone (the use case deletes it first)."""
        if not self.is_due_to_expire(now):
            raise JobStateError("El trabajo aún no expira.",
                                log_message=f"job {self.id}: expire when {self.status.value}")
        self.status = JobStatus.EXPIRED
        self.stage = "Expirado"
        self.result = None

    # --- reading -----------------------------------------------------------------------------
    def eta(self, now: datetime) -> timedelta | None:
        """Time left, extrapolated from the current attempt's pace; None before any progress."""
        if self.status is not JobStatus.RUNNING or self.started_at is None or self.progress <= 0:
            return None
        elapsed = max(now - self.started_at, timedelta(0))
        return elapsed * (100 - self.progress) / self.progress

    def _require(self, status: JobStatus, message: str) -> None:
        if self.status is not status:
            raise JobStateError(message, log_message=f"job {self.id}: {self.status.value}, "
                                                     f"expected {status.value}")

    def _requeue(self) -> None:
        self.status = JobStatus.QUEUED
        self.stage = "En cola (reintento)"
        self.progress = 0
        self.worker = None
        self.lease_until = None

    def _end(self, now: datetime, keep: timedelta) -> None:
        self.finished_at = now
        self.expires_at = now + keep
        self.worker = None
        self.lease_until = None


def format_eta(left: timedelta | None) -> str:
    """«unos segundos», «2 min», «1 h 5 min» (Spanish, for the page and the CLI)."""
    if left is None:
        return "calculando…"
    seconds = int(left.total_seconds())
    if seconds < 60:
        return "menos de un minuto"
    minutes = (seconds + 59) // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
