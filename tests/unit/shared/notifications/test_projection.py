"""The pure parts of notifications: what each sanece audit action means for whose inbox, the
time-based warnings, the drafts' own rules and the business-day arithmetic (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanece.application.notifications import (
    REQUEST_ACTIONS,
    business_days_before,
    due_drafts,
    event_drafts,
)
from sanece.application.ports import FolioSubject, RequestSubject
from sanece.domain.business_days import is_business_day
from shared.notifications.domain import Audience, Draft, Event, Kind, email_text

AT = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)


class Subjects:
    """The look-ups as plain data (the SQL adapter is tested on both databases)."""

    def __init__(self) -> None:
        self.requests_ = {7: RequestSubject(7, 12, "Cambio de unidad médica", "20251015001",
                                            AT - timedelta(days=20)),
                          8: RequestSubject(8, None, "Homologación de registros", None)}
        self.folios_ = {"20260301002": FolioSubject("20260301002", 12, "Validada",
                                                    date(2026, 4, 1))}

    def requests(self, ids):
        return {i: self.requests_[i] for i in ids if i in self.requests_}

    def folios(self, numbers):
        return {n: self.folios_[n] for n in numbers if n in self.folios_}

    def expiring_folios(self, first, last):
        return [f for f in self.folios_.values() if first <= f.expiry_date <= last]

    def waiting_requests(self, filed_before):
        return [r for r in self.requests_.values() if r.filed_at and r.filed_at < filed_before]


def _event(i: int, action: str, target: str, actor: str = "revisor") -> Event:
    target_type = "sanece_folio" if action == "sanece.folio_evaluated" else "sanece_request"
    return Event(i, AT, actor, action, target_type, target)


@pytest.mark.parametrize("action", sorted(REQUEST_ACTIONS))
def test_every_request_decision_reaches_the_unit_or_the_reviewers(action):
    [draft] = event_drafts([_event(41, action, "7")], Subjects())
    kind, what, to_unit = REQUEST_ACTIONS[action]
    assert draft.kind is kind and draft.key == "audit:41"
    assert draft.title == f"Solicitud 7 (Cambio de unidad médica) del folio 20251015001: {what}"
    assert draft.link == "/sanece/solicitudes/7"
    expected = (Audience("director", "12", exclude="revisor") if to_unit
                else Audience("revisor", exclude="revisor"))
    assert draft.audience == expected


def test_the_new_decisions_are_mapped_before_they_exist():
    for action in ("sanece.request_approved_modified", "sanece.request_pended",
                   "sanece.request_answered", "sanece.request_expired",
                   "sanece.request_cancelled"):
        assert action in REQUEST_ACTIONS
    assert REQUEST_ACTIONS["sanece.request_pended"][0] is Kind.INFO_REQUESTED


def test_evaluations_reach_the_folios_unit_and_other_actions_nobody():
    events = [_event(1, "sanece.folio_evaluated", "20260301002", "evaluador"),
              _event(2, "sanece.request_filed", "7", "director.a"),
              _event(3, "identity.login", "1", "admin"),
              _event(4, "sanece.request_approved", "999"),  # gone: nothing, no error
              _event(5, "sanece.request_approved", "8")]  # no unit: nobody to tell
    [draft] = event_drafts(events, Subjects())
    assert draft.kind is Kind.FOLIO_EVALUATED
    assert draft.audience == Audience("director", "12", exclude="evaluador")
    assert draft.title == "Folio 20260301002 evaluado: Validada"
    assert draft.link == "/sanece/consultar?folio=20260301002"


def test_the_sweep_warns_within_the_horizon_and_past_the_target():
    subjects = Subjects()
    early = due_drafts(AT, date(2026, 2, 1), subjects)
    assert [d.kind for d in early] == []  # 59 days before expiry; filed in the future
    due = due_drafts(AT, date(2026, 3, 10), subjects)
    assert {d.kind for d in due} == {Kind.FOLIO_EXPIRING, Kind.REQUEST_OVERDUE}
    expiring = next(d for d in due if d.kind is Kind.FOLIO_EXPIRING)
    assert expiring.key == "expiring:20260301002:2026-04-01"
    assert expiring.title == "El folio 20260301002 vence el 01/04/2026"
    overdue = next(d for d in due if d.kind is Kind.REQUEST_OVERDUE)
    assert overdue.audience == Audience("revisor") and overdue.key == "overdue:7"


def test_drafts_refuse_links_outside_the_product_and_empty_titles():
    with pytest.raises(ValueError):
        Draft(Audience("director"), Kind.DECISION, "k", "t", "https://evil.example", AT)
    with pytest.raises(ValueError):
        Draft(Audience("director"), Kind.DECISION, "k", "t", "//evil.example/x", AT)
    with pytest.raises(ValueError):
        Draft(Audience("director"), Kind.DECISION, "k", "   ", "/avisos", AT)


def test_the_email_carries_the_title_and_the_link_only():
    subject, body = email_text("Folio 1 evaluado: Validada", "/sanece/consultar?folio=1",
                               "https://sanece.example.org/")
    assert subject == "SAnECE: Folio 1 evaluado: Validada"
    assert "https://sanece.example.org/sanece/consultar?folio=1" in body


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.integers(min_value=0, max_value=40))
def test_business_days_before_counts_the_queues_business_days(day, n):
    # the inbox and the review queue agree on what is overdue: weekdays minus federal holidays
    before = business_days_before(day, n)
    assert before <= day
    between = [before + timedelta(days=i) for i in range((day - before).days)]  # [before, day)
    assert sum(1 for d in between if is_business_day(d)) == n
    assert n == 0 or is_business_day(before)


def test_a_federal_holiday_is_not_a_business_day_for_the_inbox():
    # Monday 16 November 2026 (Revolution Day, observed): Tuesday minus one day is Friday
    assert business_days_before(date(2026, 11, 17), 1) == date(2026, 11, 13)
