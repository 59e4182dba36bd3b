"""Repositories of the sanece write side on one SQLAlchemy ``Session`` (they never commit).

Each maps rows to domain objects explicitly (``mappers``), so the domain's validation re-runs
on load. Folios and patients are versioned: ``update`` writes only if the row still has the
version it was loaded with (``Conflict`` otherwise), on top of the ``FOR UPDATE`` lock that
PostgreSQL takes for ``for_update`` loads (SQLite serializes writers with BEGIN IMMEDIATE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sanece.adapters.sql import tables as t
from sanece.adapters.sql.mappers import (
    decision_values,
    feedback_values,
    folio_from,
    folio_values,
    medicine_from,
    ooad_from,
    patient_from,
    patient_values,
    request_from,
    request_values,
    unit_from,
)
from sanece.domain.feedback import Feedback
from sanece.domain.model import Folio, MedicalUnit, Medicine, Ooad, Patient
from sanece.domain.decisions import DecisionReason
from sanece.domain.requests import ChangeRequest, next_expiry
from sanece.domain.values import RequestStatus
from sanece.domain.request_types import REQUEST_TYPES
from sanece.domain.values import DrugKey
from shared.adapters.sql.queries import request_memo
from shared.kernel.errors import Conflict
from shared.kernel.text import search_key

CHANGED_MEANWHILE = ("Otro usuario modificó el registro mientras se procesaba la operación; "
                     "vuelve a intentarlo con los datos actuales.")
ALREADY_PENDING = ("Ya existe una solicitud del mismo tipo En espera para este registro; espera "
                   "a que sea revisada.")


def _locked(q: sa.Select, for_update: bool) -> sa.Select:
    return q.with_for_update() if for_update else q


class _Repo:
    def __init__(self, session: Session) -> None:
        self.s = session


class SqlOoadRepository(_Repo):
    def get(self, ooad_id: int) -> Ooad | None:
        row = self.s.execute(sa.select(t.ooads).where(t.ooads.c.id == int(ooad_id))).first()
        return ooad_from(row) if row else None

    def find(self, name: str) -> Ooad | None:
        row = self.s.execute(sa.select(t.ooads).where(
            t.ooads.c.search_key == search_key(name))).first()
        return ooad_from(row) if row else None

    def add(self, name: str) -> Ooad:
        clean = " ".join(name.split())
        new_id = self.s.execute(sa.insert(t.ooads).values(
            name=clean, search_key=search_key(clean)).returning(t.ooads.c.id)).scalar_one()
        return Ooad(id=int(new_id), name=clean)


class SqlUnitRepository(_Repo):
    def get(self, unit_id: int) -> MedicalUnit | None:
        row = self.s.execute(sa.select(t.units).where(t.units.c.id == int(unit_id))).first()
        return unit_from(row) if row else None

    def find(self, ooad_id: int, name: str) -> MedicalUnit | None:
        row = self.s.execute(sa.select(t.units).where(
            t.units.c.ooad_id == int(ooad_id), t.units.c.search_key == search_key(name))).first()
        return unit_from(row) if row else None

    def add(self, ooad_id: int, name: str) -> MedicalUnit:
        clean = " ".join(name.split())
        new_id = self.s.execute(sa.insert(t.units).values(
            ooad_id=int(ooad_id), name=clean, search_key=search_key(clean))
            .returning(t.units.c.id)).scalar_one()
        return MedicalUnit(id=int(new_id), ooad_id=int(ooad_id), name=clean)


class SqlMedicineRepository(_Repo):
    def _keys(self, medicine_id: int) -> Sequence[Any]:
        return self.s.execute(sa.select(t.drug_keys).where(
            t.drug_keys.c.medicine_id == medicine_id).order_by(
            t.drug_keys.c.position, t.drug_keys.c.code)).all()

    def _one(self, where: Any) -> Medicine | None:
        row = self.s.execute(sa.select(t.medicines).where(where)).first()
        return medicine_from(row, self._keys(row.id)) if row else None

    def get(self, medicine_id: int) -> Medicine | None:
        return self._one(t.medicines.c.id == int(medicine_id))

    def find(self, name: str) -> Medicine | None:
        return self._one(t.medicines.c.search_key == search_key(name))

    def owner_of_key(self, code: str) -> int | None:
        return self.s.execute(sa.select(t.drug_keys.c.medicine_id).where(
            t.drug_keys.c.code == code)).scalar()

    def add(self, name: str) -> Medicine:
        clean = " ".join(name.split()).upper()
        new_id = self.s.execute(sa.insert(t.medicines).values(
            name=clean, search_key=search_key(clean)).returning(t.medicines.c.id)).scalar_one()
        return Medicine(id=int(new_id), name=clean)

    def add_key(self, medicine_id: int, key: DrugKey) -> None:
        position = self.s.execute(sa.select(sa.func.count()).select_from(t.drug_keys).where(
            t.drug_keys.c.medicine_id == medicine_id)).scalar_one()
        self.s.execute(sa.insert(t.drug_keys).values(
            code=key.code, medicine_id=medicine_id, description=key.description,
            position=int(position) + 1))

    def update_key(self, medicine_id: int, key: DrugKey) -> None:
        self.s.execute(sa.update(t.drug_keys).where(
            t.drug_keys.c.code == key.code, t.drug_keys.c.medicine_id == medicine_id)
            .values(description=key.description))


class _Versioned(_Repo):
    """Remembers the version each entity was loaded with (optimistic lock on update)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._loaded: dict[Any, int] = {}

    def _seen(self, key: Any, version: int) -> None:
        self._loaded[key] = version

    def _update(self, table: sa.Table, pk: Any, key: Any, values: dict[str, Any],
                expected: int | None = None) -> None:
        """Write only if the row still has ``expected`` (the version the user's page was
        drawn from) or, without one, the version loaded here: one atomic statement."""
        if key not in self._loaded:
            raise ValueError(f"{table.name} {key} was not loaded in this unit of work")
        version = self._loaded[key] if expected is None else expected
        result = self.s.execute(sa.update(table).where(
            pk == key, table.c.version == version).values(**values))
        if result.rowcount != 1:
            raise Conflict(CHANGED_MEANWHILE, log_message=f"{table.name} {key}: stale version",
                           code="stale_version")
        self._loaded[key] = values["version"]

    def _hold(self, table: sa.Table, pk: Any, key: Any, expected: int) -> None:
        """Refuse unless the row is still at ``expected``, and keep it there until commit (a
        no-op update: atomic, and a row lock on PostgreSQL) — for a filing that is based on
        the record without changing it."""
        result = self.s.execute(sa.update(table).where(
            pk == key, table.c.version == expected).values(version=table.c.version))
        if result.rowcount != 1:
            raise Conflict(CHANGED_MEANWHILE, log_message=f"{table.name} {key}: stale version",
                           code="stale_version")


class SqlPatientRepository(_Versioned):
    def _load(self, row: Any) -> Patient:
        patient = patient_from(row)
        self._seen(patient.id, patient.version)
        return patient

    def get(self, patient_id: int, *, for_update: bool = False) -> Patient | None:
        row = self.s.execute(_locked(sa.select(t.patients).where(
            t.patients.c.id == int(patient_id)), for_update)).first()
        return self._load(row) if row else None

    def by_nss(self, nss: str) -> Sequence[Patient]:
        rows = self.s.execute(sa.select(t.patients).where(t.patients.c.nss == nss)
                              .order_by(t.patients.c.id)).all()
        return [self._load(r) for r in rows]

    def add(self, patient: Patient) -> Patient:
        values = patient_values(patient)
        new_id = self.s.execute(sa.insert(t.patients).values(**values)
                                .returning(t.patients.c.id)).scalar_one()
        patient.id = int(new_id)
        self._seen(patient.id, patient.version)
        return patient

    def add_many(self, patients: Sequence[Patient]) -> None:
        # One executemany, ids back in the order given: an import's write stays short.
        if not patients:
            return
        result = self.s.execute(sa.insert(t.patients).returning(
            t.patients.c.id, sort_by_parameter_order=True),
            [patient_values(p) for p in patients])
        for patient, new_id in zip(patients, result.scalars()):
            patient.id = int(new_id)
            self._seen(patient.id, patient.version)

    def update(self, patient: Patient, *, expected_version: int | None = None) -> None:
        self._update(t.patients, t.patients.c.id, patient.id, patient_values(patient),
                     expected_version)

    def hold(self, patient_id: int, expected_version: int) -> None:
        self._hold(t.patients, t.patients.c.id, int(patient_id), expected_version)

    def units_of(self, patient_id: int) -> frozenset[int]:
        return frozenset(int(u) for u in self.s.execute(
            sa.select(t.folios.c.unit_id).where(t.folios.c.patient_id == int(patient_id))
            .distinct()).scalars())


class SqlFolioRepository(_Versioned):
    def _load(self, row: Any) -> Folio:
        folio = folio_from(row)
        self._seen(folio.number, folio.version)
        return folio

    def get(self, number: str, *, for_update: bool = False) -> Folio | None:
        row = self.s.execute(_locked(sa.select(t.folios).where(t.folios.c.number == number),
                                     for_update)).first()
        return self._load(row) if row else None

    def of_patient(self, patient_id: int, *, for_update: bool = False) -> Sequence[Folio]:
        rows = self.s.execute(_locked(sa.select(t.folios).where(
            t.folios.c.patient_id == int(patient_id)).order_by(t.folios.c.number),
            for_update)).all()
        return [self._load(r) for r in rows]

    def add(self, folio: Folio) -> None:
        self.s.execute(sa.insert(t.folios).values(**folio_values(folio)))
        self._seen(folio.number, folio.version)

    def add_many(self, folios: Sequence[Folio]) -> None:
        # One executemany (an import's write stays short).
        if folios:
            self.s.execute(sa.insert(t.folios), [folio_values(f) for f in folios])
        for folio in folios:
            self._seen(folio.number, folio.version)

    def update(self, folio: Folio, *, expected_version: int | None = None) -> None:
        self._update(t.folios, t.folios.c.number, folio.number, folio_values(folio),
                     expected_version)

    def hold(self, number: str, expected_version: int) -> None:
        self._hold(t.folios, t.folios.c.number, number, expected_version)


class SqlChangeRequestRepository(_Repo):
    def get(self, request_id: int, *, for_update: bool = False) -> ChangeRequest | None:
        row = self.s.execute(_locked(sa.select(t.requests).where(
            t.requests.c.id == int(request_id)), for_update)).first()
        return request_from(row) if row else None

    def for_folio(self, number: str) -> Sequence[ChangeRequest]:
        rows = self.s.execute(sa.select(t.requests).where(t.requests.c.folio_number == number)
                              .order_by(t.requests.c.id)).all()
        return [request_from(r) for r in rows]

    def for_patient(self, patient_id: int) -> Sequence[ChangeRequest]:
        rows = self.s.execute(sa.select(t.requests).where(
            t.requests.c.patient_id == int(patient_id),
            t.requests.c.type.in_([k.code for k in REQUEST_TYPES if k.targets_patient]))
            .order_by(t.requests.c.id)).all()
        return [request_from(r) for r in rows]

    def add(self, request: ChangeRequest) -> int:
        try:
            with self.s.begin_nested():  # a savepoint: a refused insert leaves the rest intact
                new_id = self.s.execute(sa.insert(t.requests).values(**request_values(request))
                                        .returning(t.requests.c.id)).scalar_one()
        except IntegrityError as exc:
            raise Conflict(ALREADY_PENDING, log_message=f"pending request race: {exc.orig}",
                           code="request_pending") from exc
        return int(new_id)

    def update(self, request: ChangeRequest, previous: RequestStatus = RequestStatus.PENDING
               ) -> None:
        result = self.s.execute(sa.update(t.requests).where(
            t.requests.c.id == request.id, t.requests.c.status == previous.value)
            .values(**decision_values(request)))
        if result.rowcount != 1:
            raise Conflict(CHANGED_MEANWHILE, log_message=f"request {request.id} decided twice")

    def awaiting_information(self) -> Sequence[ChangeRequest]:
        rows = self.s.execute(sa.select(t.requests).where(
            t.requests.c.status == RequestStatus.INFO_REQUESTED.value)
            .order_by(t.requests.c.pended_at, t.requests.c.id)).all()
        return [request_from(r) for r in rows]

    def next_information_expiry(self, days: int) -> datetime | None:
        # In a request's read session, the process keeps the answer per data version: every
        # commit (a pend, an answer, an expiry, in any process) bumps it, and nothing else
        # moves a deadline; a unit that writes always reads afresh.
        return request_memo(self.s, ("sanece.next_information_expiry", int(days)),
                            lambda: next_expiry(self.awaiting_information(), int(days)))

    def record_merge_undo(self, request_id: int, by: str, at: datetime) -> None:
        self.s.execute(sa.update(t.requests).where(t.requests.c.id == int(request_id))
                       .values(undone_by=by, undone_at=at))


class SqlReasonRepository(_Repo):
    def stored(self) -> Sequence[DecisionReason]:
        rows = self.s.execute(sa.select(t.reasons).order_by(t.reasons.c.code)).all()
        return [DecisionReason(code=r.code, text=r.text, active=bool(r.active)) for r in rows]

    def save(self, reason: DecisionReason) -> None:
        values = {"text": reason.text, "active": reason.active}
        done = self.s.execute(sa.update(t.reasons).where(t.reasons.c.code == reason.code)
                              .values(**values))
        if done.rowcount == 0:
            self.s.execute(sa.insert(t.reasons).values(code=reason.code, **values))

    def record_merge_undo(self, request_id: int, by: str, at: datetime) -> None:
        self.s.execute(sa.update(t.requests).where(t.requests.c.id == int(request_id))
                       .values(undone_by=by, undone_at=at))


class SqlFeedbackRepository(_Repo):
    def add(self, feedback: Feedback) -> int:
        return int(self.s.execute(sa.insert(t.feedback).values(**feedback_values(feedback))
                                  .returning(t.feedback.c.id)).scalar_one())
