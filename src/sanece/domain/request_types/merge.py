"""Homologación de registros (S8): records of one NSS merged into the *Correcto* one; one
request per *Homologar* record. Approval moves every folio of the record to the correct one and
marks the record merged; an admin may undo a wrong merge."""

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
    patient_label,
    patient_snapshot,
    pending_rule,
    require_id,
)
from sanece.domain.rules import (
    EligibilityProofMustBeOneFile,
    MergeNeedsAtLeastOneRecordToMerge,
    MergeNeedsExactlyOneCorrectRecord,
    MergeNeedsSeveralRecords,
    MergeRecordsMustShareNss,
    MergeUndoNeedsReason,
    PatientMustNotBeMerged,
    TargetUnchangedSinceFiling,
    recheck,
)
from sanece.domain.values import Attachment, MergeChoice, RequestStatus, clean_text


@attrs.frozen(kw_only=True)
class MergePayload:
    """Homologación: the request's patient (the *Homologar* record) goes into this one."""

    correct_patient_id: int

    def to_dict(self) -> dict[str, Any]:
        return {"correct_patient_id": self.correct_patient_id}


def merge_snapshot(record: Patient, correct: Patient) -> dict[str, Any]:
    return {"record": patient_snapshot(record), "correct": patient_snapshot(correct)}


def merge_window_rules(records: Sequence[object]) -> tuple[BusinessRule, ...]:
    """The homologación window opens only when the NSS search found several records."""
    return (MergeNeedsSeveralRecords(len(records)),)


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


@attrs.frozen
class MergeUndo:
    """What undoing a merge changed: the record (no longer merged) and the folios moved back."""

    record: Patient
    folios: tuple[Folio, ...]


class MergeType(PatientRequestType):
    member = "MERGE"
    code = "merge"
    slug = "homologacion"
    cli_name = "homologacion"
    label = "Homologación de registros"
    section_title = "Homologación de registros"
    description = ("Si el paciente tiene más de un registro en el SAnECE se deben homologar los "
                   "registros en el más actual para conservar el historial para futuras "
                   "evaluaciones.")
    payload_class = MergePayload

    def check_request(self, request: ChangeRequest) -> None:
        if request.payload.correct_patient_id == request.patient_id:
            raise ValueError("a record cannot be merged into itself")

    def filing_rules(self, target: Any, *, existing: Iterable[ChangeRequest], today: date,
                     subtype: Any = None) -> tuple[BusinessRule, ...]:
        """The window's rule (``target``: the records the NSS search found)."""
        return merge_window_rules(target)

    def snapshot(self, target: Any) -> dict[str, Any]:
        record, correct = target
        return merge_snapshot(record, correct)

    def file(self, records: Sequence[Patient], choices: Mapping[int, MergeChoice], *,
             eligibility_proof: Sequence[Attachment], existing: Iterable[ChangeRequest],
             filed_by: str, filed_at: datetime, unit_id: int | None = None
             ) -> list[ChangeRequest]:
        """``records``: the records the NSS search found; ``choices``: patient id ->
        Correcto / Homologar / No aplica (a record without a choice counts as No aplica).
        Returns one request per *Homologar* record (Datos anteriores -> Datos actuales)."""
        check_filing(filed_by)
        by_id: dict[int, Patient] = {}
        for p in records:
            require_id(p)
            if p.id in by_id:
                raise ValueError(f"patient {p.id} listed twice")
            by_id[p.id] = p  # type: ignore[index]
        unknown = set(choices) - set(by_id)
        if unknown:
            raise ValueError(f"choices for patients that were not listed: {sorted(unknown)}")
        check_rules(merge_window_rules(records))
        chosen = {pid: MergeChoice(choices.get(pid, MergeChoice.NOT_APPLICABLE))
                  for pid in by_id}
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
            check_rule(pending_rule(existing, self.code, self.target_ref(None, pid),
                                    f"el registro {by_id[pid].nss_aggregate}"))
        return [
            ChangeRequest(type=self.code, patient_id=pid, unit_id=unit_id,
                          payload=MergePayload(
                              correct_patient_id=correct.id),  # type: ignore[arg-type]
                          snapshot=merge_snapshot(by_id[pid], correct),
                          attachments=tuple(eligibility_proof), filed_by=filed_by,
                          filed_at=filed_at)
            for pid in merge_ids
        ]

    def approval_targets(self, request: ChangeRequest, source: ApprovalSource
                         ) -> dict[str, Any]:
        record = source.patient(int(request.patient_id or 0))
        correct = source.patient(request.payload.correct_patient_id)
        if record is None or correct is None:
            raise Conflict(TARGET_GONE)
        return {"patient": record, "correct_patient": correct,
                "patient_folios": source.folios_of_patient(int(request.patient_id or 0))}

    def check_approval(self, request: ChangeRequest, *, today: date, now: datetime,
                       **targets: Any) -> tuple[Apply, tuple[Patient, ...], tuple[Folio, ...]]:
        """Targets: ``patient`` (the Homologar record), ``correct_patient``, and
        ``patient_folios``: EVERY folio of the Homologar record (they move to the correct
        one)."""
        payload: MergePayload = request.payload
        record: Patient | None = targets.get("patient")
        correct: Patient | None = targets.get("correct_patient")
        record_folios: Sequence[Folio] = targets.get("patient_folios", ())
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
        check_rule(TargetUnchangedSinceFiling("alguno de los registros a homologar",
                                              request.snapshot, merge_snapshot(record, correct)))
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

    def row_columns(self, request: ChangeRequest, units: Mapping[int, Any]) -> dict[str, Any]:
        snap = request.snapshot
        return {"original": patient_label(snap["record"]),
                "requested": patient_label(snap["correct"]),
                "moved_folios": tuple((request.outcome or {}).get("moved_folios", ()))}

    def requested_changes(self, request: ChangeRequest, units: Mapping[int, Any]
                          ) -> tuple[FieldChange, ...]:
        rec, cor = request.snapshot["record"], request.snapshot["correct"]
        return tuple(FieldChange(PATIENT_FIELD_LABELS[f], str(rec.get(f) or ""),
                                 str(cor.get(f) or "")) for f in PATIENT_FIELDS)

    def applied_changes(self, outcome: Mapping[str, Any], unit_names: Mapping[int, str]
                        ) -> tuple[FieldChange, ...]:
        moved = ", ".join(outcome.get("moved_folios", ())) or "ninguno"
        return (FieldChange("Folios trasladados al registro correcto", "", moved),)

    def search_patients(self, request: ChangeRequest) -> list[Mapping[str, Any]]:
        snap = request.snapshot
        return [snap.get("record", {}), snap.get("correct", {})]

    def undo(self, request: ChangeRequest, *, record: Patient, correct: Patient,
             folios: Sequence[Folio], reason: str) -> MergeUndo:
        """Reverse an approved merge from its outcome: the folios that moved (and still
        belong to the correct record) go back, and the record is no longer marked merged.
        The request itself stays as decided (decisions are final); the caller audits the undo
        with ``reason`` (required: a wrong merge is undone on purpose, and the trail says
        why). ``folios``: the folios of the correct record (those not listed in the outcome
        stay)."""
        if request.definition is not self or request.status is not RequestStatus.APPROVED:
            raise ValueError("only an approved merge can be undone")
        check_rule(MergeUndoNeedsReason(clean_text(reason, "motivo")))
        outcome = request.outcome or {}
        if record.id != outcome.get("from_patient_id") or \
                correct.id != outcome.get("into_patient_id"):
            raise ValueError("these are not the records of this merge")
        if record.merged_into != correct.id:
            raise Conflict("El registro ya no está homologado con el registro correcto; no se "
                           "puede deshacer la homologación.")
        moved = set(outcome.get("moved_folios", ()))
        back = tuple(f for f in folios if f.number in moved and f.patient_id == correct.id)
        for f in back:
            f.reassign_patient(record.id)  # type: ignore[arg-type]
        record.undo_merge()
        return MergeUndo(record, back)


TYPE = MergeType()

__all__ = ["TYPE", "MergePayload", "MergePreview", "MergeType", "MergeUndo", "merge_snapshot",
           "merge_window_rules", "preview_merge"]
