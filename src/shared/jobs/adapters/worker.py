"""The embedded backend's worker: threads in the web process (``sanece-admin serve``) or in a
process of its own (``sanece-admin worker``) that claim queued jobs from the database.

``concurrency`` threads run at most that many heavy jobs at once in this process (default 1,
so that a national export leaves the web threads their share of the CPU). While a job runs, a
heartbeat thread renews its lease every third of it, whether or not the kind reports progress;
a worker killed with ``kill -9`` stops renewing, and any worker's housekeeping puts the job back
in the queue (or fails it once its attempts are spent) once the lease has run out. Housekeeping
has a thread of its own, every half lease (at most 30 s): a worker busy with a long job still
recovers the jobs of a worker that died meanwhile.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Callable

from shared.jobs.application import (
    ClaimJob,
    ExecuteJob,
    ExpireJobs,
    JobAborted,
    RecoverLeases,
    ReportProgress,
    sweep_workspaces,
)
from shared.jobs.domain import Job

log = logging.getLogger("sanece.jobs")

# Set when a job is queued in this process: its worker threads look at once instead of at
# their next poll (other processes' workers find it at theirs).
_WAKE = threading.Event()


class EmbeddedQueue:
    """``JobQueue`` of the embedded backend: the job is already in the table; wake up."""

    def enqueue(self, job: object) -> None:
        _WAKE.set()

    def reachable(self) -> bool:
        return True  # the queue is the database's jobs table (/health checks the database)


class EmbeddedWorker:
    def __init__(self, claim: ClaimJob, execute: ExecuteJob, heartbeat: ReportProgress,
                 recover: RecoverLeases, expire: ExpireJobs, *, concurrency: int = 1,
                 poll_seconds: float = 1.0, housekeeping_seconds: float | None = None,
                 lease_seconds: float = 60.0) -> None:
        self.claim, self.execute, self.heartbeat = claim, execute, heartbeat
        self.recover, self.expire = recover, expire
        self.concurrency = max(1, concurrency)
        self.poll = poll_seconds
        self.error_pause = 10.0
        # A lost lease is noticed at most half a lease after it ran out.
        self.housekeeping_every = (housekeeping_seconds if housekeeping_seconds is not None
                                   else min(30.0, max(0.05, lease_seconds / 2)))
        self.beat_every = max(0.05, lease_seconds / 3)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- one step each (the threads loop on them; tests call them directly) -------------------
    def housekeeping(self) -> None:
        try:
            recovered = self.recover()
            expired = self.expire()
            # this machine's leftovers of attempts whose process died (never a stored file)
            sweep_workspaces(self.execute.tmp_dir)
            if recovered:
                _WAKE.set()  # a requeued job: this process's free slots look at once
            if recovered or expired:
                log.info("jobs: %s requeued or failed after a lost lease, %s expired",
                         recovered, expired)
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("jobs housekeeping failed")

    def run_one(self, slot: int = 0) -> bool:
        """Claim and run one job; False when the queue is empty."""
        job = self.claim(f"{self.name}:{slot}")
        if job is None:
            return False
        self.run_claimed(job)
        return True

    def run_claimed(self, job: Job) -> None:
        """Run a job this worker claimed, renewing its lease while it runs."""
        log.info("job %s (%s) started by %s", job.id, job.kind, job.worker)
        done = threading.Event()
        beat = threading.Thread(target=self._beat, args=(job.id, job.worker, done),
                                name=f"job-heartbeat-{job.id}", daemon=True)
        beat.start()
        try:
            self.execute(job)
        finally:
            done.set()
            beat.join()
        log.info("job %s ended", job.id)

    def _beat(self, job_id: str, worker: str | None, done: threading.Event) -> None:
        assert worker is not None
        while not done.wait(self.beat_every):
            try:
                self.heartbeat(job_id, worker, None, None)
            except JobAborted:
                return
            except Exception:  # noqa: BLE001 - a missed beat; the lease outlives a few
                log.exception("job %s heartbeat failed", job_id)

    # --- the threads --------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        keeper = threading.Thread(target=self._housekeeping_loop, name="jobs-housekeeping",
                                  daemon=True)
        keeper.start()
        self._threads.append(keeper)
        for slot in range(self.concurrency):
            t = threading.Thread(target=self._loop, args=(slot,), name=f"jobs-worker-{slot}",
                                 daemon=True)
            t.start()
            self._threads.append(t)
        log.info("jobs worker %s started (%s thread(s))", self.name, self.concurrency)

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        _WAKE.set()
        for t in self._threads:
            t.join(timeout)
        self._threads = []

    def run_forever(self, on_idle: Callable[[], None] | None = None) -> None:
        """The standalone worker: the threads until interrupted."""
        self.start()
        try:
            while not self._stop.wait(1.0):
                if on_idle:
                    on_idle()
        finally:
            self.stop()

    def _housekeeping_loop(self) -> None:
        # First at once: a worker (re)started after a crash recovers what the crash left.
        while not self._stop.is_set():
            self.housekeeping()
            self._stop.wait(self.housekeeping_every)

    def _loop(self, slot: int) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_one(slot)
            except Exception:  # noqa: BLE001 - e.g. the database restarting: wait and retry
                log.exception("jobs worker step failed")
                self._stop.wait(self.error_pause)  # one log line per pause, not per poll
                continue
            if not ran and not self._stop.is_set():
                _WAKE.wait(self.poll)
                _WAKE.clear()
