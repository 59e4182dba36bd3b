"""``JOBS_BACKEND=saq`` on both databases and the Redis on 127.0.0.1: the web side pushes the
job's id to SAQ, a SAQ worker claims it in the table and runs it; a job whose worker was killed
(claimed, then no more heartbeats) is handed to SAQ again and finished; Redis down loses no job."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import Callable

import pytest
from dependency_injector import providers

from shared.jobs.adapters.saq_backend import SaqQueue, SaqWorker
from shared.jobs.domain import JobStatus
from tests.integration.excedentes.support import YEAR
from tests.integration.test_session_stores import REDIS_URL, _redis_or_skip


@pytest.fixture
def saq(container):
    """A SAQ queue of this test alone (its own name in the shared Redis)."""
    _redis_or_skip()
    name = f"test-jobs-{uuid.uuid4().hex[:8]}"
    queue = SaqQueue(REDIS_URL, name=name, lease_seconds=60)
    container.job_queue.override(providers.Object(queue))
    worker = SaqWorker(container.jobs_worker(), container.claim_job(), container.queued_jobs(),
                       REDIS_URL, name=name, lease_seconds=60, housekeeping_seconds=0.2)
    yield queue, worker
    container.job_queue.reset_override()


def _serve_until(worker: SaqWorker, done: Callable[[], bool], seconds: float = 30) -> None:
    async def main() -> None:
        serving = asyncio.create_task(worker.serve())
        deadline = time.monotonic() + seconds
        try:
            while not await asyncio.to_thread(done):
                assert not serving.done(), serving.exception()
                assert time.monotonic() < deadline, "the SAQ worker did not run the job"
                await asyncio.sleep(0.1)
        finally:
            worker.stop()
            await asyncio.wait_for(serving, 10)

    asyncio.run(main())


def test_a_job_started_on_the_web_is_run_by_the_saq_worker(container, users, saq):
    queue, worker = saq
    coord = users["coord_ss"]
    view = container.start_job()(coord, "institution-export", {"period": YEAR, "institution": "SS"})
    assert queue.push(view.id) is False  # SAQ holds it already: pushing again is a no-op
    _serve_until(worker, lambda: container.get_job()(coord, view.id).status is JobStatus.DONE)
    done = container.get_job()(coord, view.id)
    assert done.progress == 100 and done.attempts == 1
    opened = container.open_job_result()(coord, view.id)
    with opened.stream as fh:
        assert fh.read(2) == b"PK"  # an xlsx (zip)
    assert worker.run_job(view.id) == "skipped"  # a late second delivery does nothing


def test_a_job_whose_worker_was_killed_is_handed_out_again_and_finished(container, users, saq,
                                                                        clock):
    _, worker = saq
    admin = users["admin_jobs"]
    view = container.start_job()(admin, "national-export", {"period": YEAR})
    held = container.claim_job()("killed:1:0", view.id)  # ... then kill -9: no more heartbeats
    assert held is not None
    assert worker.run_job(view.id) == "skipped"  # SAQ's delivery: a live lease, not ours
    clock.advance(timedelta(minutes=5))  # the lease runs out
    _serve_until(worker, lambda: container.get_job()(admin, view.id).status is JobStatus.DONE)
    done = container.get_job()(admin, view.id)
    assert done.attempts == 2 and done.progress == 100


def test_redis_down_loses_no_job_and_health_says_so(container, users, client):
    _redis_or_skip()
    down = SaqQueue("redis://127.0.0.1:1/0", timeout=1.0)
    container.job_queue.override(providers.Object(down))
    try:
        coord = users["coord_ss"]
        view = container.start_job()(coord, "institution-export",
                                     {"period": YEAR, "institution": "SS"})
        # committed as queued: a worker's housekeeping hands it to SAQ once Redis answers
        assert container.get_job()(coord, view.id).status is JobStatus.QUEUED
        assert container.queued_jobs()() == [view.id]
        r = client.get("/health")
        assert r.status_code == 503 and r.json()["jobs"] == "unavailable"
    finally:
        container.job_queue.reset_override()


def test_a_worker_killed_holding_the_saq_delivery_is_swept_and_the_job_finished(container, users,
                                                                                clock):
    """The whole of a ``kill -9``: the dead worker holds SAQ's delivery (active, no more
    heartbeats) and the table's lease. SAQ's sweep hands the delivery out again once its
    heartbeat is overdue; the table's housekeeping requeues the job; a live worker runs it."""
    from saq import Queue

    _redis_or_skip()
    name = f"test-jobs-{uuid.uuid4().hex[:8]}"
    queue = SaqQueue(REDIS_URL, name=name, lease_seconds=1)
    container.job_queue.override(providers.Object(queue))
    try:
        admin = users["admin_jobs"]
        view = container.start_job()(admin, "national-export", {"period": YEAR})

        async def take() -> None:  # what the worker did before it was killed
            dead = Queue.from_url(REDIS_URL, name=name)
            await dead.connect()
            taken = await dead.dequeue(timeout=5)
            assert taken is not None and taken.kwargs == {"job_id": view.id}
            await dead.disconnect()

        asyncio.run(take())
        assert container.claim_job()("killed:1:0", view.id) is not None
        clock.advance(timedelta(minutes=5))  # the table's lease runs out too
        worker = SaqWorker(container.jobs_worker(), container.claim_job(),
                           container.queued_jobs(), REDIS_URL, name=name, lease_seconds=1,
                           housekeeping_seconds=0.2)
        _serve_until(worker, lambda: container.get_job()(admin, view.id).status
                     is JobStatus.DONE, seconds=40)
        assert container.get_job()(admin, view.id).attempts == 2
    finally:
        container.job_queue.reset_override()
