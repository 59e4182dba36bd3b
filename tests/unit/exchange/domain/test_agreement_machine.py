"""The agreement state machine under hypothesis: random sequences of actions by random actors
on random days. Only the transitions of ``TRANSITIONS`` succeed, and only for the side that
may take them; what is served never exceeds what is agreed; an outsider never changes
anything; nothing of an accepted agreement changes except through a transition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from exchange.domain.agreements import (
    TRANSITIONS,
    Acting,
    Agreement,
    AgreementSide,
    AgreementStatus,
    Modality,
    Month,
    PartyRef,
    Terms,
    months_between,
)
from shared.kernel.errors import PermissionDenied, ValidationError

REQ = PartyRef("IMSS", "MC-OTE", "MCIMS000011")
PROV = PartyRef("SS", "MC", "MCSSA000101")
SAME_INST = PartyRef("IMSS", "NL", "NLIMS000035")
ACTORS = {"requesting": Acting("IMSS"), "providing": Acting("SS"), "admin": Acting(None),
          "outsider": Acting("ISSSTE")}
DAY0 = date(2026, 3, 10)

actors = st.sampled_from(sorted(ACTORS))
codes = st.sampled_from(["CAPACIDAD", "COSTO", ""])
texts = st.sampled_from(["Sin personal", ""])


def _terms(start_offset: int, days: int, patients: int) -> Terms:
    start = DAY0 + timedelta(days=start_offset)
    return Terms(patients, start, start + timedelta(days=days))


class AgreementMachine(RuleBasedStateMachine):
    @initialize(start=st.integers(-40, 60), days=st.integers(0, 400),
                patients=st.integers(1, 20), provider=st.sampled_from([PROV, SAME_INST]))
    def propose(self, start: int, days: int, patients: int, provider: PartyRef) -> None:
        self.today = DAY0
        terms = _terms(start, days, patients)
        assume(terms.end >= DAY0)
        self.a = Agreement.propose(ACTORS["requesting"], REQ, provider, "Conducto radicular",
                                   Modality.AMBULATORY, terms, DAY0)
        self.provider_actor = Acting(provider.institution)
        self.frozen_terms: Terms | None = None

    def _try(self, action, allowed_status: set[AgreementStatus], who: Acting,
             side: AgreementSide | None) -> None:
        before = self.a
        sides = before.sides_of(who)
        try:
            after = action()
        except PermissionDenied:
            assert not sides or (side is not None and side not in sides)
            assert self.a is before
            return
        except ValidationError:
            assert self.a is before
            return
        # Succeeded: the actor is on the right side and the status allowed it.
        assert sides and (side is None or side in sides)
        assert before.status in allowed_status
        assert after.status == before.status or after.status in TRANSITIONS[before.status]
        self.a = after

    @rule(who=actors, patients=st.integers(0, 25), shift=st.integers(-10, 10))
    def accept(self, who: str, patients: int, shift: int) -> None:
        p = self.a.proposed
        start = p.start + timedelta(days=shift)
        self._try(lambda: self.a.accept(ACTORS[who], patients or None, start, None),
                  {AgreementStatus.PROPOSED}, ACTORS[who], AgreementSide.PROVIDING)
        if self.a.status is AgreementStatus.ACCEPTED and self.frozen_terms is None:
            self.frozen_terms = self.a.terms
            assert self.a.terms.patients <= p.patients

    @rule(who=actors, code=codes, text=texts)
    def decline(self, who: str, code: str, text: str) -> None:
        self._try(lambda: self.a.decline(ACTORS[who], code, text), {AgreementStatus.PROPOSED},
                  ACTORS[who], AgreementSide.PROVIDING)
        if self.a.status is AgreementStatus.DECLINED:
            assert self.a.decision is not None and self.a.decision.code and self.a.decision.text

    @rule(who=actors, code=codes, text=texts)
    def cancel(self, who: str, code: str, text: str) -> None:
        self._try(lambda: self.a.cancel(ACTORS[who], code, text),
                  {AgreementStatus.ACCEPTED, AgreementStatus.ACTIVE}, ACTORS[who], None)

    @rule(days=st.integers(1, 120))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)
        before = self.a.status
        self.a, done = self.a.advance(self.today)
        for t in done:
            assert t.after in TRANSITIONS[t.before]
        if done:
            assert done[0].before is before

    @rule(who=actors, back=st.integers(0, 14), served=st.integers(-1, 25), reason=texts)
    def deliver(self, who: str, back: int, served: int, reason: str) -> None:
        month = Month.of(self.today).plus(-back)
        self._try(lambda: self.a.deliver(ACTORS[who], month, served, reason, self.today),
                  {AgreementStatus.ACTIVE}, ACTORS[who], AgreementSide.PROVIDING)

    @invariant()
    def served_never_exceeds_agreed(self) -> None:
        for d in self.a.deliveries:
            assert 0 <= d.served <= self.a.terms.patients
            assert d.served == self.a.terms.patients or d.reason
            assert d.month in months_between(self.a.terms.start, self.a.terms.end)

    @invariant()
    def accepted_terms_never_change(self) -> None:
        if self.frozen_terms is not None:
            assert self.a.terms == self.frozen_terms
        if self.a.deliveries:
            assert self.a.status in (AgreementStatus.ACTIVE, AgreementStatus.CONCLUDED,
                                     AgreementStatus.CANCELLED)


AgreementMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much])
TestAgreementMachine = AgreementMachine.TestCase


def test_the_transition_table_is_closed() -> None:
    for source, targets in TRANSITIONS.items():
        if source.final:
            assert not targets
        for target in targets:
            assert target is not AgreementStatus.PROPOSED


@pytest.mark.parametrize("text", ["2026-13", "26-01", "marzo", ""])
def test_bad_months(text: str) -> None:
    with pytest.raises(ValidationError):
        Month.parse(text)
