"""A stateful test of the change-request workflow: directors file requests of every type,
evaluators evaluate, reviewers approve or reject, time passes; after every step the invariants
of the whole world are checked. Every refused step must leave the world untouched."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any, Callable

import attrs
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shared.kernel.errors import DomainError

from sanece.domain.model import Folio, MedicalUnit, Patient
from sanece.domain.requests import (
    ChangeRequest,
    MergePayload,
    PatientDataChange,
    UnitChangePayload,
    approve,
    file_expiry_change,
    file_merge,
    file_patient_data_change,
    file_requirement_change,
    file_unit_change,
    motives_for,
    reject,
)
from sanece.domain.values import (
    DrugQuantity,
    EvaluationStatus,
    ExpiryChangeKind,
    MergeChoice,
    RequestStatus,
)
from sanece.domain.request_types import RequestType

from .factories import CERTOLIZUMAB, JPEG, NOW, PDF, PNG, TODAY, TRASTUZUMAB, patient

UNITS = {1: MedicalUnit(id=1, ooad_id=1, name="H Gral Zona MF 4"),
         2: MedicalUnit(id=2, ooad_id=2, name="H Gral Zona 3"),
         3: MedicalUnit(id=3, ooad_id=1, name="UMF 1")}
MEDICINES = {1: CERTOLIZUMAB, 2: TRASTUZUMAB}
NSS_VALUES = ["1071533138", "1111111111", "2222222222"]
AGGREGATES = ["5M1953PE", "2F1954OR", "6F1954PE", "1F1980OR"]
NAMES = ["PRUEBA", "SANECE", "GOMEZ", "MARIA DEL ROCIO"]
REQUIREMENTS = ["Dosis 400 mg al mes", "Dosis 800 mg al mes", "Una ampolleta cada 21 días"]
PATIENT_FIELDS = ["nss", "aggregate", "paternal_surname", "maternal_surname", "given_names"]
FILES = [[PDF], [PDF, PNG], [PDF, PNG, JPEG], []]

idx = st.integers(0, 1000)


class ChangeRequestWorkflow(RuleBasedStateMachine):
    @initialize()
    def build_world(self) -> None:
        self.today = TODAY
        self.now = NOW
        self.patients: dict[int, Patient] = {
            1: patient(1, "1071533138", "5M1953PE", "PEREZ", "ORTIZ", "MIGUEL ANGEL"),
            2: patient(2, "1071533138", "2F1954OR", "XXX", "GOMEZ", "MARIA DEL ROCIO"),
            3: patient(3, "1071533138", "6F1954PE", "XXX", "GOMEZ", "MARIA DEL ROCIO"),
            4: patient(4, "1111111111", "1F1980OR"),
            5: patient(5, "1111111111", "1F1980PE"),
        }
        self.folios: dict[str, Folio] = {}
        specs = [  # (day, patient, unit, medicine, months or None for Pendiente)
            (date(2025, 1, 10), 1, 1, 1, 6), (date(2025, 2, 3), 2, 1, 2, 12),
            (date(2025, 3, 14), 2, 2, 1, None), (date(2025, 4, 1), 3, 1, 1, 2),
            (date(2025, 4, 14), 4, 3, 2, 6), (date(2025, 4, 14), 5, 2, 1, None),
            (date(2025, 4, 30), 3, 2, 2, 12),
        ]
        for seq, (day, pid, unit, med, months) in enumerate(specs, start=1):
            f = Folio(number=f"{day:%Y%m%d}{seq:03d}", medicine_id=med, evaluation_date=day,
                      unit_id=unit, patient_id=pid, diagnosis="DX")
            if months:
                m = MEDICINES[med]
                f.register_validated(medicine=m, period_months=months,
                                     key1=DrugQuantity(m.keys[0].code, 4), requirement="Dosis",
                                     today=day)
            self.folios[f.number] = f
        self.requests: list[ChangeRequest] = []
        self.decided: dict[int, ChangeRequest] = {}
        self.expected_unit = {n: f.unit_id for n, f in self.folios.items()}
        self.expected_owner = {n: f.patient_id for n, f in self.folios.items()}

    # ---- helpers ---------------------------------------------------------------------------

    def _world(self) -> str:
        # attrs reprs show every field, nested ones included: equal reprs = untouched world
        return repr((self.patients, self.folios, self.requests))

    def _attempt(self, action: Callable[[], Any]) -> Any:
        """Run a domain action; a refusal (domain error) must change nothing at all."""
        before = self._world()
        try:
            return action()
        except DomainError as exc:
            event(f"refused: {exc.log_message}")
            assert self._world() == before, "a refused action changed the world"
            return None

    def _folio(self, i: int) -> Folio:
        return list(self.folios.values())[i % len(self.folios)]

    def _patient(self, i: int) -> Patient:
        return list(self.patients.values())[i % len(self.patients)]

    def _add(self, filed: ChangeRequest | list[ChangeRequest] | None) -> None:
        for r in [filed] if isinstance(filed, ChangeRequest) else (filed or []):
            r.id = len(self.requests) + 1
            assert r.is_pending and r.decided_at is None
            self.requests.append(r)

    def _filing(self) -> dict[str, Any]:
        return {"existing": list(self.requests), "filed_by": "director", "filed_at": self.now}

    # ---- time and evaluation ---------------------------------------------------------------

    @rule(days=st.integers(0, 45))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)
        self.now += timedelta(days=days)

    @rule(i=idx, validated=st.booleans(), months=st.integers(1, 12), qty=st.integers(1, 30))
    def evaluate(self, i: int, validated: bool, months: int, qty: int) -> None:
        f = self._folio(i)
        m = MEDICINES[f.medicine_id]
        if validated:
            self._attempt(lambda: f.register_validated(
                medicine=m, period_months=months, key1=DrugQuantity(m.keys[0].code, qty),
                requirement="Dosis inicial", today=self.today))
        else:
            self._attempt(lambda: f.register_not_validated(observations="Falta resumen"))

    # ---- filing ----------------------------------------------------------------------------

    @rule(i=idx, field=st.sampled_from(PATIENT_FIELDS), j=idx, files=st.sampled_from(FILES[:1] * 3 + FILES[1:]))
    def file_patient_data(self, i: int, field: str, j: int, files: list) -> None:  # type: ignore[type-arg]
        p = self._patient(i)
        pool = {"nss": NSS_VALUES, "aggregate": AGGREGATES}.get(field, NAMES)
        change = PatientDataChange(**{field: pool[j % len(pool)]})
        self._add(self._attempt(lambda: file_patient_data_change(
            p, change, eligibility_proof=files, unit_id=1,
            same_nss=list(self.patients.values()), **self._filing())))

    @rule(n=idx, correct=idx, to_merge=st.sets(st.integers(0, 4)),
          random_choices=st.none() | st.lists(st.sampled_from(list(MergeChoice)), min_size=5,
                                              max_size=5),
          one_file=st.sampled_from([True, True, True, False]))
    def file_merge_request(self, n: int, correct: int, to_merge: set[int],
                           random_choices: list[MergeChoice] | None, one_file: bool) -> None:
        shared = sorted({p.nss for p in self.patients.values()
                         if sum(q.nss == p.nss for q in self.patients.values()) > 1})
        groups = shared if shared and n % 4 else NSS_VALUES  # mostly an NSS with duplicates
        nss = groups[n % len(groups)]
        records = [p for p in self.patients.values() if p.nss == nss]
        if random_choices is None:  # mostly well-formed: one Correcto, some Homologar
            choices = [MergeChoice.MERGE if k in to_merge else MergeChoice.NOT_APPLICABLE
                       for k in range(5)]
            choices[correct % max(1, len(records))] = MergeChoice.CORRECT
        else:
            choices = random_choices
        mapping = {p.id: c for p, c in zip(records, choices)}
        self._add(self._attempt(lambda: file_merge(
            records, mapping, eligibility_proof=[PDF] if one_file else [PDF, PNG],
            **self._filing())))

    @rule(i=idx, kind=st.sampled_from(list(ExpiryChangeKind)), files=st.sampled_from(FILES))
    def file_expiry(self, i: int, kind: ExpiryChangeKind, files: list) -> None:  # type: ignore[type-arg]
        f = self._folio(i)
        motive = motives_for(RequestType.EXPIRY_CHANGE, kind)[i % 3]
        self._add(self._attempt(lambda: file_expiry_change(
            f, kind, motive=motive, detail="Detalle", attachments=files, today=self.today,
            **self._filing())))

    @rule(i=idx, unit=st.sampled_from(sorted(UNITS)))
    def file_unit(self, i: int, unit: int) -> None:
        f = self._folio(i)
        self._add(self._attempt(lambda: file_unit_change(
            f, UNITS[unit], motive="Contrarreferencia", detail="Detalle", attachments=[PDF],
            today=self.today, **self._filing())))

    @rule(i=idx, k=idx, qty=st.integers(1, 30), second=st.booleans(), r=idx)
    def file_requirement(self, i: int, k: int, qty: int, second: bool, r: int) -> None:
        f = self._folio(i)
        m = MEDICINES[f.medicine_id]
        codes = [key.code for key in m.keys] + ["9999"]  # 9999 belongs to no genérico
        key1 = DrugQuantity(codes[k % len(codes)], qty)
        key2 = DrugQuantity(codes[(k + 1) % len(codes)], 1) if second else None
        self._add(self._attempt(lambda: file_requirement_change(
            f, m, key1=key1, key2=key2, requirement=REQUIREMENTS[r % len(REQUIREMENTS)],
            motive="Ajuste de dosis", detail="Detalle", attachments=[PNG], today=self.today,
            **self._filing())))

    # ---- deciding --------------------------------------------------------------------------

    def _pick(self, i: int, pending_only: bool) -> ChangeRequest | None:
        pool = [r for r in self.requests if r.is_pending] if pending_only else self.requests
        return pool[i % len(pool)] if pool else None

    @rule(i=idx, offset=st.integers(-40, 200), cancel_back=st.integers(0, 3),
          pending_only=st.sampled_from([True, True, False]))
    def approve_request(self, i: int, offset: int, cancel_back: int, pending_only: bool) -> None:
        req = self._pick(i, pending_only)
        if req is None:
            return
        kwargs: dict[str, Any] = {"today": self.today, "now": self.now, "reviewer": "revisor"}
        if req.type.targets_patient:
            kwargs["patient"] = self.patients[req.patient_id]  # type: ignore[index]
            if req.type is RequestType.PATIENT_DATA:
                kwargs["same_nss"] = list(self.patients.values())
            if isinstance(req.payload, MergePayload):
                kwargs["correct_patient"] = self.patients[req.payload.correct_patient_id]
                kwargs["patient_folios"] = [f for f in self.folios.values()
                                            if f.patient_id == req.patient_id]
        else:
            f = self.folios[req.folio_number]  # type: ignore[index]
            kwargs["folio"] = f
            kwargs["medicine"] = MEDICINES[f.medicine_id]
            kwargs["new_expiry"] = (f.expiry_date or self.today) + timedelta(days=offset)
            kwargs["cancellation_date"] = self.today - timedelta(days=cancel_back)
        was_pending = req.is_pending
        result = self._attempt(lambda: approve(req, **kwargs))
        if result is None:
            return
        assert was_pending and req.status is RequestStatus.APPROVED
        event(f"approved: {req.type_label}")
        assert req.outcome is not None and req.decided_by == "revisor"
        self._check_applied(req, kwargs)
        self.decided[req.id] = copy.deepcopy(req)  # type: ignore[index]

    def _check_applied(self, req: ChangeRequest, kw: dict[str, Any]) -> None:
        if req.type is RequestType.PATIENT_DATA:
            p = kw["patient"]
            assert all(getattr(p, k) == v for k, v in req.payload.fields().items())
        elif req.type is RequestType.MERGE:
            record, correct = kw["patient"], kw["correct_patient"]
            assert record.merged_into == correct.id and correct.merged_into is None
            for n in req.outcome["moved_folios"]:  # type: ignore[index]
                self.expected_owner[n] = correct.id
        elif req.type is RequestType.EXPIRY_CHANGE:
            f = kw["folio"]
            if req.kind is ExpiryChangeKind.EXTENSION:
                assert f.expiry_date == kw["new_expiry"] and f.status is EvaluationStatus.VALIDATED
                assert f.expiry_date >= self.today
            else:
                assert f.status is EvaluationStatus.CANCELLED
                assert f.cancellation_date == kw["cancellation_date"]
                assert not f.is_in_force(self.today)
        elif req.type is RequestType.UNIT_CHANGE:
            assert isinstance(req.payload, UnitChangePayload)
            self.expected_unit[req.folio_number] = req.payload.destination_unit_id  # type: ignore[index]
        else:
            f = kw["folio"]
            assert f.key1 == req.payload.key1 and f.key2 == req.payload.key2  # type: ignore[union-attr]
            assert kw["medicine"].has_key(f.key1.key)

    @rule(i=idx, blank=st.booleans(), pending_only=st.booleans())
    def reject_request(self, i: int, blank: bool, pending_only: bool) -> None:
        req = self._pick(i, pending_only)
        if req is None:
            return
        was_pending = req.is_pending
        done = self._attempt(lambda: reject(req, reason=" " if blank else "No procede",
                                            now=self.now, reviewer="revisor"))
        if done is None:
            return
        assert was_pending and not blank and req.status is RequestStatus.REJECTED
        self.decided[req.id] = copy.deepcopy(req)  # type: ignore[index]

    # ---- invariants ------------------------------------------------------------------------

    @invariant()
    def folios_live_in_exactly_one_known_unit(self) -> None:
        for n, f in self.folios.items():
            assert f.number == n
            assert f.unit_id in UNITS
            assert f.unit_id == self.expected_unit[n]

    @invariant()
    def merged_patients_have_no_folios(self) -> None:
        for n, f in self.folios.items():
            owner = self.patients[f.patient_id]
            assert owner.merged_into is None, f"folio {n} belongs to merged record {owner.id}"
            assert f.patient_id == self.expected_owner[n]

    @invariant()
    def decided_requests_never_change(self) -> None:
        for r in self.requests:
            if not r.is_pending:
                assert self.decided[r.id] == r  # type: ignore[index]
                assert r.decided_at is not None and r.decided_by
            if r.status is RequestStatus.REJECTED:
                assert r.reason
            if r.status is RequestStatus.APPROVED:
                assert r.outcome is not None

    @invariant()
    def active_records_have_distinct_nss_and_aggregate(self) -> None:
        active = [(p.nss, p.aggregate) for p in self.patients.values() if p.merged_into is None]
        assert len(active) == len(set(active))

    @invariant()
    def at_most_one_pending_request_per_type_and_target(self) -> None:
        keys = [r.target_key for r in self.requests if r.is_pending]
        assert len(keys) == len(set(keys))

    @invariant()
    def entities_still_pass_their_own_validation(self) -> None:
        for f in self.folios.values():
            assert attrs.evolve(f) == f  # the constructor re-runs every rule
            if f.status is EvaluationStatus.VALIDATED:
                assert f.period_months and f.expiry_date and f.key1 and f.requirement
        for p in self.patients.values():
            assert attrs.evolve(p) == p
        for r in self.requests:
            assert attrs.evolve(r) == r


ChangeRequestWorkflow.TestCase.settings = settings(
    max_examples=150, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestChangeRequestWorkflow = ChangeRequestWorkflow.TestCase
