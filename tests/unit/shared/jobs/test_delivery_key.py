"""SAQ's key of a job's delivery: the same within an attempt (handing a job over twice is a
no-op), a new one per retry (delivered at once, even while SAQ still holds the delivery of
the worker that died)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.jobs.adapters.saq_backend import delivery_key

IDS = st.text("0123456789abcdef", min_size=24, max_size=24)


def test_the_first_delivery_is_keyed_by_the_jobs_id():
    assert delivery_key("ab" * 12, 0) == "ab" * 12


@given(IDS, IDS, st.integers(0, 20), st.integers(0, 20))
def test_one_key_per_job_and_attempt(a, b, n, m):
    assert (delivery_key(a, n) == delivery_key(b, m)) == (a == b and n == m)
