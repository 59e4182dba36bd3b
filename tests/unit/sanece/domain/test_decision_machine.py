"""The request state machine with every decision (issue 16), as a hypothesis stateful test:
requirement changes are filed on a few folios; reviewers approve (as requested or with a
modified quantity), reject or pend them with coded reasons; directors answer with new
attachments or cancel; time passes and unanswered requests expire. A model of what each
request's status must be is kept beside the real ones; every refused step changes nothing."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shared.kernel.errors import DomainError

from sanece.domain.decisions import DEFAULT_REASONS, EXPIRY_REASON
from sanece.domain.model import Folio
from sanece.domain.requests import (
    ChangeRequest,
    answer,
    approve,
    cancel,
    expire,
    file_requirement_change,
    pend,
    reject,
)
from sanece.domain.values import DrugQuantity, RequestStatus

from .factories import CERTOLIZUMAB, JPEG, NOW, PDF, PNG, TODAY, validated_folio

CODES = tuple(code for code, _ in DEFAULT_REASONS)
EXPIRY_DAYS = 10
FILES = [[], [PDF], [PDF, PNG], [PDF, PNG, JPEG], [PDF, PNG, JPEG, PDF]]
S = RequestStatus
OPEN = (S.PENDING, S.INFO_REQUESTED)


class DecisionMachine(RuleBasedStateMachine):
    @initialize()
    def build(self) -> None:
        self.now = NOW
        self.folios: dict[str, Folio] = {
            n: validated_folio(n) for n in ("20250414214", "20250414215", "20250414216")}
        self.requests: list[ChangeRequest] = []
        self.expected: list[S] = []  # the model: each request's status
        self.filed_at: list[Any] = []
        self.quantity: dict[str, int] = {n: 12 for n in self.folios}  # the folio's clave 1

    def _try(self, i: int, action: Any) -> bool:
        """Run ``action`` on request ``i``; a refusal must leave it and its folio intact."""
        r = self.requests[i]
        before = copy.deepcopy((r, self.folios[str(r.folio_number)]))
        try:
            action(r)
        except DomainError:
            assert (r, self.folios[str(r.folio_number)]) == before
            return False
        return True

    def _pick(self, data: int) -> int | None:
        return data % len(self.requests) if self.requests else None

    @rule(folio=st.sampled_from(["20250414214", "20250414215", "20250414216"]),
          quantity=st.integers(1, 30))
    def file(self, folio: str, quantity: int) -> None:
        existing = [r for r in self.requests if r.folio_number == folio]
        open_before = any(r.status in OPEN for r in existing)
        try:
            r = file_requirement_change(
                self.folios[folio], CERTOLIZUMAB, key1=DrugQuantity("5795", quantity),
                requirement="Dosis ajustada", motive="Ajuste de dosis", detail="Indicación",
                attachments=[PDF], existing=existing, today=TODAY, filed_by="director",
                filed_at=self.now)
        except DomainError:
            # one open request per folio; or nothing to change
            assert open_before or quantity == self.quantity[folio]
            return
        assert not open_before
        r.id = len(self.requests) + 1
        self.requests.append(r)
        self.expected.append(S.PENDING)
        self.filed_at.append(self.now)

    @rule(i=st.integers(0, 99), modified=st.one_of(st.none(), st.integers(1, 30)))
    def approve(self, i: int, modified: int | None) -> None:
        k = self._pick(i)
        if k is None:
            return
        mods = {"quantity1": modified} if modified is not None else None
        folio = self.folios[str(self.requests[k].folio_number)]
        done = self._try(k, lambda r: approve(r, today=TODAY, now=self.now, reviewer="rev",
                                              modifications=mods, folio=folio,
                                              medicine=CERTOLIZUMAB))
        assert done == (self.expected[k] is S.PENDING and self._unchanged(k))
        if done:
            r = self.requests[k]
            self.expected[k] = S.APPROVED
            self.quantity[folio.number] = r.applied_payload.key1.quantity
            assert r.modified == (modified is not None
                                  and modified != r.payload.key1.quantity)

    def _unchanged(self, k: int) -> bool:
        r = self.requests[k]
        return self.quantity[str(r.folio_number)] == r.snapshot["quantity1"]

    @rule(i=st.integers(0, 99), code=st.sampled_from(CODES + ("NO-EXISTE",)),
          text=st.sampled_from(["", "Falta la receta"]))
    def reject(self, i: int, code: str, text: str) -> None:
        k = self._pick(i)
        if k is None:
            return
        done = self._try(k, lambda r: reject(r, reason_code=code, reason=text,
                                             active_codes=CODES, now=self.now, reviewer="rev"))
        valid_reason = code in CODES and (code != "OTRO" or text)
        assert done == (self.expected[k] is S.PENDING and bool(valid_reason))
        if done:
            self.expected[k] = S.REJECTED

    @rule(i=st.integers(0, 99), code=st.sampled_from(CODES),
          missing=st.sampled_from(["", "Falta el resumen clínico"]))
    def pend(self, i: int, code: str, missing: str) -> None:
        k = self._pick(i)
        if k is None:
            return
        done = self._try(k, lambda r: pend(r, reason_code=code, active_codes=CODES,
                                           missing=missing, now=self.now, reviewer="rev"))
        assert done == (self.expected[k] is S.PENDING and bool(missing))
        if done:
            self.expected[k] = S.INFO_REQUESTED

    @rule(i=st.integers(0, 99), files=st.sampled_from(FILES),
          note=st.sampled_from(["", "Se adjunta el resumen"]))
    def answer(self, i: int, files: list[Any], note: str) -> None:
        k = self._pick(i)
        if k is None:
            return
        done = self._try(k, lambda r: answer(r, note=note, attachments=files, now=self.now,
                                             director="director"))
        assert done == (self.expected[k] is S.INFO_REQUESTED and bool(note)
                        and 1 <= len(files) <= 3)
        if done:
            self.expected[k] = S.PENDING

    @rule(i=st.integers(0, 99))
    def cancel(self, i: int) -> None:
        k = self._pick(i)
        if k is None:
            return
        done = self._try(k, lambda r: cancel(r, reason_code="YA-NO-APLICA", active_codes=CODES,
                                             now=self.now, director="director"))
        assert done == (self.expected[k] in OPEN)
        if done:
            self.expected[k] = S.CANCELLED

    @rule(days=st.integers(1, 6))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule()
    def expiry_run(self) -> None:
        for k, r in enumerate(self.requests):
            deadline = r.expires_at(EXPIRY_DAYS)
            if deadline is not None and self.now >= deadline:
                expire(r, reason_code=EXPIRY_REASON, text="Sin respuesta", days=EXPIRY_DAYS,
                       now=self.now)
                self.expected[k] = S.EXPIRED
                assert r.decided_by == "sistema"

    @invariant()
    def statuses_follow_the_model(self) -> None:
        for r, status, filed in zip(self.requests, self.expected, self.filed_at):
            assert r.status is status
            assert r.filed_at == filed  # an answer keeps the filing date
            assert (r.open_round is not None) == (status is S.INFO_REQUESTED)
            if status is S.INFO_REQUESTED:
                assert r.expires_at(EXPIRY_DAYS) > r.open_round.requested_at
            if status in (S.REJECTED, S.INFO_REQUESTED, S.CANCELLED, S.EXPIRED):
                assert r.reason_code in CODES  # every negative or pending decision is coded
            if status in OPEN:
                assert r.decided_at is None and r.outcome is None
            else:
                assert r.decided_at is not None
            # the filing's attachments first, then each answer's
            assert r.all_attachments[:1] == (PDF,)

    @invariant()
    def one_open_request_per_folio(self) -> None:
        for number in self.folios:
            assert sum(1 for r, s in zip(self.requests, self.expected)
                       if r.folio_number == number and s in OPEN) <= 1

    @invariant()
    def folios_hold_what_was_authorized(self) -> None:
        for number, folio in self.folios.items():
            assert folio.key1 is not None and folio.key1.quantity == self.quantity[number]


DecisionMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestDecisionMachine = DecisionMachine.TestCase
