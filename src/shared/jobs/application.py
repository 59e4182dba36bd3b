"""Jobs: the ports, the registry of job kinds, and the use cases.

The owner's use cases (``StartJob``, ``GetJob``, ``ListMyJobs``, ``CancelJob``,
``OpenJobResult``) see only the owner's jobs: another user's job answers exactly as a missing
one. The worker's (``ClaimJob``, ``ExecuteJob``, ``Heartbeat``) and the housekeeping
(``RecoverLeases``, ``ExpireJobs``) are run by whichever adapter runs jobs (the embedded
worker threads today). Each is one transaction, except ``ExecuteJob``, which runs the kind's
work between the transactions that record its progress.
"""

from __future__ import annotations

import contextlib
import fcntl
import secrets
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

import attrs

from shared.jobs.domain import RULE_ADVICE, UNEXPECTED, Job, JobResult, JobStatus, Requester
from shared.kernel.clock import Clock
from shared.kernel.errors import DomainError, NotFound, ValidationError
from shared.storage.domain import StorageSelector

JOB_NOT_FOUND = "El trabajo no existe o ya no está disponible."
RESULT_NOT_READY = "El archivo de este trabajo no está disponible (aún no termina, falló o expiró)."
UNKNOWN_KIND = "Tipo de trabajo desconocido."
NOT_ALLOWED = "No tiene permiso para iniciar este trabajo."

# (percentage 0–100, stage) — what a running kind reports.
JobProgress = Callable[[int, str], None]


class JobAborted(Exception):
    """The job stopped being this worker's (cancelled by its owner, or its lease was lost)."""


# --- ports ----------------------------------------------------------------------------------
class JobRepository(Protocol):
    def add(self, job: Job) -> None: ...

    def get(self, job_id: str) -> Job | None: ...

    def for_owner(self, owner_id: int, limit: int = 100) -> Sequence[Job]: ...

    def latest(self, owner: str | None = None, limit: int = 100) -> Sequence[Job]: ...

    def next_queued(self, kinds: Iterable[str], limit: int = 5) -> Sequence[Job]: ...

    def running_with_lease_before(self, now: Any) -> Sequence[Job]: ...

    def due_to_expire(self, now: Any, limit: int = 100) -> Sequence[Job]: ...

    def save(self, job: Job, *, expected_status: JobStatus, expected_worker: str | None = None,
             expected_lease_until: Any = None) -> bool:
        """Write ``job`` only if its row is still in ``expected_status`` (and, when given,
        held by ``expected_worker`` with the lease ``expected_lease_until``): one atomic
        UPDATE. False when another party changed it first (a second worker claimed it, its
        owner cancelled it, its worker renewed the lease after all)."""
        ...


class JobsUnitOfWork(Protocol):
    jobs: JobRepository

    def __enter__(self) -> "JobsUnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


class JobQueue(Protocol):
    """Hands a committed job to whatever runs jobs. The embedded backend's workers find it in
    the table (this only wakes the workers of this process); the SAQ adapter pushes the id to
    its Redis queue, from which any machine's ``sanece-admin worker`` takes it."""

    def enqueue(self, job: Job) -> None: ...

    def reachable(self) -> bool:
        """Whether the queue answers (``/health``)."""
        ...


class Requesters(Protocol):
    """The owner of a job as the worker sees them now (None: disabled or deleted since)."""

    def requester(self, user_id: int) -> Requester | None: ...


@attrs.frozen
class JobOutput:
    filename: str  # what the owner's download is called
    content_type: str


class JobKind(Protocol):
    """One kind of job, registered once, owning its parts: who may start it, how its
    parameters are read, and the work itself (which reports its progress)."""

    name: str  # "national-export"
    label: str  # "Excel nacional de los registros" (Spanish, for the pages)
    roles: frozenset[str]  # the roles that may start it (menus); the use case still decides

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        """The job's canonical parameters; raises the use case's own ``DomainError`` when the
        requester may not run it (scope rules) or the parameters are wrong. Runs no heavy work."""
        ...

    def storage_scope(self, params: Mapping[str, Any]) -> str | None:
        """The institution whose storage keeps the result (None: the default backend)."""
        ...

    def describe(self, params: Mapping[str, Any]) -> str:
        """One line for lists: «Excel de los registros de IMSS (2026)»."""
        ...

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput: ...


class JobKinds:
    """The registry of job kinds (iterated by the pages, the API and the worker)."""

    def __init__(self, kinds: Iterable[JobKind] = ()) -> None:
        self._kinds: dict[str, JobKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: JobKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"job kind registered twice: {kind.name}")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> JobKind:
        kind = self._kinds.get(name)
        if kind is None:
            raise ValidationError(UNKNOWN_KIND, code="job_kind_unknown",
                                  log_message=f"unknown job kind {name!r}")
        return kind

    def names(self) -> list[str]:
        return list(self._kinds)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._kinds.values())

    def starter_roles(self) -> frozenset[str]:
        return frozenset(r for k in self._kinds.values() for r in k.roles)

    def menu_roles(self) -> frozenset[str]:
        """The roles whose menu shows «Mis descargas»: those of the kinds that want it (a kind
        with ``in_menu = False`` lives in a module whose menu is the guide's, exactly)."""
        return frozenset(r for k in self._kinds.values() if getattr(k, "in_menu", True)
                         for r in k.roles)


@attrs.frozen
class JobPolicy:
    keep: timedelta = timedelta(days=7)  # how long a finished job and its file are kept
    max_attempts: int = 3
    lease: timedelta = timedelta(seconds=60)


# --- what the owner sees ----------------------------------------------------------------------
@attrs.frozen
class JobView:
    id: str
    kind: str
    label: str
    description: str
    status: JobStatus
    progress: int
    stage: str
    eta: timedelta | None
    created_at: Any
    finished_at: Any
    expires_at: Any
    error: str | None
    filename: str | None
    size: int | None
    owner: str
    attempts: int

    @property
    def has_result(self) -> bool:
        return self.status is JobStatus.DONE and self.filename is not None


def view_of(job: Job, kinds: JobKinds, now: Any) -> JobView:
    try:
        kind = kinds.get(job.kind)
        label, description = kind.label, kind.describe(job.params)
    except DomainError:  # a kind this version no longer has
        label = description = job.kind
    return JobView(job.id, job.kind, label, description, job.status, job.progress, job.stage,
                   job.eta(now), job.created_at, job.finished_at, job.expires_at, job.error,
                   job.result.filename if job.result else None,
                   job.result.size if job.result else None, job.owner, job.attempts)


def _owned(job: Job | None, requester: Requester) -> Job:
    # Another user's job answers exactly as a missing one.
    if job is None or job.owner_id != requester.user_id:
        raise NotFound(JOB_NOT_FOUND)
    return job


@attrs.define
class StartJob:
    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds
    clock: Clock
    policy: JobPolicy
    queue: JobQueue

    def __call__(self, requester: Requester, kind_name: str, params: Mapping[str, Any]) -> JobView:
        kind = self.kinds.get(kind_name)
        canonical = kind.prepare(requester, params)  # the use case's own authorization
        now = self.clock.now()
        job = Job(secrets.token_hex(12), kind.name, requester.user_id, requester.username,
                  canonical, now, max_attempts=self.policy.max_attempts)
        with self.uow_factory() as uow:
            uow.jobs.add(job)
            uow.commit()
        self.queue.enqueue(job)  # after the commit: a worker never looks for an unsaved job
        return view_of(job, self.kinds, now)


@attrs.define
class StartIfLarge:
    """Where a page chooses between answering at once and a job: work whose size (rows,
    folios, pages) is above the installation's limit for its kind starts a job (None: small
    enough for the request). Kinds without a limit always answer at once."""

    start: Callable[[], StartJob]
    limits: Mapping[str, int]

    def __call__(self, requester: Requester, kind: str, params: Mapping[str, Any],
                 size: int) -> JobView | None:
        limit = self.limits.get(kind)
        if limit is None or size <= limit:
            return None
        return self.start()(requester, kind, params)


@attrs.define
class GetJob:
    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds
    clock: Clock

    def __call__(self, requester: Requester, job_id: str) -> JobView:
        with self.uow_factory() as uow:
            job = _owned(uow.jobs.get(job_id), requester)
        return view_of(job, self.kinds, self.clock.now())


@attrs.define
class ListMyJobs:
    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds
    clock: Clock

    def __call__(self, requester: Requester, limit: int = 100) -> list[JobView]:
        with self.uow_factory() as uow:
            jobs = uow.jobs.for_owner(requester.user_id, limit)
        now = self.clock.now()
        return [view_of(j, self.kinds, now) for j in jobs]


@attrs.define
class CancelJob:
    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds
    clock: Clock
    policy: JobPolicy

    def __call__(self, requester: Requester | None, job_id: str) -> JobView:
        """``requester`` None: the operator (CLI), who may cancel any job."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            job = uow.jobs.get(job_id)
            job = _owned(job, requester) if requester is not None else _exists(job)
            before, worker = job.status, job.worker
            job.cancel(now, self.policy.keep)
            if not uow.jobs.save(job, expected_status=before, expected_worker=worker):
                raise NotFound(JOB_NOT_FOUND, log_message=f"job {job_id} changed while cancelling")
            uow.commit()
        return view_of(job, self.kinds, now)


def _exists(job: Job | None) -> Job:
    if job is None:
        raise NotFound(JOB_NOT_FOUND)
    return job


@attrs.define
class OperatorJobs:
    """The operator's view (CLI): every job, or one user's."""

    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds
    clock: Clock

    def list(self, owner: str | None = None, limit: int = 100) -> list[JobView]:
        with self.uow_factory() as uow:
            jobs = uow.jobs.latest(owner, limit)
        now = self.clock.now()
        return [view_of(j, self.kinds, now) for j in jobs]

    def show(self, job_id: str) -> JobView:
        with self.uow_factory() as uow:
            job = _exists(uow.jobs.get(job_id))
        return view_of(job, self.kinds, self.clock.now())


@attrs.frozen
class OpenedResult:
    stream: BinaryIO
    size: int
    filename: str
    content_type: str


@attrs.define
class OpenJobResult:
    uow_factory: Callable[[], JobsUnitOfWork]
    storage: StorageSelector

    def __call__(self, requester: Requester, job_id: str) -> OpenedResult:
        with self.uow_factory() as uow:
            job = _owned(uow.jobs.get(job_id), requester)
        if job.status is not JobStatus.DONE or job.result is None:
            raise NotFound(RESULT_NOT_READY, code="job_result_not_ready")
        r = job.result
        try:
            stream = self.storage.backend(r.backend).open(r.key)
        except FileNotFoundError as exc:
            raise NotFound(RESULT_NOT_READY, code="job_result_not_ready",
                           log_message=f"job {job_id}: stored file {r.key} missing") from exc
        return OpenedResult(stream, r.size, r.filename, r.content_type)


# --- what the worker does -------------------------------------------------------------------
@attrs.define
class ClaimJob:
    """Claim the oldest queued job of the given kinds: an atomic compare-and-set, so two
    workers never run the same job."""

    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds
    clock: Clock
    policy: JobPolicy

    def __call__(self, worker: str, job_id: str | None = None) -> Job | None:
        """``job_id``: claim that job only (a job-queue library delivered its id); None when it
        is no longer queued (done, cancelled, or running on another worker)."""
        with self.uow_factory() as uow:
            if job_id is None:
                candidates: Sequence[Job] = uow.jobs.next_queued(self.kinds.names())
            else:
                one = uow.jobs.get(job_id)
                candidates = [one] if one is not None and one.status is JobStatus.QUEUED else []
            for job in candidates:
                job.start(worker, self.clock.now(), self.policy.lease)
                if uow.jobs.save(job, expected_status=JobStatus.QUEUED):
                    uow.commit()
                    return job
        return None


@attrs.define
class ReportProgress:
    """Record a running job's progress (and renew its lease); ``JobAborted`` when the job is
    no longer this worker's, which stops the work."""

    uow_factory: Callable[[], JobsUnitOfWork]
    clock: Clock
    policy: JobPolicy

    def __call__(self, job_id: str, worker: str, progress: int | None, stage: str | None) -> None:
        with self.uow_factory() as uow:
            job = uow.jobs.get(job_id)
            if job is None or job.status is not JobStatus.RUNNING or job.worker != worker:
                raise JobAborted(job_id)
            now = self.clock.now()
            if progress is None:
                job.heartbeat(now, self.policy.lease)
            else:
                job.report(progress, stage or job.stage, now, self.policy.lease)
            if not uow.jobs.save(job, expected_status=JobStatus.RUNNING, expected_worker=worker):
                raise JobAborted(job_id)
            uow.commit()


@attrs.define
class ExecuteJob:
    """Run a claimed job: the kind writes its file to a private temporary path; the file is
    stored (the storage makes it visible only once complete) and the job is marked done in
    one compare-and-set. A broken rule fails the job with its Spanish message; an unexpected
    error is retried while attempts remain."""

    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds
    clock: Clock
    policy: JobPolicy
    storage: StorageSelector
    requesters: Requesters
    report: ReportProgress
    tmp_dir: Path
    log: Callable[[str, BaseException | None], None] = lambda msg, exc: None
    min_interval: float = 0.5  # seconds between two progress writes
    monotonic: Callable[[], float] = time.monotonic

    def __call__(self, job: Job) -> None:
        assert job.worker is not None
        worker = job.worker
        try:
            kind = self.kinds.get(job.kind)
            requester = self.requesters.requester(job.owner_id)
            if requester is None:
                raise NotFound("La cuenta que inició el trabajo ya no está activa.")
            with job_workspace(self.tmp_dir) as tmp:
                out = tmp / "result"
                output = kind.run(requester, job.params, out, self._progress(job.id, worker))
                self.report(job.id, worker, 99, "Guardando el archivo")
                result = self._store(job, kind, output, out)
            self._finish(job.id, worker, result)
        except JobAborted:
            self.log(f"job {job.id}: no longer held by {worker}; stopped", None)
        except DomainError as exc:  # a broken rule: why (the rule's message) and what to do
            self._fail(job.id, worker, f"{exc.message} {RULE_ADVICE}", retry=False, exc=exc)
        except Exception as exc:  # noqa: BLE001 - any other failure: retried, then failed
            self._fail(job.id, worker, UNEXPECTED, retry=True, exc=exc)

    def _progress(self, job_id: str, worker: str) -> JobProgress:
        last = {"at": -1e9, "stage": None}

        def progress(percent: int, stage: str) -> None:
            now = self.monotonic()
            if stage == last["stage"] and now - last["at"] < self.min_interval:
                return
            last.update(at=now, stage=stage)
            self.report(job_id, worker, percent, stage)

        return progress

    def _store(self, job: Job, kind: JobKind, output: JobOutput, path: Path) -> JobResult:
        storage = self.storage.for_institution(kind.storage_scope(job.params))
        with open(path, "rb") as fh:
            stored = storage.put(f"jobs/{job.id}", fh, content_type=output.content_type,
                                 original_name=output.filename, size=path.stat().st_size)
        return JobResult(storage.backend, stored.key, output.filename, output.content_type,
                         stored.size)

    def _finish(self, job_id: str, worker: str, result: JobResult) -> None:
        with self.uow_factory() as uow:
            job = uow.jobs.get(job_id)
            if job is not None and job.status is JobStatus.RUNNING and job.worker == worker:
                job.finish(result, self.clock.now(), self.policy.keep)
                if uow.jobs.save(job, expected_status=JobStatus.RUNNING, expected_worker=worker):
                    uow.commit()
                    return
        # cancelled (or taken over) meanwhile: the file is nobody's
        self._delete(result)

    def _fail(self, job_id: str, worker: str, message: str, *, retry: bool,
              exc: BaseException) -> None:
        self.log(f"job {job_id} failed", exc)
        with self.uow_factory() as uow:
            job = uow.jobs.get(job_id)
            if job is None or job.status is not JobStatus.RUNNING or job.worker != worker:
                return
            job.fail(message, self.clock.now(), self.policy.keep, retry=retry)
            if uow.jobs.save(job, expected_status=JobStatus.RUNNING, expected_worker=worker):
                uow.commit()

    def _delete(self, result: JobResult) -> None:
        try:
            self.storage.backend(result.backend).delete(result.key)
        except Exception as exc:  # noqa: BLE001 - best effort; expiry would not find it either
            self.log(f"could not delete {result.key}", exc)


@contextlib.contextmanager
def job_workspace(tmp_dir: Path) -> Iterator[Path]:
    """One attempt's private scratch folder, locked (``flock``) while the attempt runs: the OS
    drops the lock when the process dies, ``kill -9`` included, so ``sweep_workspaces`` can
    tell a dead attempt's half-written leftovers from a live one's."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="job-", dir=tmp_dir) as folder:
        with open(Path(folder) / ".lock", "wb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield Path(folder)


def sweep_workspaces(tmp_dir: Path, min_age_seconds: float = 5.0) -> int:
    """Delete the scratch folders of attempts whose process died (no one holds their lock);
    the age spares a folder created a moment ago whose lock is not taken yet."""
    removed = 0
    for folder in tmp_dir.glob("job-*"):
        try:
            lock = open(folder / ".lock", "rb")
            if time.time() - (folder / ".lock").stat().st_mtime < min_age_seconds:
                lock.close()
                continue
        except OSError:  # no lock file: being created (or removed meanwhile)
            continue
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a running attempt
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


# --- housekeeping -----------------------------------------------------------------------------
@attrs.define
class QueuedJobs:
    """The ids of the jobs waiting in the table: a job-queue library's adapter hands them to
    its queue again (a job requeued after a lost lease, or queued while the queue was down)."""

    uow_factory: Callable[[], JobsUnitOfWork]
    kinds: JobKinds

    def __call__(self, limit: int = 100) -> list[str]:
        return [job_id for job_id, _ in self.pending(limit)]

    def pending(self, limit: int = 100) -> list[tuple[str, int]]:
        """(id, attempts already made) of each: a retry is a new delivery for the queue."""
        with self.uow_factory() as uow:
            return [(j.id, j.attempts) for j in uow.jobs.next_queued(self.kinds.names(), limit)]


@attrs.define
class RecoverLeases:
    """Jobs whose worker stopped renewing its lease (killed with -9, machine lost) go back to
    the queue, or fail once their attempts are spent: none stays «en proceso»."""

    uow_factory: Callable[[], JobsUnitOfWork]
    clock: Clock
    policy: JobPolicy

    def __call__(self) -> int:
        now = self.clock.now()
        changed = 0
        with self.uow_factory() as uow:
            for job in uow.jobs.running_with_lease_before(now):
                worker, lease_until = job.worker, job.lease_until
                job.lease_lost(now, self.policy.keep)
                # Only the lease seen to have run out: a heartbeat that lands meanwhile (a slow
                # worker, not a dead one) keeps the job its worker's.
                changed += uow.jobs.save(job, expected_status=JobStatus.RUNNING,
                                         expected_worker=worker, expected_lease_until=lease_until)
            uow.commit()
        return changed


@attrs.define
class ExpireJobs:
    """Finished jobs past their keep period expire; their files are deleted."""

    uow_factory: Callable[[], JobsUnitOfWork]
    clock: Clock
    storage: StorageSelector

    def __call__(self) -> int:
        now = self.clock.now()
        files: list[JobResult] = []
        with self.uow_factory() as uow:
            for job in uow.jobs.due_to_expire(now):
                result, before = job.result, job.status
                job.expire(now)
                if uow.jobs.save(job, expected_status=before) and result is not None:
                    files.append(result)
            uow.commit()
        # After the commit: a job is never shown as done with its file already gone.
        for result in files:
            try:
                self.storage.backend(result.backend).delete(result.key)
            except FileNotFoundError:
                pass
        return len(files)
