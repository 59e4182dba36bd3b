"""Cambio de datos de paciente (S7): new values for the ticked fields of a patient record, the
vigencia attached; no other data change of the record En espera; an NSS or agregado change
must not give the record another active record's identity."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

import attrs

from shared.kernel.errors import Conflict
from shared.kernel.rules import BusinessRule, check_rule

from sanece.domain.model import PATIENT_FIELD_LABELS, PATIENT_FIELDS, Folio, Patient
from sanece.domain.request_types.base import (
    TARGET_GONE,
    Apply,
    ApprovalSource,
    ChangeRequest,
    FieldChange,
    PatientRequestType,
    check_filing,
    check_rules,
    optional,
    patient_label,
    patient_snapshot,
    pending_rule,
    require_id,
)
from sanece.domain.rules import (
    EligibilityProofMustBeOneFile,
    PatientChangeMustChangeSomething,
    PatientIdentityMustBeUnique,
    PatientMustNotBeMerged,
    TargetUnchangedSinceFiling,
    recheck,
)
from sanece.domain.values import Attachment, parse_aggregate, parse_name, parse_nss

_PATIENT_PARSERS = {
    "nss": parse_nss,
    "aggregate": parse_aggregate,
    "paternal_surname": lambda v: parse_name(v, "apellido paterno"),
    "maternal_surname": lambda v: parse_name(v, "apellido materno"),
    "given_names": lambda v: parse_name(v, "nombre"),
}


@attrs.frozen(kw_only=True)
class PatientDataChange:
    """Cambio de datos de paciente: only the ticked fields are set (None = not ticked).

    Values are validated and normalized on construction (NSS 10 digits, agregado pattern in
    upper case, names non-empty in capitals)."""

    nss: str | None = attrs.field(default=None, converter=optional(_PATIENT_PARSERS["nss"]))
    aggregate: str | None = attrs.field(default=None,
                                        converter=optional(_PATIENT_PARSERS["aggregate"]))
    paternal_surname: str | None = attrs.field(
        default=None, converter=optional(_PATIENT_PARSERS["paternal_surname"]))
    maternal_surname: str | None = attrs.field(
        default=None, converter=optional(_PATIENT_PARSERS["maternal_surname"]))
    given_names: str | None = attrs.field(default=None,
                                          converter=optional(_PATIENT_PARSERS["given_names"]))

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


def check_identity_unique(patient: Patient, changes: Mapping[str, str],
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


class PatientDataType(PatientRequestType):
    member = "PATIENT_DATA"
    code = "patient_data"
    slug = "datos-paciente"
    cli_name = "datos-paciente"
    label = "Cambio de datos de paciente"
    section_title = "Cambio de datos de pacientes"
    description = "Nombre, apellidos, NSS y agregado médico."
    payload_class = PatientDataChange
    modifiable = PATIENT_FIELDS

    def field_label(self, name: str) -> str:
        return PATIENT_FIELD_LABELS.get(name, name)

    def filing_rules(self, target: Any, *, existing: Iterable[ChangeRequest], today: date,
                     subtype: Any = None) -> tuple[BusinessRule, ...]:
        """Not merged into another record, and no other data change of it En espera."""
        patient: Patient = target
        return (PatientMustNotBeMerged(patient),
                pending_rule(existing, self.code, self.target_ref(None, patient.id),
                             f"el paciente {patient.nss_aggregate}"))

    def snapshot(self, target: Any) -> dict[str, Any]:
        return patient_snapshot(target)

    def file(self, patient: Patient, changes: PatientDataChange, *,
             eligibility_proof: Sequence[Attachment], existing: Iterable[ChangeRequest],
             filed_by: str, filed_at: datetime, unit_id: int | None = None,
             same_nss: Sequence[Patient] | None = None) -> ChangeRequest:
        """Only real changes are kept in the payload. ``same_nss``: every record with the NSS
        the patient would have (needed when NSS or agregado change)."""
        require_id(patient)
        check_filing(filed_by)
        check_rules(self.filing_rules(patient, existing=existing, today=filed_at.date()))
        real = changes.changes_for(patient)
        check_rule(PatientChangeMustChangeSomething(real))
        check_identity_unique(patient, real, same_nss, at_decision=False)
        check_rule(EligibilityProofMustBeOneFile(eligibility_proof))
        return ChangeRequest(type=self.code, patient_id=patient.id, unit_id=unit_id,
                             payload=PatientDataChange(**real), snapshot=self.snapshot(patient),
                             attachments=tuple(eligibility_proof), filed_by=filed_by,
                             filed_at=filed_at)

    def approval_targets(self, request: ChangeRequest, source: ApprovalSource
                         ) -> dict[str, Any]:
        patient = source.patient(int(request.patient_id or 0))
        if patient is None:
            raise Conflict(TARGET_GONE)
        nss, _ = request.applied_payload.identity_for(patient)
        return {"patient": patient, "same_nss": source.patients_by_nss(nss)}

    def check_approval(self, request: ChangeRequest, *, today: date, now: datetime,
                       **targets: Any) -> tuple[Apply, tuple[Patient, ...], tuple[Folio, ...]]:
        """Targets: ``patient``; ``same_nss``: every record with the NSS the patient would
        have (when NSS or agregado change)."""
        patient: Patient | None = targets.get("patient")
        if patient is None or patient.id != request.patient_id:
            raise ValueError(f"approving this request needs patient {request.patient_id}")
        recheck(PatientMustNotBeMerged(patient))
        check_rule(TargetUnchangedSinceFiling("el registro del paciente", request.snapshot,
                                              patient_snapshot(patient)))
        payload: PatientDataChange = request.applied_payload
        changes = payload.changes_for(patient)
        recheck(PatientChangeMustChangeSomething(changes))
        check_identity_unique(patient, changes, targets.get("same_nss"), at_decision=True)

        def apply() -> dict[str, Any]:
            before = patient.data()
            patient.apply_changes(changes)
            return {"before": before, "after": patient.data()}

        return apply, (patient,), ()

    def row_columns(self, request: ChangeRequest, units: Mapping[int, Any]) -> dict[str, Any]:
        return {"original": patient_label(request.snapshot),
                "requested": patient_label(request.requested_patient_data())}

    def requested_changes(self, request: ChangeRequest, units: Mapping[int, Any]
                          ) -> tuple[FieldChange, ...]:
        snap, after = request.snapshot, request.requested_patient_data()
        return tuple(FieldChange(PATIENT_FIELD_LABELS[f], str(snap.get(f) or ""),
                                 str(after.get(f) or "")) for f in PATIENT_FIELDS)

    def applied_changes(self, outcome: Mapping[str, Any], unit_names: Mapping[int, str]
                        ) -> tuple[FieldChange, ...]:
        before, after = outcome.get("before", {}), outcome.get("after", {})
        return tuple(FieldChange(label, str(before.get(name) or ""), str(after.get(name) or ""))
                     for name, label in PATIENT_FIELD_LABELS.items()
                     if before.get(name) != after.get(name))

    def search_patients(self, request: ChangeRequest) -> list[Mapping[str, Any]]:
        return [request.snapshot, request.requested_patient_data()]


TYPE = PatientDataType()

__all__ = ["TYPE", "PatientDataChange", "PatientDataType", "check_identity_unique"]
