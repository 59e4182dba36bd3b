"""Change requests (solicitudes de cambio): one state machine for the five types.

    En espera (PENDING) --approve--> Validado (APPROVED)
                        --reject---> No Validado (REJECTED)      decisions are final

Filing (``file_*``) checks the type's preconditions and keeps a *snapshot* of the target's
relevant fields. Deciding re-checks the preconditions (a broken one is a ``Conflict``), compares
the target with the snapshot (``Conflict`` when it changed since filing) and only then applies
the change. Every check runs before the first mutation, so a refused approval leaves the
request and every target untouched. Nothing here does I/O: the application loads the targets,
calls these functions and persists what they return.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import attrs

from shared.kernel.errors import Conflict
from shared.kernel.rules import BusinessRule, check_rule

from sanece.domain.model import PATIENT_FIELDS, Folio, MedicalUnit, Medicine, Patient
from sanece.domain.rules import (
    CancellationDateInRange,
    DestinationUnitMustDiffer,
    DrugKeyMustBelongToMedicine,
    DrugKeysMustDiffer,
    EligibilityProofMustBeOneFile,
    ExtensionNeedsValidatedFolio,
    FolioMustBeInForce,
    FolioRequestNeedsOneToThreeAttachments,
    MergeNeedsAtLeastOneRecordToMerge,
    MergeNeedsExactlyOneCorrectRecord,
    MergeNeedsSeveralRecords,
    MergeRecordsMustShareNss,
    MergeUndoNeedsReason,
    MotiveMustBeFromList,
    NewExpiryMustBeLater,
    NewExpiryNotInThePast,
    NewExpiryRequired,
    NewExpiryWithinLongestPeriod,
    OnePendingRequestPerTypeAndTarget,
    PatientChangeMustChangeSomething,
    PatientIdentityMustBeUnique,
    PatientMustNotBeMerged,
    PeriodMonthsInRange,
    RejectionNeedsReason,
    RequestMustBePending,
    RequirementChangeMustChangeSomething,
    TargetUnchangedSinceFiling,
    TextRequired,
    recheck,
)
from sanece.domain.values import (
    Attachment,
    DrugQuantity,
    ExpiryChangeKind,
    MergeChoice,
    RequestStatus,
    RequestType,
    add_months,
    clean_text,
    parse_aggregate,
    parse_folio_number,
    parse_name,
    parse_nss,
)

# --------------------------------------------------------------------------------------------
# Motive lists (Elige el motivo)
# --------------------------------------------------------------------------------------------

OTHER = "Otro"
EXTENSION_MOTIVES: tuple[str, ...] = (
    "Desabasto",
    "Retraso en el inicio del tratamiento",
    "Suspensión temporal del tratamiento",
    "Diferimiento de la cita con el médico tratante",
    OTHER,
)
CANCELLATION_MOTIVES: tuple[str, ...] = (
    "Reacción adversa al medicamento",
    "Falta de respuesta al tratamiento",
    "Cambio de tratamiento",
    "Término del tratamiento",
    "Abandono del tratamiento",
    "Defunción",
    "Pérdida de vigencia de derechos",
    OTHER,
)
UNIT_CHANGE_MOTIVES: tuple[str, ...] = (
    "Contrarreferencia",
    "Referencia a otra unidad médica",
    "Cambio de domicilio del paciente",
    OTHER,
)
REQUIREMENT_CHANGE_MOTIVES: tuple[str, ...] = (
    "Ajuste de dosis",
    "Cambio de presentación",
    "Corrección del requerimiento registrado",
    OTHER,
)


def motives_for(request_type: RequestType, kind: ExpiryChangeKind | None = None
                ) -> tuple[str, ...]:
    """The motive list of a folio request type (empty for patient requests: they have none)."""
    if request_type is RequestType.EXPIRY_CHANGE:
        if kind is None:
            raise ValueError("an expiry change needs its kind to list motives")
        return EXTENSION_MOTIVES if kind is ExpiryChangeKind.EXTENSION else CANCELLATION_MOTIVES
    if request_type is RequestType.UNIT_CHANGE:
        return UNIT_CHANGE_MOTIVES
    if request_type is RequestType.REQUIREMENT_CHANGE:
        return REQUIREMENT_CHANGE_MOTIVES
    return ()


def _parse_motive(raw: str, allowed: tuple[str, ...]) -> str:
    """Case- and space-insensitive match against the list; returns the list's spelling."""
    key = " ".join(str(raw).split()).casefold()
    for motive in allowed:
        if motive.casefold() == key:
            return motive
    check_rule(MotiveMustBeFromList(str(raw), allowed))
    return str(raw)  # pragma: no cover - check_rule raised


def _parse_detail(raw: str) -> str:
    detail = clean_text(raw, "detalle del motivo")
    check_rule(TextRequired(detail, "Detalla el motivo de la solicitud."))
    return detail


# --------------------------------------------------------------------------------------------
# Payloads: what was requested (one class per type; ``to_dict`` / ``payload_from_dict`` for a
# JSON column)
# --------------------------------------------------------------------------------------------

_PATIENT_PARSERS = {
    "nss": parse_nss,
    "aggregate": parse_aggregate,
    "paternal_surname": lambda v: parse_name(v, "apellido paterno"),
    "maternal_surname": lambda v: parse_name(v, "apellido materno"),
    "given_names": lambda v: parse_name(v, "nombre"),
}


def _optional(parser: Any) -> Any:
    return lambda v: None if v is None else parser(v)


@attrs.frozen(kw_only=True)
class PatientDataChange:
    """Cambio de datos de paciente: only the ticked fields are set (None = not ticked).

    Values are validated and normalized on construction (NSS 10 digits, agregado pattern in
    upper case, names non-empty in capitals)."""

    nss: str | None = attrs.field(default=None, converter=_optional(_PATIENT_PARSERS["nss"]))
    aggregate: str | None = attrs.field(default=None,
                                        converter=_optional(_PATIENT_PARSERS["aggregate"]))
    paternal_surname: str | None = attrs.field(
        default=None, converter=_optional(_PATIENT_PARSERS["paternal_surname"]))
    maternal_surname: str | None = attrs.field(
        default=None, converter=_optional(_PATIENT_PARSERS["maternal_surname"]))
    given_names: str | None = attrs.field(default=None,
                                          converter=_optional(_PATIENT_PARSERS["given_names"]))

    def fields(self) -> dict[str, str]:
        """The ticked fields with their new values."""
        return {n: getattr(self, n) for n in PATIENT_FIELDS if getattr(self, n) is not None}

    def changes_for(self, patient: Patient) -> dict[str, str]:
        """Only the ticked fields whose value really differs from the patient's."""
        return {n: v for n, v in self.fields().items() if getattr(patient, n) != v}

    def identity_for(self, patient: Patient) -> tuple[str, str]:
        """(NSS, agregado) the record would have once the change is applied."""
        return (self.nss or patient.nss, self.aggregate or patient.aggregate)

    def to_dict(self) -> dict[str, Any]:
        return self.fields()


@attrs.frozen(kw_only=True)
class MergePayload:
    """Homologación: the request's patient (the *Homologar* record) goes into this one."""

    correct_patient_id: int

    def to_dict(self) -> dict[str, Any]:
        return {"correct_patient_id": self.correct_patient_id}


@attrs.frozen(kw_only=True)
class ExpiryChangePayload:
    """Baja de folio or ampliación (prórroga) de fecha de vencimiento."""

    kind: ExpiryChangeKind = attrs.field(converter=ExpiryChangeKind)
    motive: str
    detail: str = attrs.field(converter=_parse_detail)

    def __attrs_post_init__(self) -> None:
        check_rule(MotiveMustBeFromList(self.motive, motives_for(RequestType.EXPIRY_CHANGE,
                                                                 self.kind)))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "motive": self.motive, "detail": self.detail}


@attrs.frozen(kw_only=True)
class UnitChangePayload:
    """Cambio de unidad médica: destination OOAD/UMAE and unit."""

    motive: str
    detail: str = attrs.field(converter=_parse_detail)
    destination_ooad_id: int
    destination_unit_id: int

    def __attrs_post_init__(self) -> None:
        check_rule(MotiveMustBeFromList(self.motive, UNIT_CHANGE_MOTIVES))

    def to_dict(self) -> dict[str, Any]:
        return {"motive": self.motive, "detail": self.detail,
                "destination_ooad_id": self.destination_ooad_id,
                "destination_unit_id": self.destination_unit_id}


@attrs.frozen(kw_only=True)
class RequirementChangePayload:
    """Cambio de requerimiento: the requested claves and cantidades *replace* the folio's
    (key2=None removes a clave 2) and the requested requerimiento replaces its text."""

    motive: str
    detail: str = attrs.field(converter=_parse_detail)
    key1: DrugQuantity
    key2: DrugQuantity | None = None
    requirement: str = attrs.field(converter=lambda v: clean_text(v, "requerimiento"))

    def __attrs_post_init__(self) -> None:
        check_rule(MotiveMustBeFromList(self.motive, REQUIREMENT_CHANGE_MOTIVES))
        check_rule(DrugKeysMustDiffer(self.key1.key, self.key2.key if self.key2 else None))
        check_rule(TextRequired(self.requirement, "El requerimiento es obligatorio."))

    def requirement_data(self) -> dict[str, Any]:
        return {
            "key1": self.key1.key, "quantity1": self.key1.quantity,
            "key2": self.key2.key if self.key2 else None,
            "quantity2": self.key2.quantity if self.key2 else None,
            "requirement": self.requirement,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"motive": self.motive, "detail": self.detail, **self.requirement_data()}


Payload = Union[PatientDataChange, MergePayload, ExpiryChangePayload, UnitChangePayload,
                RequirementChangePayload]

PAYLOAD_TYPES: dict[RequestType, type] = {
    RequestType.PATIENT_DATA: PatientDataChange,
    RequestType.MERGE: MergePayload,
    RequestType.EXPIRY_CHANGE: ExpiryChangePayload,
    RequestType.UNIT_CHANGE: UnitChangePayload,
    RequestType.REQUIREMENT_CHANGE: RequirementChangePayload,
}


def payload_from_dict(request_type: RequestType, data: Mapping[str, Any]) -> Payload:
    """Rebuild a payload stored with ``to_dict`` (validation runs again)."""
    request_type = RequestType(request_type)
    if request_type is RequestType.REQUIREMENT_CHANGE:
        d = dict(data)
        key2 = (DrugQuantity(d["key2"], d["quantity2"]) if d.get("key2") is not None else None)
        return RequirementChangePayload(motive=d["motive"], detail=d["detail"],
                                        key1=DrugQuantity(d["key1"], d["quantity1"]), key2=key2,
                                        requirement=d["requirement"])
    return PAYLOAD_TYPES[request_type](**dict(data))


# --------------------------------------------------------------------------------------------
# The change request entity
# --------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class ChangeRequest:
    """A solicitud de cambio.

    Target: ``folio_number`` for folio requests; ``patient_id`` for patient requests (for a
    merge, the *Homologar* record; the *Correcto* one is ``payload.correct_patient_id``).
    ``snapshot`` holds the target's relevant fields at filing (JSON-ready; it is what the
    tables show as "Datos originales", "Fecha de vencimiento original", "Requerimiento original"
    and what the decision compares against). ``outcome`` records what an approval applied
    (for a merge, the folios that moved, so that an admin can undo it).
    """

    id: int | None = None
    type: RequestType = attrs.field(converter=RequestType)
    folio_number: str | None = attrs.field(default=None, converter=_optional(parse_folio_number))
    patient_id: int | None = None
    unit_id: int | None = None  # the filing director's unit (scopes "Solicitudes realizadas")
    payload: Payload
    snapshot: dict[str, Any] = attrs.field(factory=dict)
    attachments: tuple[Attachment, ...] = attrs.field(converter=tuple, default=())
    filed_by: str
    filed_at: datetime
    status: RequestStatus = attrs.field(default=RequestStatus.PENDING, converter=RequestStatus)
    reason: str | None = None  # the reviewer's reason (required for No Validado)
    decided_by: str | None = None
    decided_at: datetime | None = None
    outcome: dict[str, Any] | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.payload, PAYLOAD_TYPES[self.type]):
            raise ValueError(f"a {self.type.value} request needs a "
                             f"{PAYLOAD_TYPES[self.type].__name__} payload")
        if self.type.targets_folio and self.folio_number is None:
            raise ValueError("a folio request needs its folio number")
        if self.type.targets_patient and self.patient_id is None:
            raise ValueError("a patient request needs its patient id")
        if (isinstance(self.payload, MergePayload)
                and self.payload.correct_patient_id == self.patient_id):
            raise ValueError("a record cannot be merged into itself")
        if self.type.targets_patient:
            check_rule(EligibilityProofMustBeOneFile(self.attachments))
        else:
            check_rule(FolioRequestNeedsOneToThreeAttachments(self.attachments))
        decided = self.decided_by is not None and self.decided_at is not None
        if self.status is RequestStatus.PENDING and (decided or self.outcome is not None):
            raise ValueError("a pending request carries no decision")
        if self.status is not RequestStatus.PENDING and not decided:
            raise ValueError("a decided request records who decided and when")
        if self.status is RequestStatus.REJECTED:
            check_rule(RejectionNeedsReason(self.reason))

    # ---- reading ------------------------------------------------------------------------

    @property
    def is_pending(self) -> bool:
        return self.status is RequestStatus.PENDING

    @property
    def target_key(self) -> tuple[RequestType, str]:
        """(type, "folio:<number>" | "patient:<id>"): at most one pending request per key."""
        return self.type, _target_ref(self.type, self.folio_number, self.patient_id)

    @property
    def kind(self) -> ExpiryChangeKind | None:
        return self.payload.kind if isinstance(self.payload, ExpiryChangePayload) else None

    @property
    def type_label(self) -> str:
        """Tipo de solicitud as the tables show it (the subtype for expiry changes)."""
        kind = self.kind
        return kind.label if kind is not None else self.type.label

    def requested_patient_data(self) -> dict[str, Any]:
        """Datos solicitados of a patient data change: the filing snapshot with the requested
        values applied (for the "Datos originales / Datos solicitados" table)."""
        if not isinstance(self.payload, PatientDataChange):
            raise ValueError("only a patient data change has requested patient data")
        return {**self.snapshot, **self.payload.fields()}

    @property
    def final_date(self) -> date | None:
        """Fecha final of an approved expiry change: the new expiry or the cancellation date."""
        if self.outcome is None or self.type is not RequestType.EXPIRY_CHANGE:
            return None
        raw = self.outcome.get("new_expiry") or self.outcome.get("cancellation_date")
        return date.fromisoformat(raw) if raw else None

    # ---- deciding (use ``approve`` / ``reject``) ------------------------------------------

    def _decide(self, status: RequestStatus, *, by: str, at: datetime, reason: str | None,
                outcome: dict[str, Any] | None) -> None:
        self.status = status
        self.decided_by = by
        self.decided_at = at
        self.reason = reason
        self.outcome = outcome


def _target_ref(request_type: RequestType, folio_number: str | None,
                patient_id: int | None) -> str:
    return f"patient:{patient_id}" if request_type.targets_patient else f"folio:{folio_number}"


def _pending_rule(existing: Iterable[ChangeRequest], request_type: RequestType,
                  target_ref: str, target_label: str) -> OnePendingRequestPerTypeAndTarget:
    count = sum(1 for r in existing if r.is_pending and r.target_key == (request_type, target_ref))
    return OnePendingRequestPerTypeAndTarget(request_type, target_label, count)


def _check_no_pending(existing: Iterable[ChangeRequest], request_type: RequestType,
                      target_ref: str, target_label: str) -> None:
    check_rule(_pending_rule(existing, request_type, target_ref, target_label))


# --------------------------------------------------------------------------------------------
# Preconditions: what the target must satisfy before a request is filed on it. The pages and
# the API check them right after the folio / NSS search (the director sees the refusal instead
# of a form), and the filing functions below check the very same rules again.
# --------------------------------------------------------------------------------------------

FOLIO_ACTIONS = {
    RequestType.UNIT_CHANGE: "El cambio de unidad médica",
    RequestType.REQUIREMENT_CHANGE: "El cambio de requerimiento",
}
CANCELLATION_ACTION = "La baja de folio"


def folio_request_rules(request_type: RequestType, folio: Folio, *,
                        existing: Iterable[ChangeRequest], today: date,
                        kind: ExpiryChangeKind | None = None) -> tuple[BusinessRule, ...]:
    """The rules a folio must pass for a request of this type: the type's state rule
    (ampliación: a Validada folio; baja, cambio de unidad, cambio de requerimiento: a vigente
    one), then no other request of the type En espera on the folio."""
    request_type = RequestType(request_type)
    if request_type is RequestType.EXPIRY_CHANGE:
        if kind is None:
            raise ValueError("an expiry change needs its kind")
        state: BusinessRule = (
            ExtensionNeedsValidatedFolio(folio) if ExpiryChangeKind(kind) is
            ExpiryChangeKind.EXTENSION else FolioMustBeInForce(folio, today, CANCELLATION_ACTION))
    elif request_type in FOLIO_ACTIONS:
        state = FolioMustBeInForce(folio, today, FOLIO_ACTIONS[request_type])
    else:
        raise ValueError(f"{request_type.value} is not a folio request")
    return (state, _pending_rule(existing, request_type,
                                 _target_ref(request_type, folio.number, None),
                                 f"el folio {folio.number}"))


def patient_data_rules(patient: Patient, *, existing: Iterable[ChangeRequest]
                       ) -> tuple[BusinessRule, ...]:
    """The rules a record must pass for a cambio de datos: not merged into another record, and
    no other data change of it En espera."""
    return (PatientMustNotBeMerged(patient),
            _pending_rule(existing, RequestType.PATIENT_DATA,
                          _target_ref(RequestType.PATIENT_DATA, None, patient.id),
                          f"el paciente {patient.nss_aggregate}"))


def merge_window_rules(records: Sequence[object]) -> tuple[BusinessRule, ...]:
    """The homologación window opens only when the NSS search found several records."""
    return (MergeNeedsSeveralRecords(len(records)),)


def first_broken(rules: Iterable[BusinessRule]) -> BusinessRule | None:
    """The first broken rule (what the refusal says), or None when every rule passes."""
    return next((rule for rule in rules if rule.is_broken()), None)


def check_rules(rules: Iterable[BusinessRule]) -> None:
    for rule in rules:
        check_rule(rule)


def _check_identity_unique(patient: Patient, changes: Mapping[str, str],
                           same_nss: Sequence[Patient] | None, *, at_decision: bool) -> None:
    """A change of NSS or agregado must not give the record the identity of another active
    record (``same_nss``: the records with the resulting NSS)."""
    nss = changes.get("nss", patient.nss)
    aggregate = changes.get("aggregate", patient.aggregate)
    if (nss, aggregate) == (patient.nss, patient.aggregate):
        return
    if same_nss is None:
        raise ValueError(f"the records with NSS {nss} are needed to check this change")
    rule = PatientIdentityMustBeUnique(nss, aggregate,
                                       [o for o in same_nss if o.id != patient.id])
    if at_decision:
        recheck(rule)
    else:
        check_rule(rule)


def _check_filing(filed_by: str) -> None:
    if not filed_by:
        raise ValueError("a request records who filed it")


# --------------------------------------------------------------------------------------------
# Snapshots (the target's relevant fields, JSON-ready)
# --------------------------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def folio_snapshot(request_type: RequestType, folio: Folio) -> dict[str, Any]:
    """The folio fields a request of this type depends on (and shows as "original")."""
    base: dict[str, Any] = {"number": folio.number, "status": folio.status.value}
    if request_type is RequestType.EXPIRY_CHANGE:
        base["expiry_date"] = _iso(folio.expiry_date)
    elif request_type is RequestType.UNIT_CHANGE:
        base["unit_id"] = folio.unit_id
    elif request_type is RequestType.REQUIREMENT_CHANGE:
        base.update(folio.requirement_data())
    else:
        raise ValueError(f"{request_type.value} is not a folio request")
    return base


def patient_snapshot(patient: Patient) -> dict[str, Any]:
    return {"id": patient.id, **patient.data()}


def merge_snapshot(record: Patient, correct: Patient) -> dict[str, Any]:
    return {"record": patient_snapshot(record), "correct": patient_snapshot(correct)}


# --------------------------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------------------------


def file_patient_data_change(patient: Patient, changes: PatientDataChange, *,
                             eligibility_proof: Sequence[Attachment],
                             existing: Iterable[ChangeRequest], filed_by: str,
                             filed_at: datetime, unit_id: int | None = None,
                             same_nss: Sequence[Patient] | None = None) -> ChangeRequest:
    """Cambio de datos de paciente (S7). ``existing``: the requests already filed on this
    patient (any status). Only real changes are kept in the payload. ``same_nss``: every
    record with the NSS the patient would have (needed when NSS or agregado change: the new
    identity must not be another active record's)."""
    _require_id(patient)
    _check_filing(filed_by)
    check_rules(patient_data_rules(patient, existing=existing))
    real = changes.changes_for(patient)
    check_rule(PatientChangeMustChangeSomething(real))
    _check_identity_unique(patient, real, same_nss, at_decision=False)
    check_rule(EligibilityProofMustBeOneFile(eligibility_proof))
    return ChangeRequest(type=RequestType.PATIENT_DATA, patient_id=patient.id, unit_id=unit_id,
                         payload=PatientDataChange(**real), snapshot=patient_snapshot(patient),
                         attachments=tuple(eligibility_proof), filed_by=filed_by,
                         filed_at=filed_at)


@attrs.frozen
class MergePreview:
    """Both records side by side and the folios that the merge would move (shown before
    filing)."""

    record: Patient
    correct: Patient
    folios_to_move: tuple[str, ...]


def preview_merge(record: Patient, correct: Patient, record_folios: Iterable[Folio]
                  ) -> MergePreview:
    return MergePreview(record, correct, tuple(sorted(
        f.number for f in record_folios if f.patient_id == record.id)))


def file_merge(records: Sequence[Patient], choices: Mapping[int, MergeChoice], *,
               eligibility_proof: Sequence[Attachment], existing: Iterable[ChangeRequest],
               filed_by: str, filed_at: datetime, unit_id: int | None = None
               ) -> list[ChangeRequest]:
    """Homologación (S8). ``records``: the records the NSS search found; ``choices``: patient
    id -> Correcto / Homologar / No aplica (a record without a choice counts as No aplica).
    Returns one request per *Homologar* record (Datos anteriores -> Datos actuales)."""
    _check_filing(filed_by)
    by_id: dict[int, Patient] = {}
    for p in records:
        _require_id(p)
        if p.id in by_id:
            raise ValueError(f"patient {p.id} listed twice")
        by_id[p.id] = p  # type: ignore[index]
    unknown = set(choices) - set(by_id)
    if unknown:
        raise ValueError(f"choices for patients that were not listed: {sorted(unknown)}")
    check_rules(merge_window_rules(records))
    chosen = {pid: MergeChoice(choices.get(pid, MergeChoice.NOT_APPLICABLE)) for pid in by_id}
    correct_ids = [pid for pid, c in chosen.items() if c is MergeChoice.CORRECT]
    merge_ids = [pid for pid, c in chosen.items() if c is MergeChoice.MERGE]
    check_rule(MergeNeedsExactlyOneCorrectRecord(len(correct_ids)))
    check_rule(MergeNeedsAtLeastOneRecordToMerge(len(merge_ids)))
    correct = by_id[correct_ids[0]]
    involved = [correct] + [by_id[pid] for pid in merge_ids]
    check_rule(MergeRecordsMustShareNss(p.nss for p in involved))
    for p in involved:
        check_rule(PatientMustNotBeMerged(p))
    check_rule(EligibilityProofMustBeOneFile(eligibility_proof))
    existing = list(existing)
    for pid in merge_ids:
        _check_no_pending(existing, RequestType.MERGE, _target_ref(RequestType.MERGE, None, pid),
                          f"el registro {by_id[pid].nss_aggregate}")
    return [
        ChangeRequest(type=RequestType.MERGE, patient_id=pid, unit_id=unit_id,
                      payload=MergePayload(correct_patient_id=correct.id),  # type: ignore[arg-type]
                      snapshot=merge_snapshot(by_id[pid], correct),
                      attachments=tuple(eligibility_proof), filed_by=filed_by, filed_at=filed_at)
        for pid in merge_ids
    ]


def file_expiry_change(folio: Folio, kind: ExpiryChangeKind, *, motive: str, detail: str,
                       attachments: Sequence[Attachment], existing: Iterable[ChangeRequest],
                       today: date, filed_by: str, filed_at: datetime,
                       unit_id: int | None = None) -> ChangeRequest:
    """Cambio de fecha de vencimiento (S9): ampliación needs a Validada folio, baja a vigente
    one; motive from the kind's list, detail, 1-3 attachments."""
    kind = ExpiryChangeKind(kind)
    _check_filing(filed_by)
    check_rules(folio_request_rules(RequestType.EXPIRY_CHANGE, folio, existing=existing,
                                    today=today, kind=kind))
    payload = ExpiryChangePayload(kind=kind, motive=_parse_motive(motive, motives_for(
        RequestType.EXPIRY_CHANGE, kind)), detail=detail)
    return _file_folio_request(RequestType.EXPIRY_CHANGE, folio, payload, attachments,
                               filed_by, filed_at, unit_id)


def file_unit_change(folio: Folio, destination: MedicalUnit, *, motive: str, detail: str,
                     attachments: Sequence[Attachment], existing: Iterable[ChangeRequest],
                     today: date, filed_by: str, filed_at: datetime,
                     unit_id: int | None = None) -> ChangeRequest:
    """Cambio de unidad médica (S10): vigente folio, a destination other than its unit."""
    _check_filing(filed_by)
    check_rules(folio_request_rules(RequestType.UNIT_CHANGE, folio, existing=existing,
                                    today=today))
    check_rule(DestinationUnitMustDiffer(folio.unit_id, destination.id))
    payload = UnitChangePayload(motive=_parse_motive(motive, UNIT_CHANGE_MOTIVES),
                                detail=detail,
                                destination_ooad_id=destination.ooad_id,
                                destination_unit_id=destination.id)
    return _file_folio_request(RequestType.UNIT_CHANGE, folio, payload, attachments,
                               filed_by, filed_at, unit_id)


def file_requirement_change(folio: Folio, medicine: Medicine, *, key1: DrugQuantity,
                            requirement: str, motive: str, detail: str,
                            attachments: Sequence[Attachment], existing: Iterable[ChangeRequest],
                            today: date, filed_by: str, filed_at: datetime,
                            key2: DrugQuantity | None = None, unit_id: int | None = None
                            ) -> ChangeRequest:
    """Cambio de requerimiento (S11): vigente folio; claves among the folio's genérico's,
    quantities >= 1, requerimiento text; something must really change."""
    _check_filing(filed_by)
    _check_folio_medicine(folio, medicine)
    check_rules(folio_request_rules(RequestType.REQUIREMENT_CHANGE, folio, existing=existing,
                                    today=today))
    payload = RequirementChangePayload(
        motive=_parse_motive(motive, REQUIREMENT_CHANGE_MOTIVES), detail=detail,
        key1=key1, key2=key2, requirement=requirement)
    _check_requested_keys(payload, medicine, at_decision=False)
    check_rule(RequirementChangeMustChangeSomething(folio.requirement_data(),
                                                    payload.requirement_data()))
    return _file_folio_request(RequestType.REQUIREMENT_CHANGE, folio, payload, attachments,
                               filed_by, filed_at, unit_id)


def _file_folio_request(request_type: RequestType, folio: Folio, payload: Payload,
                        attachments: Sequence[Attachment], filed_by: str, filed_at: datetime,
                        unit_id: int | None) -> ChangeRequest:
    """The request, once ``folio_request_rules`` and the type's own rules passed."""
    check_rule(FolioRequestNeedsOneToThreeAttachments(attachments))
    return ChangeRequest(type=request_type, folio_number=folio.number, unit_id=unit_id,
                         payload=payload, snapshot=folio_snapshot(request_type, folio),
                         attachments=tuple(attachments), filed_by=filed_by, filed_at=filed_at)


def _check_requested_keys(payload: RequirementChangePayload, medicine: Medicine, *,
                          at_decision: bool) -> None:
    for k in (payload.key1, payload.key2):
        if k is None:
            continue
        rule = DrugKeyMustBelongToMedicine(k.key, medicine.key_codes, medicine.name)
        if at_decision:
            recheck(rule)
        else:
            check_rule(rule)


def _check_folio_medicine(folio: Folio, medicine: Medicine | None) -> Medicine:
    if medicine is None:
        raise ValueError(f"the genérico of folio {folio.number} is needed")
    if medicine.id != folio.medicine_id:
        raise ValueError(f"medicine {medicine.id} is not the genérico of folio {folio.number}")
    return medicine


def _require_id(patient: Patient) -> int:
    if patient.id is None:
        raise ValueError("the patient must be stored (have an id) first")
    return patient.id


# --------------------------------------------------------------------------------------------
# Deciding
# --------------------------------------------------------------------------------------------


@attrs.frozen
class Approval:
    """What an approval changed: the (decided) request and the targets to persist."""

    request: ChangeRequest
    patients: tuple[Patient, ...] = ()
    folios: tuple[Folio, ...] = ()

    @property
    def outcome(self) -> dict[str, Any]:
        return self.request.outcome or {}


def reject(request: ChangeRequest, *, reason: str, now: datetime, reviewer: str) -> ChangeRequest:
    """No Validado with the reviewer's reason. Decisions are final (``Conflict`` otherwise)."""
    if not reviewer:
        raise ValueError("a decision records its reviewer")
    check_rule(RequestMustBePending(request))
    reason = clean_text(reason, "motivo")
    check_rule(RejectionNeedsReason(reason))
    request._decide(RequestStatus.REJECTED, by=reviewer, at=now, reason=reason, outcome=None)
    return request


def approve(request: ChangeRequest, *, today: date, now: datetime, reviewer: str,
            patient: Patient | None = None, correct_patient: Patient | None = None,
            patient_folios: Sequence[Folio] = (), folio: Folio | None = None,
            medicine: Medicine | None = None, new_expiry: date | None = None,
            cancellation_date: date | None = None,
            same_nss: Sequence[Patient] | None = None) -> Approval:
    """Validado: apply the requested change to its targets, atomically.

    Targets by type:
      PATIENT_DATA        patient; same_nss: every record with the NSS the patient would have
                          (when NSS or agregado change)
      MERGE               patient (the Homologar record), correct_patient, and patient_folios:
                          EVERY folio of the Homologar record (they move to the correct one)
      EXPIRY_CHANGE       folio; new_expiry for an extension (the Fecha final the reviewer sets);
                          cancellation_date for a baja (default: today)
      UNIT_CHANGE         folio
      REQUIREMENT_CHANGE  folio and medicine (its genérico)

    Raises ``Conflict`` when the request is already decided or its target changed since filing
    (expired, already changed, merged), ``ValidationError`` for a bad reviewer input (new
    expiry), ``ValueError`` when the caller passes the wrong targets. Nothing is changed unless
    the approval succeeds.
    """
    if not reviewer:
        raise ValueError("a decision records its reviewer")
    check_rule(RequestMustBePending(request))
    if request.type is RequestType.PATIENT_DATA:
        apply, patients, folios = _approve_patient_data(request, patient, same_nss)
    elif request.type is RequestType.MERGE:
        apply, patients, folios = _approve_merge(request, patient, correct_patient,
                                                 patient_folios, now)
    else:
        if folio is None or folio.number != request.folio_number:
            raise ValueError(f"approving this request needs folio {request.folio_number}")
        if request.type is RequestType.EXPIRY_CHANGE:
            apply = _approve_expiry_change(request, folio, today, new_expiry, cancellation_date)
        elif request.type is RequestType.UNIT_CHANGE:
            apply = _approve_unit_change(request, folio, today)
        else:
            apply = _approve_requirement_change(request, folio, today, medicine)
        patients, folios = (), (folio,)
    # every check passed: from here on, only mutations
    outcome = apply()
    request._decide(RequestStatus.APPROVED, by=reviewer, at=now, reason=None, outcome=outcome)
    return Approval(request, tuple(patients), tuple(folios))


Apply = Callable[[], dict[str, Any]]  # applies the change, returns the outcome


def _approve_patient_data(request: ChangeRequest, patient: Patient | None,
                          same_nss: Sequence[Patient] | None
                          ) -> tuple[Apply, tuple[Patient, ...], tuple[Folio, ...]]:
    if patient is None or patient.id != request.patient_id:
        raise ValueError(f"approving this request needs patient {request.patient_id}")
    recheck(PatientMustNotBeMerged(patient))
    check_rule(TargetUnchangedSinceFiling("el registro del paciente", request.snapshot,
                                          patient_snapshot(patient)))
    payload: PatientDataChange = request.payload  # type: ignore[assignment]
    changes = payload.changes_for(patient)
    recheck(PatientChangeMustChangeSomething(changes))
    _check_identity_unique(patient, changes, same_nss, at_decision=True)

    def apply() -> dict[str, Any]:
        before = patient.data()
        patient.apply_changes(changes)
        return {"before": before, "after": patient.data()}

    return apply, (patient,), ()


def _approve_merge(request: ChangeRequest, record: Patient | None, correct: Patient | None,
                   record_folios: Sequence[Folio], now: datetime
                   ) -> tuple[Apply, tuple[Patient, ...], tuple[Folio, ...]]:
    payload: MergePayload = request.payload  # type: ignore[assignment]
    if record is None or record.id != request.patient_id:
        raise ValueError(f"approving this merge needs patient {request.patient_id}")
    if correct is None or correct.id != payload.correct_patient_id:
        raise ValueError(f"approving this merge needs patient {payload.correct_patient_id}")
    strays = [f.number for f in record_folios if f.patient_id != record.id]
    if strays:
        raise ValueError(f"folios {strays} do not belong to patient {record.id}")
    recheck(PatientMustNotBeMerged(record))
    recheck(PatientMustNotBeMerged(correct))
    recheck(MergeRecordsMustShareNss([record.nss, correct.nss]))
    check_rule(TargetUnchangedSinceFiling("alguno de los registros a homologar", request.snapshot,
                                          merge_snapshot(record, correct)))
    folios = tuple(record_folios)

    def apply() -> dict[str, Any]:
        moved = sorted(f.number for f in folios)
        merged_record = patient_snapshot(record)
        for f in folios:
            f.reassign_patient(correct.id)  # type: ignore[arg-type]
        record.mark_merged_into(correct.id, now)  # type: ignore[arg-type]
        return {"from_patient_id": record.id, "into_patient_id": correct.id,
                "moved_folios": moved, "merged_record": merged_record}

    return apply, (record,), folios


def _approve_expiry_change(request: ChangeRequest, folio: Folio, today: date,
                           new_expiry: date | None, cancellation_date: date | None) -> Apply:
    payload: ExpiryChangePayload = request.payload  # type: ignore[assignment]
    if payload.kind is ExpiryChangeKind.EXTENSION:
        recheck(ExtensionNeedsValidatedFolio(folio))
        _check_unchanged(request, folio)
        check_rule(NewExpiryRequired(new_expiry))
        assert new_expiry is not None
        check_rule(NewExpiryMustBeLater(folio.expiry_date, new_expiry))
        check_rule(NewExpiryNotInThePast(new_expiry, today))
        check_rule(NewExpiryWithinLongestPeriod(new_expiry, folio.expiry_date, today,
                                                extension_window(folio.expiry_date, today)[1]))

        def extend() -> dict[str, Any]:
            previous = folio.expiry_date
            folio.extend(new_expiry)
            return {"kind": payload.kind.value, "previous_expiry": _iso(previous),
                    "new_expiry": _iso(new_expiry)}

        return extend
    recheck(FolioMustBeInForce(folio, today, "La baja de folio"))
    _check_unchanged(request, folio)
    on = cancellation_date if cancellation_date is not None else today
    check_rule(CancellationDateInRange(on, folio.evaluation_date, today))

    def cancel() -> dict[str, Any]:
        previous_status, previous_expiry = folio.status, folio.expiry_date
        folio.cancel(on)
        return {"kind": payload.kind.value, "previous_status": previous_status.value,
                "previous_expiry": _iso(previous_expiry), "cancellation_date": _iso(on)}

    return cancel


def extension_window(current_expiry: date | None, today: date) -> tuple[date, date]:
    """(earliest, latest) Fecha final an ampliación may set: after the current fecha de
    vencimiento and not before today; at most the longest evaluation period (60 months) after
    the current fecha de vencimiento, or after today when that date already passed."""
    base = max(current_expiry, today) if current_expiry is not None else today
    earliest = max(current_expiry + timedelta(days=1), today) if current_expiry else today
    return earliest, add_months(base, PeriodMonthsInRange.MAX)


def _approve_unit_change(request: ChangeRequest, folio: Folio, today: date) -> Apply:
    payload: UnitChangePayload = request.payload  # type: ignore[assignment]
    recheck(FolioMustBeInForce(folio, today, "El cambio de unidad médica"))
    _check_unchanged(request, folio)
    recheck(DestinationUnitMustDiffer(folio.unit_id, payload.destination_unit_id))

    def move() -> dict[str, Any]:
        previous = folio.unit_id
        folio.move_to_unit(payload.destination_unit_id)
        return {"from_unit_id": previous, "to_unit_id": payload.destination_unit_id,
                "to_ooad_id": payload.destination_ooad_id}

    return move


def _approve_requirement_change(request: ChangeRequest, folio: Folio, today: date,
                                medicine: Medicine | None) -> Apply:
    payload: RequirementChangePayload = request.payload  # type: ignore[assignment]
    medicine = _check_folio_medicine(folio, medicine)
    recheck(FolioMustBeInForce(folio, today, "El cambio de requerimiento"))
    _check_unchanged(request, folio)
    _check_requested_keys(payload, medicine, at_decision=True)

    def change() -> dict[str, Any]:
        before = folio.requirement_data()
        folio.change_requirement(medicine=medicine, key1=payload.key1, key2=payload.key2,
                                 requirement=payload.requirement)
        return {"before": before, "after": folio.requirement_data()}

    return change


def _check_unchanged(request: ChangeRequest, folio: Folio) -> None:
    check_rule(TargetUnchangedSinceFiling(f"el folio {folio.number}", request.snapshot,
                                          folio_snapshot(request.type, folio)))


# --------------------------------------------------------------------------------------------
# Undoing a wrong merge (admin)
# --------------------------------------------------------------------------------------------


@attrs.frozen
class MergeUndo:
    """What undoing a merge changed: the record (no longer merged) and the folios moved back."""

    record: Patient
    folios: tuple[Folio, ...]


def undo_merge(request: ChangeRequest, *, record: Patient, correct: Patient,
               folios: Sequence[Folio], reason: str) -> MergeUndo:
    """Reverse an approved merge from its outcome: the folios that moved (and still belong to
    the correct record) go back, and the record is no longer marked merged. The request itself
    stays as decided (decisions are final); the caller audits the undo with ``reason``
    (required: a wrong merge is undone on purpose, and the trail says why).

    ``folios``: the folios of the correct record (those not listed in the outcome stay)."""
    if request.type is not RequestType.MERGE or request.status is not RequestStatus.APPROVED:
        raise ValueError("only an approved merge can be undone")
    check_rule(MergeUndoNeedsReason(clean_text(reason, "motivo")))
    outcome = request.outcome or {}
    if record.id != outcome.get("from_patient_id") or correct.id != outcome.get("into_patient_id"):
        raise ValueError("these are not the records of this merge")
    if record.merged_into != correct.id:
        raise Conflict("El registro ya no está homologado con el registro correcto; no se puede "
                       "deshacer la homologación.")
    moved = set(outcome.get("moved_folios", ()))
    back = tuple(f for f in folios if f.number in moved and f.patient_id == correct.id)
    for f in back:
        f.reassign_patient(record.id)  # type: ignore[arg-type]
    record.undo_merge()
    return MergeUndo(record, back)


__all__ = [
    "CANCELLATION_MOTIVES", "EXTENSION_MOTIVES", "OTHER", "REQUIREMENT_CHANGE_MOTIVES",
    "UNIT_CHANGE_MOTIVES", "Approval", "ChangeRequest", "ExpiryChangePayload", "MergePayload",
    "MergePreview", "MergeUndo", "PAYLOAD_TYPES", "Payload", "PatientDataChange", "RequirementChangePayload",
    "UnitChangePayload", "approve", "check_rules", "extension_window", "file_expiry_change",
    "file_merge", "file_patient_data_change", "file_requirement_change", "file_unit_change",
    "first_broken", "folio_request_rules", "folio_snapshot", "merge_snapshot",
    "merge_window_rules", "motives_for", "patient_data_rules", "patient_snapshot",
    "payload_from_dict", "preview_merge", "reject", "undo_merge",
]
