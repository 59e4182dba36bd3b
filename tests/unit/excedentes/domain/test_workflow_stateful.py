"""The whole capture workflow as a state machine: answer / save / clear / finalize / reopen /
upload / window changes and the review by levels (accept / return / revert), with an
independent model and the invariants checked after every step. Every command is also checked
against ``review.decide``: an action succeeds exactly when it is among the allowed actions
(data rules aside: a finalize may still be refused for its data, never allowed-and-locked).
"""

from __future__ import annotations

from datetime import timedelta

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from excedentes.domain.dashboard import (
    ReportState,
    StatusLight,
    dashboard_labels,
    facts_of,
    report_state,
    status_light,
)
from excedentes.domain.dates import format_datetime
from excedentes.domain.errors import CaptureClosed, EntityLocked
from excedentes.domain.model import Answer, EntityReport
from excedentes.domain.records import Record
from excedentes.domain.review import (
    CAPTURISTA,
    COORDINADOR,
    Action,
    ReturnReason,
    ReviewStatus,
    Viewer,
    decide,
)
from excedentes.domain.signed import SignedReportPolicy
from shared.kernel.errors import DomainError

from .strategies import clock, pdf_file, period, unit_records

UNITS = ("BCSSA000001", "BCSSA000002", "BCSSA000003")
ADMIN = Viewer.admin()
REASONS = (ReturnReason("DATOS", "Datos incompletos"),
           ReturnReason("FIRMA", "Falta una firma", active=False), None)
LIMIT = 10_000


class CaptureWorkflow(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = clock()
        self.open_period = period()
        self.report = EntityReport.start("NL", self.open_period)
        self.policy = SignedReportPolicy(LIMIT)
        # the model: what the aggregate should hold
        self.answer: Answer | None = None
        self.records: dict[str, set[Record]] = {u: set() for u in UNITS}
        self.finalized = False
        self.window_open = True
        self.final_version = 0
        self.signed: list[list] = []  # [version, superseded]
        self.accepted = False
        self.returned = False

    # ------------------------------------------------------------- helpers

    @property
    def locked(self) -> bool:
        return self.finalized or not self.window_open or self.accepted

    @property
    def signed_current(self) -> bool:
        return any(not s[1] for s in self.signed)

    def allowed(self, action: Action, viewer: Viewer) -> bool:
        return decide(self.report.state(), viewer, self.clock).allows(action)

    @property
    def has_records(self) -> bool:
        return any(self.records.values())

    def attempt(self, should_pass: bool, action, allowed: bool | None = None):
        """``allowed``: what ``decide`` said before the command; a success it did not allow
        is a bug, and so is a refusal of an action it allowed (when the model agrees)."""
        if allowed is not None:
            assert not should_pass or allowed, "the command passes but decide() forbids it"
        before = attrs.evolve(self.report)
        try:
            result = action()
        except DomainError as exc:
            assert not should_pass, f"refused unexpectedly: {exc.message}"
            assert self.report == before, "a refused command changed the aggregate"
            assert exc.message and "bloqueado" not in exc.message.lower()
            if self.accepted and isinstance(exc, EntityLocked):
                assert exc.message.startswith("La coordinación aceptó el reporte el ")
            elif self.finalized and isinstance(exc, EntityLocked):
                assert exc.message == (
                    f"La entidad finalizó el registro el "
                    f"{format_datetime(self.report.finalized_at)}; solicite la apertura a su "
                    "coordinador.")
            if isinstance(exc, CaptureClosed):
                assert exc.message.startswith("La captura del periodo 2024")
            return None
        assert should_pass, "a command was accepted against the rules"
        return result

    # ------------------------------------------------------------- rules

    @rule(yes=st.booleans())
    def answer(self, yes):
        ok = not self.locked and (yes or not self.has_records)
        assert self.allowed(Action.CAPTURE, CAPTURISTA) == (not self.locked)
        assert not self.allowed(Action.CAPTURE, COORDINADOR)
        if self.attempt(ok, lambda: self.report.set_answer(yes, self.clock),
                        self.allowed(Action.CAPTURE, CAPTURISTA)):
            self.answer = Answer.YES if yes else Answer.NO

    @rule(data=st.data(), unit=st.sampled_from(UNITS),
          extra=st.sets(st.integers(1, 45), max_size=3))
    def save(self, data, unit, extra):
        new = data.draw(unit_records(unit=unit, max_products=4))
        scope = {r.product_id for r in new} | extra
        ok = not self.locked and (not new or self.answer is Answer.YES)
        if self.attempt(ok, lambda: self.report.save_unit_records(unit, scope, new, self.clock)):
            self.records[unit] = {r for r in self.records[unit] if r.product_id not in scope}
            self.records[unit] |= set(new)

    @rule(unit=st.sampled_from(UNITS))
    def clear(self, unit):
        if self.attempt(not self.locked,
                        lambda: self.report.clear_unit_records(unit, self.clock)):
            self.records[unit] = set()

    @rule()
    def finalize(self):
        ok = (not self.locked and self.answer is not None
              and (self.answer is Answer.NO) != self.has_records)
        assert self.allowed(Action.FINALIZE, CAPTURISTA) == ok
        if self.attempt(ok, lambda: self.report.finalize(self.clock, "capturista")):
            self.finalized = True
            self.returned = False
            self.final_version += 1

    @rule(reason=st.sampled_from(["", "   ", "Faltó registrar una unidad"]))
    def reopen(self, reason):
        ok = self.finalized and bool(reason.strip()) and not self.accepted
        assert self.allowed(Action.REOPEN, COORDINADOR) == (self.finalized and not self.accepted)
        if self.attempt(ok, lambda: self.report.reopen(reason, self.clock, "coordinador"),
                        self.allowed(Action.REOPEN, COORDINADOR)):
            self.finalized = False
            for s in self.signed:
                s[1] = True
            assert self.report.current_signed_report is None
            if self.window_open:
                assert self.report.is_editable(self.clock)

    @rule(size=st.sampled_from([0, 1, 500, LIMIT, LIMIT + 1]), pdf=st.booleans())
    def upload(self, size, pdf):
        file = pdf_file(size=size, content_type="application/pdf" if pdf else "image/png")
        may = self.finalized and self.window_open and not self.accepted
        assert self.allowed(Action.UPLOAD_SIGNED, CAPTURISTA) == may
        ok = may and pdf and 0 < size <= LIMIT
        if self.attempt(ok, lambda: self.report.attach_signed_report(
                file, self.policy, self.clock, "capturista"),
                self.allowed(Action.UPLOAD_SIGNED, CAPTURISTA)):
            for s in self.signed:
                s[1] = True
            self.signed.append([len(self.signed) + 1, False])

    @rule()
    def accept(self):
        ok = self.finalized and self.signed_current and not self.accepted
        assert self.allowed(Action.ACCEPT, COORDINADOR) == ok
        assert not self.allowed(Action.ACCEPT, CAPTURISTA)
        if self.attempt(ok, lambda: self.report.accept(self.clock, "coordinador"),
                        self.allowed(Action.ACCEPT, COORDINADOR)):
            self.accepted = True
            # locked for everyone: not even the coordinador nor an admin may capture or reopen
            for viewer in (CAPTURISTA, COORDINADOR, ADMIN):
                left = decide(self.report.state(), viewer, self.clock).allowed_actions
                assert left <= {Action.REVERT_ACCEPTANCE}
                assert (Action.REVERT_ACCEPTANCE in left) == viewer.is_admin

    @rule(reason=st.sampled_from(REASONS), note=st.sampled_from(["", "Revise la unidad 2"]))
    def return_for_correction(self, reason, note):
        may = self.finalized and self.signed_current and not self.accepted
        assert self.allowed(Action.RETURN, COORDINADOR) == may
        ok = may and reason is not None and reason.active
        if self.attempt(ok, lambda: self.report.return_for_correction(
                reason, note, self.clock, "coordinador"),
                self.allowed(Action.RETURN, COORDINADOR)):
            self.finalized = False
            self.returned = True
            for s in self.signed:
                s[1] = True
            assert self.report.signed_reports[-1].superseded_reason.value == "returned"
            decision = decide(self.report.state(), CAPTURISTA, self.clock)
            assert decision.notice and reason.code in decision.notice
            if self.window_open:  # a returned report is editable again by its capturista
                assert decision.allows(Action.CAPTURE)
                assert self.report.is_editable(self.clock)

    @rule(reason=st.sampled_from(["", "  ", "Se aceptó por error"]))
    def revert(self, reason):
        ok = self.accepted and bool(reason.strip())
        assert self.allowed(Action.REVERT_ACCEPTANCE, ADMIN) == self.accepted
        assert not self.allowed(Action.REVERT_ACCEPTANCE, COORDINADOR)
        if self.attempt(ok, lambda: self.report.revert_acceptance(reason, self.clock, "admin"),
                        self.allowed(Action.REVERT_ACCEPTANCE, ADMIN)):
            self.accepted = False

    @rule()
    def close_window(self):
        self.report.period = self.open_period.closed(self.clock)
        self.window_open = False

    @rule()
    def open_window(self):
        self.report.period = self.open_period.opened()
        self.window_open = True

    @rule(minutes=st.integers(1, 60 * 24 * 3))
    def time_passes(self, minutes):
        self.clock.advance(timedelta(minutes=minutes))

    # ------------------------------------------------------------- invariants

    @invariant()
    def matches_the_model(self):
        r = self.report
        assert r.answer is self.answer
        assert set(r.records) == set().union(*self.records.values())
        assert len(r.records) == sum(len(v) for v in self.records.values())
        assert r.is_finalized == self.finalized
        assert r.final_version == self.final_version
        assert [[s.version, s.superseded] for s in r.signed_reports] == self.signed
        assert r.is_accepted == self.accepted
        assert (r.returned is not None) == self.returned

    @invariant()
    def review_status_matches(self):
        status = self.report.state().status
        if self.accepted:
            assert status is ReviewStatus.ACCEPTED
        elif self.finalized:
            assert status is (ReviewStatus.SIGNED if self.signed_current
                              else ReviewStatus.FINALIZED)
        else:
            assert status is (ReviewStatus.RETURNED if self.returned
                              else ReviewStatus.IN_CAPTURE)
        assert facts_of(self.report).review is status
        lock = decide(self.report.state(), CAPTURISTA, self.clock).lock
        assert (lock is None) == (not self.locked)
        if lock is not None:
            assert lock.reason == self.report.lock_reason(self.clock)

    @invariant()
    def records_only_with_answer_si(self):
        if self.report.answer is not Answer.YES:
            assert self.report.records == ()

    @invariant()
    def finalized_means_a_consistent_locked_report(self):
        r = self.report
        if r.is_accepted:
            assert r.lock_reason(self.clock).startswith("La coordinación aceptó el reporte el ")
        elif r.is_finalized:
            assert r.answer is not None
            assert (r.answer is Answer.YES) == bool(r.records)
            assert r.final_fingerprint == r.fingerprint()
            assert r.lock_reason(self.clock).startswith("La entidad finalizó el registro el ")
            assert r.folio == f"IMSS-2024-NL-V{r.final_version}"
        elif not self.window_open:
            assert r.lock_reason(self.clock).startswith("La captura del periodo 2024")
        else:
            assert r.is_editable(self.clock)

    @invariant()
    def at_most_one_current_signed_report_only_when_finalized(self):
        current = [s for s in self.report.signed_reports if not s.superseded]
        assert len(current) <= 1
        if current:
            assert self.report.is_finalized
            assert current[0] is self.report.current_signed_report
        versions = [s.version for s in self.report.signed_reports]
        assert versions == sorted(set(versions))

    @invariant()
    def dashboard_agrees_with_the_aggregate(self):
        facts = facts_of(self.report)
        state, labels, light = report_state(facts), dashboard_labels(facts), status_light(facts)
        fin = self.report.is_finalized
        assert (light is StatusLight.FINALIZED) == fin
        assert (labels.final == "Versión Final") == fin
        assert labels.final == ("Versión Final" if fin else "Finalizar Reporte")
        assert labels.preliminary == ("—" if fin else "Preliminar")
        uploaded = self.report.current_signed_report is not None
        assert labels.upload == (None if not fin else
                                 "Consultar/Modificar" if uploaded else "Subir")
        assert (state is ReportState.NOT_STARTED) == (self.report.answer is None)
        assert (state is ReportState.PRELIMINARY) == (
            not fin and self.report.answer is Answer.YES and not self.report.records)
        assert facts.units_with_records == sum(bool(v) for v in self.records.values())


CaptureWorkflow.TestCase.settings = settings(max_examples=60, stateful_step_count=40,
                                             deadline=None)
TestCaptureWorkflow = CaptureWorkflow.TestCase
