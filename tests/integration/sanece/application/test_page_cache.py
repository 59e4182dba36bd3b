"""Inicio's and the review queue's reads inside a request (``read_scope``), where the process
keeps results per data version (issue 12): the lazy expiry runs no query while nothing can be
due and still expires what is due; a unit's rows are kept under that unit; the ages of kept
rows follow the clock; any commit is seen by the next request. Both databases."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from tests.helpers import SelectsSeen

from sanece.application.use_cases.decisions import PendCommand
from sanece.domain.values import RequestStatus
from shared.adapters.sql.queries import read_scope
from shared.kernel.pagination import PageRequest

from ..support import REVISOR
from .test_requests import cancellation, requirement_change

PAGE = PageRequest(1, 10)


def _expire_in_a_request(san) -> list[int]:
    with read_scope():
        return san.expire_requests()()


def test_the_lazy_expiry_queries_only_when_something_may_be_due(world, container, clock):
    san = world.san
    assert _expire_in_a_request(san) == []  # nothing awaits: "none" is kept
    filed = requirement_change(world).ids[0]
    san.pend_request()(REVISOR, PendCommand(filed, "DOC-INCOMPLETA", "Falta la receta"))
    assert _expire_in_a_request(san) == []  # the pend was a commit: the deadline is read
    clock.advance(timedelta(days=9))
    with SelectsSeen(container.engine()) as seen:
        assert _expire_in_a_request(san) == []
    assert not any("san_requests" in s for s in seen)  # the kept deadline answered
    clock.advance(timedelta(days=1))  # no write in between: time alone makes it due
    assert _expire_in_a_request(san) == [filed]
    assert san.queries().request(REVISOR.scope, filed).row.status is RequestStatus.EXPIRED
    assert _expire_in_a_request(san) == []


def test_inicio_keeps_each_units_rows_apart_and_sees_every_write(world):
    san = world.san
    queries = san.queries()
    a, b = world.director_a.scope, world.director_b.scope
    for _ in range(2):  # the second round is served by the process
        with read_scope():
            own_a = {f.unit_id for f in queries.latest_folios(a, PAGE).items}
            own_b = {f.unit_id for f in queries.latest_folios(b, PAGE).items}
            assert queries.awaiting_information(a) == ()
            assert queries.awaiting_information(b) == ()
        assert own_a == {world.units["A"]} and own_b == {world.units["B"]}
    filed = requirement_change(world).ids[0]
    san.pend_request()(REVISOR, PendCommand(filed, "DOC-INCOMPLETA", "Falta la receta"))
    with read_scope():
        assert [r.id for r in queries.awaiting_information(a)] == [filed]
        assert queries.awaiting_information(b) == ()


def test_kept_queue_rows_get_their_ages_at_the_current_time(world, clock):
    san = world.san
    queries = san.queries()
    filed = cancellation(world).ids[0]
    with read_scope():
        first = {r.id: r for r in queries.review_queue(REVISOR.scope, PAGE).items}[filed]
    clock.advance(timedelta(days=14))  # two calendar weeks, nothing written
    with read_scope():
        later = {r.id: r for r in queries.review_queue(REVISOR.scope, PAGE).items}[filed]
    assert later.age_days == first.age_days + 14
    assert later.business_days >= first.business_days + 9  # ten weekdays, a holiday at most
    assert later.overdue and not first.overdue
