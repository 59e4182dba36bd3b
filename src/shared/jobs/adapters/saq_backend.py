"""``JOBS_BACKEND=saq``: jobs dispatched through SAQ (Simple Async Queue) on Redis, for
installations with several machines.

The product's jobs table stays the source of truth for status, progress, ownership and
attempts (the pages, the API and the CLI read it as with the embedded backend). SAQ carries the
job's id from the web process that started it to whichever machine's ``sanece-admin worker``
is free, keeps it in Redis while no worker runs (a restart loses nothing), and retries the
delivery when the worker that took it dies before claiming it. The worker claims the job in
the table (the same compare-and-set as the embedded backend), runs it with the same
``ExecuteJob`` and renews both leases (the table's and SAQ's heartbeat) while it runs.

A worker killed with ``kill -9`` mid-job stops renewing: any worker's housekeeping puts the job
back in the table's queue (or fails it once its attempts are spent) and hands the queued jobs to
SAQ again. SAQ's key is the job's id and its attempts so far (``delivery_key``): SAQ ignores a
key it already holds, so handing a job over twice within an attempt is harmless, while a retry
is delivered at once, without waiting for SAQ's sweep to give up on the dead worker's delivery
(which it then hands out too; the claim finds the job no longer queued and skips it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
from typing import Any, Callable, Coroutine, TypeVar

from shared.jobs.application import QueuedJobs
from shared.jobs.domain import Job

log = logging.getLogger("sanece.jobs")

QUEUE_NAME = "sanece-jobs"
TASK = "sanece_job"  # the one SAQ function: run the product's job with this id
T = TypeVar("T")


def delivery_key(job_id: str, attempts: int) -> str:
    """SAQ's key of a job's delivery: its id, then one per retry (a dead worker's delivery may
    still be held by SAQ under the previous key)."""
    return job_id if attempts <= 0 else f"{job_id}:{attempts}"


def _saq_job_options(lease_seconds: int, max_attempts: int) -> dict[str, Any]:
    # No run-time limit (a national export takes what it takes); SAQ counts a job whose worker
    # stopped touching it for a lease as stuck and delivers it again.
    return {"timeout": 0, "heartbeat": max(lease_seconds, 1), "retries": max(max_attempts, 1),
            "retry_delay": 1.0, "ttl": 3600}


class _Loop:
    """An event loop in a thread of its own: SAQ is asyncio, the use cases are not."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="saq-client",
                                 daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)


class SaqQueue:
    """``JobQueue``: push the committed job's id to SAQ (keyed by it: pushing twice is a no-op
    while SAQ holds it)."""

    def __init__(self, redis_url: str, *, lease_seconds: int = 60, max_attempts: int = 3,
                 name: str = QUEUE_NAME, timeout: float = 5.0) -> None:
        self.redis_url, self.name, self.timeout = redis_url, name, timeout
        self.options = _saq_job_options(lease_seconds, max_attempts)
        self._loop = _Loop()
        self._queue: Any = None

    async def _saq(self) -> Any:
        if self._queue is None:  # created in the loop's thread: the client binds to it
            from saq import Queue

            self._queue = Queue.from_url(self.redis_url, name=self.name)
            await self._queue.connect()
        return self._queue

    async def _push(self, job_id: str, attempts: int) -> bool:
        queue = await self._saq()
        return await queue.enqueue(TASK, key=delivery_key(job_id, attempts), job_id=job_id,
                                   **self.options) is not None

    def push(self, job_id: str, attempts: int = 0) -> bool:
        """True when SAQ did not hold this delivery yet."""
        return self._loop.run(self._push(job_id, attempts), self.timeout)

    def enqueue(self, job: Job) -> None:
        try:
            self.push(job.id, job.attempts)
        except Exception:  # noqa: BLE001 - Redis down: the job is committed as queued, and
            # the workers' housekeeping hands it to SAQ once Redis answers again
            log.exception("job %s: could not hand it to SAQ yet", job.id)

    async def _ping(self) -> bool:
        queue = await self._saq()
        return bool(await asyncio.wait_for(queue.redis.ping(), self.timeout))

    def reachable(self) -> bool:
        try:
            return self._loop.run(self._ping(), self.timeout + 1)
        except Exception:  # noqa: BLE001 - refused, timed out: down
            return False


class SaqWorker:
    """``sanece-admin worker`` with ``JOBS_BACKEND=saq``: a SAQ worker whose one function runs
    the product's job of the id it receives. ``runner`` (the embedded worker, its threads not
    started) provides the claim-and-run step and the housekeeping."""

    def __init__(self, runner: Any, claim: Callable[..., Job | None],
                 queued: QueuedJobs, redis_url: str, *, concurrency: int = 1,
                 lease_seconds: int = 60, max_attempts: int = 3,
                 housekeeping_seconds: float = 30.0, name: str = QUEUE_NAME) -> None:
        self.runner, self.claim, self.queued = runner, claim, queued
        self.redis_url, self.queue_name = redis_url, name
        self.concurrency = max(1, concurrency)
        self.options = _saq_job_options(lease_seconds, max_attempts)
        self.beat_every = max(0.05, lease_seconds / 3)
        self.housekeeping_every = housekeeping_seconds
        self.name = f"{runner.name}:saq"
        self._slots = itertools.count()
        # The jobs' own threads, at most ``concurrency`` at once, apart from SAQ's pool.
        self._pool = concurrent.futures.ThreadPoolExecutor(self.concurrency + 1,
                                                           thread_name_prefix="saq-job")
        self._worker: Any = None
        self._stopped = threading.Event()

    # --- one step each (tests call them directly) ---------------------------------------------
    def run_job(self, job_id: str) -> str:
        """Claim the job in the table and run it; what happened, for SAQ's record."""
        job = self.claim(f"{self.name}:{next(self._slots)}", job_id)
        if job is None:  # done, cancelled, or held by a live worker: nothing to do
            return "skipped"
        self.runner.run_claimed(job)
        return "ran"

    def housekeeping(self) -> list[tuple[str, int]]:
        """Lost leases and expiry (the runner's); the queued jobs (id, attempts) to hand to SAQ
        again."""
        self.runner.housekeeping()
        return self.queued.pending()

    # --- SAQ ----------------------------------------------------------------------------------
    async def _task(self, ctx: dict[str, Any], *, job_id: str) -> str:
        loop = asyncio.get_running_loop()
        running = loop.run_in_executor(self._pool, self.run_job, job_id)
        saq_job = ctx.get("job")
        while True:
            done, _ = await asyncio.wait({running}, timeout=self.beat_every)
            if done:
                return running.result()
            if saq_job is not None:
                await saq_job.update()  # SAQ's heartbeat: this worker still holds it

    async def _housekeeping_loop(self, queue: Any) -> None:
        async def push(job_id: str, attempts: int) -> bool:
            return await queue.enqueue(TASK, key=delivery_key(job_id, attempts), job_id=job_id,
                                       **self.options) is not None

        loop = asyncio.get_running_loop()
        while True:
            try:
                pending = await loop.run_in_executor(self._pool, self.housekeeping)
                for job_id, attempts in pending:
                    await push(job_id, attempts)
            except Exception:  # noqa: BLE001 - Redis or the database restarting: next round
                log.exception("jobs housekeeping (saq) failed")
            await asyncio.sleep(self.housekeeping_every)

    async def serve(self) -> None:
        from saq import Queue, Worker

        queue = Queue.from_url(self.redis_url, name=self.queue_name)
        await queue.connect()
        # SAQ's sweep (stuck deliveries) at the pace of the lease, not its 60 s default.
        sweep = max(1, int(self.options["heartbeat"]))
        self._worker = Worker(queue, functions=[(TASK, self._task)], concurrency=self.concurrency,
                              timers={"sweep": sweep}, dequeue_timeout=1.0)
        keeper = asyncio.create_task(self._housekeeping_loop(queue))
        try:
            await self._worker.start()  # until SIGINT/SIGTERM or stop()
        finally:
            keeper.cancel()
            await queue.disconnect()
            self._stopped.set()

    def stop(self) -> None:
        """Ask ``serve`` to end (from its own event loop), as SIGTERM does."""
        if self._worker is not None and self._worker.event is not None:
            self._worker.event.set()

    def run_forever(self) -> None:
        asyncio.run(self.serve())
