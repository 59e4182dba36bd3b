"""In-memory fakes of the sanece write side (no database), so that the use cases' rules are
tested alone.

``FakeStore`` is the "database" and ``FakeStore.uow()`` a transaction on a copy of it
(``tests.unit.in_memory``): a refused use case leaves the store as it was. The repositories keep the contracts of ``sanece.application.ports`` that
the use cases rely on: entities are handed out as copies (a change counts only once written),
folios and patients are written only if still at the version they were loaded with (or the
``expected_version`` given), also against what another unit of work committed meanwhile, and
``hold`` refuses a record that moved on; at most one pending request of a type per target; a
request is decided only once. Other writes do not interleave: a commit publishes the whole
copy (the tests run one use case at a time).
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any, Callable, ClassVar, Sequence

import attrs

from sanece.application.access import Actor
from sanece.domain.feedback import Feedback
from sanece.domain.model import Folio, MedicalUnit, Medicine, Ooad, Patient
from sanece.domain.requests import ChangeRequest, next_expiry
from sanece.domain.values import DrugKey, DrugQuantity, RequestStatus
from shared.audit.domain import AuditEntry
from shared.kernel.errors import Conflict
from shared.kernel.scope import Role, Scope
from sanece.domain.decisions import DecisionReason
from tests.unit.in_memory import InMemoryAudit, InMemoryStore, InMemoryUnitOfWork
from shared.kernel.text import search_key

CHANGED_MEANWHILE = "changed meanwhile"  # the SQL adapter's wording is not under test here
ALREADY_PENDING = "already pending"


@attrs.define
class State:
    """Everything committed; a unit of work changes a deep copy of it."""

    ooads: dict[int, Ooad] = attrs.Factory(dict)
    units: dict[int, MedicalUnit] = attrs.Factory(dict)
    medicines: dict[int, Medicine] = attrs.Factory(dict)
    patients: dict[int, Patient] = attrs.Factory(dict)
    folios: dict[str, Folio] = attrs.Factory(dict)
    requests: dict[int, ChangeRequest] = attrs.Factory(dict)
    undone: dict[int, tuple[str, datetime]] = attrs.Factory(dict)
    feedback: dict[int, Feedback] = attrs.Factory(dict)
    reasons: dict[str, DecisionReason] = attrs.Factory(dict)
    audit: list[AuditEntry] = attrs.Factory(list)
    next_id: int = 100

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


# --------------------------------------------------------------------------- repositories


@attrs.define
class _Named:
    """A table of named things (OOADs, units, genéricos): by id, by name ignoring case,
    accents and spacing (within ``fields``), and new ones with the next id."""

    s: State
    table: ClassVar[str]
    entity_class: ClassVar[type]

    def _rows(self) -> dict[int, Any]:
        return getattr(self.s, self.table)

    def get(self, entity_id: int) -> Any:
        return self._rows().get(entity_id)

    def _find(self, name: str, **fields: Any) -> Any:
        return next((e for e in self._rows().values() if search_key(e.name) == search_key(name)
                     and all(getattr(e, k) == v for k, v in fields.items())), None)

    def _add(self, **fields: Any) -> Any:
        entity = self.entity_class(id=self.s.new_id(), **fields)
        self._rows()[entity.id] = entity
        return entity

    def find(self, name: str) -> Any:
        return self._find(name)

    def add(self, name: str) -> Any:
        return self._add(name=name)


class FakeOoads(_Named):
    table, entity_class = "ooads", Ooad


class FakeUnits(_Named):
    table, entity_class = "units", MedicalUnit

    def find(self, ooad_id: int, name: str) -> MedicalUnit | None:  # type: ignore[override]
        return self._find(name, ooad_id=ooad_id)

    def add(self, ooad_id: int, name: str) -> MedicalUnit:  # type: ignore[override]
        return self._add(ooad_id=ooad_id, name=name)


class FakeMedicines(_Named):
    table, entity_class = "medicines", Medicine

    def owner_of_key(self, code: str) -> int | None:
        return next((m.id for m in self.s.medicines.values() if m.has_key(code)), None)

    def add_key(self, medicine_id: int, key: DrugKey) -> None:
        assert self.owner_of_key(key.code) is None, "a clave belongs to one genérico"
        m = self.s.medicines[medicine_id]
        self.s.medicines[medicine_id] = attrs.evolve(m, keys=(*m.keys, key))

    def update_key(self, medicine_id: int, key: DrugKey) -> None:
        m = self.s.medicines[medicine_id]
        self.s.medicines[medicine_id] = attrs.evolve(
            m, keys=tuple(key if k.code == key.code else k for k in m.keys))


@attrs.define
class _Versioned:
    """Copies out, compare-and-set in: ``update`` writes only if the entity is still at the
    version it was loaded with here (or at ``expected_version``). "Still" is what another
    transaction may have committed meanwhile (as ``UPDATE … WHERE version = …`` sees it), or
    this unit of work's own write once it made one."""

    s: State
    committed: Callable[[], State]
    loaded: dict[Any, int] = attrs.Factory(dict)
    written: set[Any] = attrs.Factory(set)
    table: ClassVar[str]
    key_field: ClassVar[str]

    def _key(self, entity: Any) -> Any:
        return getattr(entity, self.key_field)

    def _rows(self, state: State) -> dict[Any, Any]:
        return getattr(state, self.table)

    def _current(self, key: Any) -> Any:
        state = self.s if key in self.written else self.committed()
        return self._rows(state).get(key, self._rows(self.s).get(key))

    def _out(self, key: Any) -> Any:
        entity = self._rows(self.s).get(key)
        if entity is None:
            return None
        self.loaded[key] = entity.version
        return copy.deepcopy(entity)

    def _where(self, **fields: Any) -> list[Any]:
        return [self._out(key) for key, e in sorted(self._rows(self.s).items())
                if all(getattr(e, k) == v for k, v in fields.items())]

    def _insert(self, entity: Any) -> None:
        key = self._key(entity)
        assert key not in self._rows(self.s), f"unique {self.table} key"
        self._rows(self.s)[key] = copy.deepcopy(entity)
        self.loaded[key] = entity.version

    def add_many(self, entities: Sequence[Any]) -> None:
        for entity in entities:
            self.add(entity)  # type: ignore[attr-defined]

    def update(self, entity: Any, *, expected_version: int | None = None) -> None:
        key = self._key(entity)
        if key not in self.loaded:
            raise ValueError(f"{key} was not loaded in this unit of work")
        version = self.loaded[key] if expected_version is None else expected_version
        if self._current(key).version != version:
            raise Conflict(CHANGED_MEANWHILE, code="stale_version")
        self._rows(self.s)[key] = copy.deepcopy(entity)
        self.loaded[key] = entity.version
        self.written.add(key)

    def hold(self, key: Any, expected_version: int) -> None:
        stored = self._current(key)
        if stored is None or stored.version != expected_version:
            raise Conflict(CHANGED_MEANWHILE, code="stale_version")


class FakePatients(_Versioned):
    table, key_field = "patients", "id"

    def get(self, patient_id: int, *, for_update: bool = False) -> Patient | None:
        return self._out(int(patient_id))

    def by_nss(self, nss: str) -> Sequence[Patient]:
        return self._where(nss=nss)

    def add(self, patient: Patient) -> Patient:
        patient.id = self.s.new_id()
        self._insert(patient)
        return patient

    def hold(self, patient_id: int, expected_version: int) -> None:
        super().hold(int(patient_id), expected_version)

    def units_of(self, patient_id: int) -> frozenset[int]:
        return frozenset(f.unit_id for f in self.s.folios.values()
                         if f.patient_id == int(patient_id))


class FakeFolios(_Versioned):
    table, key_field = "folios", "number"

    def get(self, number: str, *, for_update: bool = False) -> Folio | None:
        return self._out(number)

    def of_patient(self, patient_id: int, *, for_update: bool = False) -> Sequence[Folio]:
        return self._where(patient_id=int(patient_id))

    def add(self, folio: Folio) -> None:
        self._insert(folio)


def _target(request: ChangeRequest) -> tuple[str, Any]:
    return (request.type.value, request.folio_number or request.patient_id)


@attrs.define
class FakeRequests:
    s: State

    def get(self, request_id: int, *, for_update: bool = False) -> ChangeRequest | None:
        return copy.deepcopy(self.s.requests.get(int(request_id)))

    def for_folio(self, number: str) -> Sequence[ChangeRequest]:
        return [copy.deepcopy(r) for _, r in sorted(self.s.requests.items())
                if r.folio_number == number]

    def for_patient(self, patient_id: int) -> Sequence[ChangeRequest]:
        return [copy.deepcopy(r) for _, r in sorted(self.s.requests.items())
                if r.patient_id == int(patient_id) and r.type.targets_patient]

    def add(self, request: ChangeRequest) -> int:
        # the partial unique index: one pending request of a type per target
        if any(r.status.is_open and _target(r) == _target(request)
               for r in self.s.requests.values()):
            raise Conflict(ALREADY_PENDING, code="request_pending")
        request_id = self.s.new_id()
        self.s.requests[request_id] = attrs.evolve(copy.deepcopy(request), id=request_id)
        return request_id

    def update(self, request: ChangeRequest, previous: RequestStatus = RequestStatus.PENDING
               ) -> None:
        stored = self.s.requests.get(request.id)  # type: ignore[arg-type]
        if stored is None or stored.status is not previous:
            raise Conflict(CHANGED_MEANWHILE)  # decided twice
        self.s.requests[request.id] = copy.deepcopy(request)  # type: ignore[index]

    def awaiting_information(self) -> Sequence[ChangeRequest]:
        return [copy.deepcopy(r) for _, r in sorted(self.s.requests.items())
                if r.status is RequestStatus.INFO_REQUESTED]

    def next_information_expiry(self, days: int) -> datetime | None:
        return next_expiry(self.awaiting_information(), days)

    def record_merge_undo(self, request_id: int, by: str, at: datetime) -> None:
        self.s.undone[int(request_id)] = (by, at)


@attrs.define
class FakeReasons:
    s: State

    def stored(self) -> Sequence[DecisionReason]:
        return [self.s.reasons[c] for c in sorted(self.s.reasons)]

    def save(self, reason: DecisionReason) -> None:
        self.s.reasons[reason.code] = reason

    def record_merge_undo(self, request_id: int, by: str, at: datetime) -> None:
        self.s.undone[int(request_id)] = (by, at)


@attrs.define
class FakeFeedback:
    s: State

    def add(self, feedback: Feedback) -> int:
        feedback_id = self.s.new_id()
        self.s.feedback[feedback_id] = feedback
        return feedback_id


# --------------------------------------------------------------------------- unit of work


class FakeUnitOfWork(InMemoryUnitOfWork):
    """One transaction on a copy of the store's state (``SaneceUnitOfWork``)."""

    store: "FakeStore"

    def _bind(self, state: State) -> None:
        super()._bind(state)
        self.ooads = FakeOoads(state)
        self.units = FakeUnits(state)
        self.medicines = FakeMedicines(state)
        self.patients = FakePatients(state, self._committed)
        self.folios = FakeFolios(state, self._committed)
        self.requests = FakeRequests(state)
        self.feedback = FakeFeedback(state)
        self.reasons = FakeReasons(state)
        self.audit = InMemoryAudit(state)

    def _committed(self) -> State:
        return self.store.state


class FakeStore(InMemoryStore):
    uow_class = FakeUnitOfWork
    state_class = State
    state: State


# --------------------------------------------------------------------------- a small world

TODAY = date(2026, 3, 10)  # the root ``clock`` fixture's day
CAMPECHE, AGUASCALIENTES = 1, 2
UNIT_A, UNIT_B, UNIT_C = 11, 12, 13  # A and C in CAMPECHE, B in AGUASCALIENTES
CERTOLIZUMAB = 21
NSS = "1111111111"
P_MAIN, P_DUP, P_B = 31, 32, 33  # P_DUP shares P_MAIN's NSS (a homologación candidate)
F_VALID, F_PENDING, F_OLD, F_DUP, F_B = (
    "20251015001", "20260301002", "20250101003", "20251101011", "20251105004")
DIRECTOR_A = Actor.director("director.a", UNIT_A)
DIRECTOR_B = Actor.director("director.b", UNIT_B)
REVISOR = Actor.revisor("revisor")
EVALUADOR = Actor.evaluador("evaluador")
ADMIN = Actor.admin("admin")
EXCEDENTES = Actor("coordinador.ss", Scope(Role.COORDINADOR, "SS"))


def _validated(number: str, patient_id: int, unit_id: int, medicine: Medicine) -> Folio:
    folio = Folio(number=number, medicine_id=medicine.id, unit_id=unit_id,
                  patient_id=patient_id, diagnosis="ARTRITIS REUMATOIDE",
                  evaluation_date=date(int(number[:4]), int(number[4:6]), int(number[6:8])))
    folio.register_validated(medicine=medicine, period_months=12,
                             key1=DrugQuantity(medicine.keys[0].code, 12),
                             requirement="Dosis 400 mg al mes.", today=folio.evaluation_date)
    return folio


@attrs.frozen
class World:
    """A committed store: CAMPECHE (units A and C) and AGUASCALIENTES (unit B); one genérico;
    in unit A a vigente Validada folio and a Pendiente one of the main patient, a Pendiente
    folio of 2026-01-01 and a Validada folio of a second record with the same NSS; in unit B
    one Validada folio of another patient."""

    store: FakeStore

    def uow(self) -> FakeUnitOfWork:
        return self.store.uow()

    @property
    def state(self) -> State:
        return self.store.state


def small_world() -> World:
    store = FakeStore()
    s = store.state
    s.ooads.update({CAMPECHE: Ooad(id=CAMPECHE, name="CAMPECHE"),
                    AGUASCALIENTES: Ooad(id=AGUASCALIENTES, name="AGUASCALIENTES")})
    s.units.update({UNIT_A: MedicalUnit(id=UNIT_A, ooad_id=CAMPECHE, name="H Gral Zona MF 4"),
                    UNIT_B: MedicalUnit(id=UNIT_B, ooad_id=AGUASCALIENTES, name="H Gral Zona 3"),
                    UNIT_C: MedicalUnit(id=UNIT_C, ooad_id=CAMPECHE, name="HGZ 12")})
    medicine = Medicine(id=CERTOLIZUMAB, name="CERTOLIZUMAB PEGOL",
                        keys=(DrugKey("5795", "Certolizumab pegol ampula 200 mg"),
                              DrugKey("5796", "Certolizumab pegol jeringa")))
    s.medicines[medicine.id] = medicine
    for pid, nss, aggregate, given in ((P_MAIN, NSS, "1F1980OR", "ANA"),
                                       (P_DUP, NSS, "1F1980PE", "ANA MARIA"),
                                       (P_B, "2222222222", "1M1975OR", "LUIS")):
        s.patients[pid] = Patient(id=pid, nss=nss, aggregate=aggregate,
                                  paternal_surname="PEREZ", maternal_surname="LOPEZ",
                                  given_names=given)
    for folio in (_validated(F_VALID, P_MAIN, UNIT_A, medicine),
                  _validated(F_DUP, P_DUP, UNIT_A, medicine),
                  _validated(F_B, P_B, UNIT_B, medicine)):
        s.folios[folio.number] = folio
    for number, evaluated in ((F_PENDING, date(2026, 3, 1)), (F_OLD, date(2025, 1, 1))):
        s.folios[number] = Folio(number=number, medicine_id=medicine.id, unit_id=UNIT_A,
                                 patient_id=P_MAIN, evaluation_date=evaluated,
                                 diagnosis="ARTRITIS REUMATOIDE")
    return World(store)
