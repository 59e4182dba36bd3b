"""The job state machine: every sequence of steps keeps the invariants, and each transition
is allowed only from its states (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from shared.jobs.domain import (
    CANCELLED,
    WORKER_LOST,
    Job,
    JobResult,
    JobStateError,
    JobStatus,
    format_eta,
)
from shared.kernel.errors import ValidationError

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=60)
KEEP = timedelta(days=7)
RESULT = JobResult("local", "jobs/x/v1", "a.xlsx", "application/octet-stream", 10)


def new_job(max_attempts: int = 3) -> Job:
    return Job("j1", "national-export", 1, "ana", {"period": 2026}, T0, max_attempts=max_attempts)


class JobMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.max_attempts = 3
        self.job = new_job(self.max_attempts)
        self.now = T0
        self.last_progress = 0

    def _try(self, step, allowed: set[JobStatus]) -> None:  # type: ignore[no-untyped-def]
        before = self.job.status
        if before in allowed:
            step()
        else:
            with pytest.raises(JobStateError):
                step()
            assert self.job.status is before  # a refused step changes nothing

    @rule(seconds=st.integers(0, 3 * 86400))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule()
    def start(self) -> None:
        attempts = self.job.attempts
        self._try(lambda: self.job.start("w", self.now, LEASE), {JobStatus.QUEUED})
        if self.job.status is JobStatus.RUNNING and self.job.attempts > attempts:
            self.last_progress = 0

    @rule(p=st.integers(0, 100))
    def report(self, p: int) -> None:
        before = self.job.progress
        self._try(lambda: self.job.report(p, "Escribiendo", self.now, LEASE), {JobStatus.RUNNING})
        if self.job.status is JobStatus.RUNNING:
            assert self.job.progress >= before  # never backwards within an attempt
            assert self.job.lease_until == self.now + LEASE

    @rule()
    def finish(self) -> None:
        self._try(lambda: self.job.finish(RESULT, self.now, KEEP), {JobStatus.RUNNING})

    @rule(retry=st.booleans())
    def fail(self, retry: bool) -> None:
        self._try(lambda: self.job.fail("No se pudo.", self.now, KEEP, retry=retry),
                  {JobStatus.RUNNING})

    @precondition(lambda self: self.job.status is JobStatus.RUNNING)
    @rule()
    def worker_killed(self) -> None:
        # the lease runs out: back in the queue while attempts remain, else failed
        self.now = self.job.lease_until + timedelta(seconds=1)  # type: ignore[operator]
        attempts = self.job.attempts
        self.job.lease_lost(self.now, KEEP)
        if attempts < self.max_attempts:
            assert self.job.status is JobStatus.QUEUED and self.job.worker is None
        else:
            assert self.job.status is JobStatus.FAILED and self.job.error == WORKER_LOST

    @rule()
    def cancel(self) -> None:
        self._try(lambda: self.job.cancel(self.now, KEEP), {JobStatus.QUEUED, JobStatus.RUNNING})
        if self.job.stage == "Cancelado":
            assert self.job.status is JobStatus.FAILED and self.job.error == CANCELLED

    @rule()
    def expire(self) -> None:
        if self.job.is_due_to_expire(self.now):
            self.job.expire(self.now)
            assert self.job.status is JobStatus.EXPIRED and self.job.result is None
        else:
            before = self.job.status
            with pytest.raises(JobStateError):
                self.job.expire(self.now)
            assert self.job.status is before

    @invariant()
    def consistent(self) -> None:
        j = self.job
        assert 0 <= j.progress <= 100
        assert 0 <= j.attempts <= j.max_attempts
        if j.status is JobStatus.RUNNING:
            assert j.worker is not None and j.lease_until is not None and j.progress < 100
        else:
            assert j.worker is None and j.lease_until is None
        if j.status is JobStatus.DONE:
            assert j.result is not None and j.progress == 100 and j.expires_at is not None
        if j.status in (JobStatus.DONE, JobStatus.FAILED):
            assert j.expires_at == j.finished_at + KEEP  # type: ignore[operator]
        if j.status is JobStatus.FAILED:
            assert j.error
        if j.status is not JobStatus.DONE:
            assert j.result is None


JobMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestJobMachine = JobMachine.TestCase


@given(st.integers().filter(lambda n: not 0 <= n <= 100))
def test_progress_out_of_range_is_refused(value: int) -> None:
    job = new_job()
    job.start("w", T0, LEASE)
    with pytest.raises(ValidationError):
        job.report(value, "x", T0, LEASE)


@given(st.integers(1, 99), st.integers(1, 3600))
def test_eta_extrapolates_the_pace(progress: int, elapsed: int) -> None:
    job = new_job()
    job.start("w", T0, LEASE)
    now = T0 + timedelta(seconds=elapsed)
    job.report(progress, "x", now, LEASE)
    eta = job.eta(now)
    assert eta is not None
    assert abs(eta.total_seconds() - elapsed * (100 - progress) / progress) < 1e-3


def test_a_valid_lease_is_not_lost() -> None:
    job = new_job()
    job.start("w", T0, LEASE)
    with pytest.raises(JobStateError):
        job.lease_lost(T0 + timedelta(seconds=30), KEEP)
    assert job.status is JobStatus.RUNNING


def test_a_row_that_breaks_a_rule_is_refused_on_load() -> None:
    with pytest.raises(ValidationError):
        Job("j", "k", 1, "ana", {}, T0, progress=140)
    with pytest.raises(ValidationError):
        Job("j", "k", 1, "ana", {}, T0, max_attempts=0)


def test_eta_labels_in_spanish() -> None:
    assert format_eta(None) == "calculando…"
    assert format_eta(timedelta(seconds=20)) == "menos de un minuto"
    assert format_eta(timedelta(seconds=150)) == "3 min"
    assert format_eta(timedelta(minutes=65)) == "1 h 5 min"
