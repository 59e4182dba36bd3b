"""The pure domain of the SAnECE context (standard library, attrs and ``shared.kernel`` only).

- ``values``: identifiers (folio, NSS, agregado médico), enumerations, drug keys, attachments.
- ``model``: OOAD/UMAE, medical units, medicines (genéricos), patients, folios and evaluation.
- ``request_types``: the registry of change request types, one module per type owning its
  payload, motives, filing rules, snapshot, approval and before → after lines.
- ``requests``: change requests (one state machine), filing, approval, rejection.
- ``extraction``: the extraction window and criteria.
- ``feedback``: comentarios o sugerencias.
- ``rules``: the named business rules with their Spanish messages.
"""

from sanece.domain.extraction import (
    ExtractionCriteria,
    ExtractionMode,
    ExtractionWindow,
    broken_window_rules,
)
from sanece.domain.feedback import Feedback, FeedbackKind
from sanece.domain.model import Folio, MedicalUnit, Medicine, Ooad, Patient, validity_of
from sanece.domain.requests import (
    Approval,
    ChangeRequest,
    ExpiryChangePayload,
    MergePayload,
    MergePreview,
    MergeUndo,
    PatientDataChange,
    RequirementChangePayload,
    UnitChangePayload,
    approve,
    file_expiry_change,
    file_merge,
    file_patient_data_change,
    file_requirement_change,
    file_unit_change,
    motives_for,
    payload_from_dict,
    preview_merge,
    reject,
    undo_merge,
)
from sanece.domain.values import (
    Attachment,
    DrugKey,
    DrugQuantity,
    EvaluationStatus,
    ExpiryChangeKind,
    MedicalAggregate,
    MergeChoice,
    RequestStatus,
    Validity,
    parse_aggregate,
    parse_folio_number,
    parse_nss,
)
from sanece.domain.request_types import RequestType

__all__ = [
    "Approval", "Attachment", "ChangeRequest", "DrugKey", "DrugQuantity", "EvaluationStatus",
    "ExpiryChangeKind", "ExpiryChangePayload", "ExtractionCriteria", "ExtractionMode",
    "Feedback", "FeedbackKind", "validity_of",
    "ExtractionWindow", "Folio", "MedicalAggregate", "MedicalUnit", "Medicine", "MergeChoice",
    "MergePayload", "MergePreview", "MergeUndo", "Ooad", "Patient", "PatientDataChange", "RequestStatus",
    "RequestType", "RequirementChangePayload", "UnitChangePayload", "Validity", "approve",
    "broken_window_rules", "file_expiry_change", "file_merge", "file_patient_data_change",
    "file_requirement_change", "file_unit_change", "motives_for", "parse_aggregate",
    "parse_folio_number", "parse_nss", "payload_from_dict", "preview_merge", "reject",
    "undo_merge",
]
