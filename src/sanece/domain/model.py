"""Entities of the SAnECE context: units, medicines (genéricos), patients and folios.

Entities are mutable attrs classes whose constructors re-run every validation (so an adapter
that loads a row gets the same guarantees as a use case that creates one). Mutating methods
check their rules first and change fields only when every rule passes; each change bumps
``version`` (an optimistic-lock counter the SQL adapter may use).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from shared.kernel.rules import check_rule

from sanece.domain.rules import (
    CancelledFolioNeedsDate,
    DrugKeyMustBelongToMedicine,
    DrugKeysMustDiffer,
    EvaluatedFolioMustBeInForce,
    EvaluationOnlyFromPending,
    ExpiryMustFollowEvaluationDate,
    PeriodMonthsInRange,
    SecondKeyNeedsFirstKey,
    TextRequired,
    ValidatedFolioMustBeComplete,
)
from sanece.domain.values import (
    DrugKey,
    DrugQuantity,
    EvaluationStatus,
    Validity,
    add_months,
    clean_text,
    folio_number_date,
    parse_aggregate,
    parse_folio_number,
    parse_name,
    parse_nss,
)

# --------------------------------------------------------------------------------------------
# Catalog: OOAD/UMAE, units, medicines
# --------------------------------------------------------------------------------------------


def _required_name(value: str) -> str:
    value = " ".join(str(value).split())
    if not value:
        raise ValueError("a name is required")
    return value


@attrs.frozen(kw_only=True)
class Ooad:
    """An OOAD or UMAE (e.g. CAMPECHE, AGUASCALIENTES)."""

    id: int
    name: str = attrs.field(converter=_required_name)


@attrs.frozen(kw_only=True)
class MedicalUnit:
    """A unidad médica (e.g. "H Gral Zona MF 4") of one OOAD/UMAE."""

    id: int
    ooad_id: int
    name: str = attrs.field(converter=_required_name)


@attrs.frozen(kw_only=True)
class Medicine:
    """A genérico of the catalog with its claves (e.g. CERTOLIZUMAB PEGOL: 5795)."""

    id: int
    name: str = attrs.field(converter=_required_name)
    keys: tuple[DrugKey, ...] = attrs.field(converter=tuple, default=())

    @property
    def key_codes(self) -> frozenset[str]:
        return frozenset(k.code for k in self.keys)

    def has_key(self, code: str) -> bool:
        return code in self.key_codes

    def check_key(self, code: str) -> None:
        check_rule(DrugKeyMustBelongToMedicine(code, self.key_codes, self.name))


# --------------------------------------------------------------------------------------------
# Patient
# --------------------------------------------------------------------------------------------

PATIENT_FIELDS = ("nss", "aggregate", "paternal_surname", "maternal_surname", "given_names")
PATIENT_FIELD_LABELS = {
    "nss": "NSS",
    "aggregate": "Agregado",
    "paternal_surname": "Apellido paterno",
    "maternal_surname": "Apellido materno",
    "given_names": "Nombre",
}


def person_name(given_names: str, paternal_surname: str, maternal_surname: str) -> str:
    """Nombre(s) then surnames, as the guide's tables show them."""
    return f"{given_names} {paternal_surname} {maternal_surname}"


def nss_aggregate(nss: str, aggregate: str) -> str:
    """"1071533138 - 2F1954OR": the NSS and agregado médico that identify a patient."""
    return f"{nss} - {aggregate}"


class PatientNames:
    """How a patient is named, for the record and for the read model's rows alike (both have
    the ``PATIENT_FIELDS`` and ``merged_into``)."""

    __slots__ = ()
    nss: str
    aggregate: str
    paternal_surname: str
    maternal_surname: str
    given_names: str
    merged_into: int | None

    @property
    def is_merged(self) -> bool:
        return self.merged_into is not None

    @property
    def full_name(self) -> str:
        """Nombre(s) then surnames, as the guide's homologación table shows them."""
        return person_name(self.given_names, self.paternal_surname, self.maternal_surname)

    @property
    def nss_aggregate(self) -> str:
        return nss_aggregate(self.nss, self.aggregate)

    @property
    def label(self) -> str:
        """"MARIA DEL ROCIO XXX GOMEZ 1071533138 - 2F1954OR" (Datos originales / anteriores)."""
        return f"{self.full_name} {self.nss_aggregate}"


@attrs.define(kw_only=True)
class Patient(PatientNames):
    """A patient record. Several records may share an NSS (that is what homologación fixes);
    a merged record keeps existing for traceability with ``merged_into`` set."""

    id: int | None = None
    nss: str = attrs.field(converter=parse_nss)
    aggregate: str = attrs.field(converter=parse_aggregate)
    paternal_surname: str = attrs.field(converter=lambda v: parse_name(v, "apellido paterno"))
    maternal_surname: str = attrs.field(converter=lambda v: parse_name(v, "apellido materno"))
    given_names: str = attrs.field(converter=lambda v: parse_name(v, "nombre"))
    merged_into: int | None = None
    merged_at: datetime | None = None
    version: int = 0
    changed_by: str | None = None  # who last changed the record, and when (shown to the
    changed_at: datetime | None = None  # user whose save arrived second)

    def record_change(self, by: str, at: datetime) -> None:
        self.changed_by, self.changed_at = by, at

    def data(self) -> dict[str, Any]:
        """The editable data plus the merge mark (JSON-ready; used for snapshots and audit)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in PATIENT_FIELDS}
        out["merged_into"] = self.merged_into
        return out

    def apply_changes(self, changes: dict[str, str]) -> None:
        """Set already-validated new values (field name -> normalized value)."""
        unknown = set(changes) - set(PATIENT_FIELDS)
        if unknown:
            raise ValueError(f"unknown patient fields: {sorted(unknown)}")
        # validate every value before touching the record (converters raise ValidationError)
        attrs.evolve(self, **changes)
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1

    def mark_merged_into(self, correct_id: int, at: datetime) -> None:
        if correct_id == self.id:
            raise ValueError("a record cannot be merged into itself")
        self.merged_into = correct_id
        self.merged_at = at
        self.version += 1

    def undo_merge(self) -> None:
        self.merged_into = None
        self.merged_at = None
        self.version += 1


# --------------------------------------------------------------------------------------------
# Folio
# --------------------------------------------------------------------------------------------


def validity_of(status: EvaluationStatus, expiry_date: date | None, today: date) -> Validity:
    """Vigente / vencido of a folio's status and expiry (read models compute it from columns
    with this same rule)."""
    if status is not EvaluationStatus.VALIDATED or expiry_date is None:
        return Validity.NOT_APPLICABLE
    return Validity.IN_FORCE if expiry_date >= today else Validity.EXPIRED


def minimum_period_in_force(evaluation_date: date, today: date) -> int | None:
    """The shortest periodo (months) whose fecha de vencimiento, counted from the evaluation
    date, is today or later; None when not even the longest period reaches today."""
    for months in range(PeriodMonthsInRange.MIN, PeriodMonthsInRange.MAX + 1):
        if add_months(evaluation_date, months) >= today:
            return months
    return None


@attrs.define(kw_only=True)
class Folio:
    """An evaluation folio. Its 11-digit ``number`` is its identity."""

    number: str = attrs.field(converter=parse_folio_number)
    medicine_id: int
    evaluation_date: date
    unit_id: int
    patient_id: int
    diagnosis: str = ""
    status: EvaluationStatus = attrs.field(default=EvaluationStatus.PENDING,
                                           converter=EvaluationStatus)
    key1: DrugQuantity | None = None
    key2: DrugQuantity | None = None
    requirement: str = ""
    observations: str = ""
    period_months: int | None = None
    expiry_date: date | None = None
    cancellation_date: date | None = None
    version: int = 0
    changed_by: str | None = None  # who last changed the folio, and when (shown to the user
    changed_at: datetime | None = None  # whose save arrived second)

    def record_change(self, by: str, at: datetime) -> None:
        self.changed_by, self.changed_at = by, at

    def __attrs_post_init__(self) -> None:
        check_rule(SecondKeyNeedsFirstKey(self.key1, self.key2))
        check_rule(DrugKeysMustDiffer(self.key1.key if self.key1 else None,
                                      self.key2.key if self.key2 else None))
        if self.period_months is not None:
            check_rule(PeriodMonthsInRange(self.period_months))
        if self.expiry_date is not None:
            check_rule(ExpiryMustFollowEvaluationDate(self.evaluation_date, self.expiry_date))
        check_rule(ValidatedFolioMustBeComplete(self))
        check_rule(CancelledFolioNeedsDate(self))

    # ---- reading ------------------------------------------------------------------------

    @property
    def number_date(self) -> date:
        """The date encoded in the folio number (yyyymmdd)."""
        return folio_number_date(self.number)

    def is_in_force(self, today: date) -> bool:
        """Vigente: a Validada folio whose expiry date is today or later."""
        return self.validity(today) is Validity.IN_FORCE

    def validity(self, today: date) -> Validity:
        return validity_of(self.status, self.expiry_date, today)

    @property
    def extended(self) -> bool:
        """The expiry is past the evaluated period (an ampliación was validated): documents
        say so, since "Periodo (meses)" alone no longer explains the date."""
        return (self.period_months is not None and self.expiry_date is not None
                and self.expiry_date > add_months(self.evaluation_date, self.period_months))

    @property
    def keys_label(self) -> str:
        """Clave (Cantidad) column: "5795 (12)" or "5795 (12), 5796 (2)"."""
        return ", ".join(str(k) for k in (self.key1, self.key2) if k is not None)

    def requirement_data(self) -> dict[str, Any]:
        return {
            "key1": self.key1.key if self.key1 else None,
            "quantity1": self.key1.quantity if self.key1 else None,
            "key2": self.key2.key if self.key2 else None,
            "quantity2": self.key2.quantity if self.key2 else None,
            "requirement": self.requirement,
        }

    # ---- evaluation (S14) ---------------------------------------------------------------

    def register_validated(self, *, medicine: Medicine, period_months: int, key1: DrugQuantity,
                           requirement: str, today: date, key2: DrugQuantity | None = None,
                           expiry_date: date | None = None, observations: str | None = None
                           ) -> None:
        """Validada: period in months, expiry (evaluation date + months unless given), claves of
        this genérico with quantities >= 1, requerimiento. Only from Pendiente.

        ``today``: the day the evaluation is registered; the folio must be vigente that day (an
        old Pendiente folio needs a period that reaches it). Data of the past registers each
        folio on its own evaluation date."""
        self._check_medicine(medicine)
        check_rule(EvaluationOnlyFromPending(self))
        check_rule(PeriodMonthsInRange(period_months))
        requirement = clean_text(requirement, "requerimiento")
        check_rule(TextRequired(requirement, "El requerimiento es obligatorio."))
        _check_keys(medicine, key1, key2)
        expiry = expiry_date if expiry_date is not None else add_months(
            self.evaluation_date, period_months)
        check_rule(ExpiryMustFollowEvaluationDate(self.evaluation_date, expiry))
        check_rule(EvaluatedFolioMustBeInForce(
            self.evaluation_date, period_months, expiry, today,
            minimum_period_in_force(self.evaluation_date, today)))
        obs = clean_text(observations, "observaciones") if observations is not None else None
        self.status = EvaluationStatus.VALIDATED
        self.period_months = period_months
        self.expiry_date = expiry
        self.key1 = key1
        self.key2 = key2
        self.requirement = requirement
        if obs is not None:
            self.observations = obs
        self.version += 1

    def register_not_validated(self, *, observations: str) -> None:
        """No Validada: observaciones are required. Only from Pendiente."""
        check_rule(EvaluationOnlyFromPending(self))
        obs = clean_text(observations, "observaciones")
        check_rule(TextRequired(obs, "Las observaciones son obligatorias para registrar el folio "
                                     "como No Validada."))
        self.status = EvaluationStatus.NOT_VALIDATED
        self.observations = obs
        self.version += 1

    # ---- changes applied by approved change requests (checked by ``approve``) -----------

    def extend(self, new_expiry: date) -> None:
        check_rule(ExpiryMustFollowEvaluationDate(self.evaluation_date, new_expiry))
        self.expiry_date = new_expiry
        self.version += 1

    def cancel(self, on: date) -> None:
        self.status = EvaluationStatus.CANCELLED
        self.cancellation_date = on
        self.version += 1

    def move_to_unit(self, unit_id: int) -> None:
        self.unit_id = unit_id
        self.version += 1

    def change_requirement(self, *, medicine: Medicine, key1: DrugQuantity,
                           key2: DrugQuantity | None, requirement: str) -> None:
        self._check_medicine(medicine)
        _check_keys(medicine, key1, key2)
        requirement = clean_text(requirement, "requerimiento")
        check_rule(TextRequired(requirement, "El requerimiento es obligatorio."))
        self.key1 = key1
        self.key2 = key2
        self.requirement = requirement
        self.version += 1

    def reassign_patient(self, patient_id: int) -> None:
        self.patient_id = patient_id
        self.version += 1

    def _check_medicine(self, medicine: Medicine) -> None:
        if medicine.id != self.medicine_id:
            raise ValueError(f"medicine {medicine.id} is not the genérico of folio {self.number}")


def _check_keys(medicine: Medicine, key1: DrugQuantity, key2: DrugQuantity | None) -> None:
    medicine.check_key(key1.key)
    if key2 is not None:
        check_rule(DrugKeysMustDiffer(key1.key, key2.key))
        medicine.check_key(key2.key)
