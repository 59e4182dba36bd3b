"""Filing the five change requests (S7–S11) with their attachments.

Only a director files, for their own unit, on folios of the unit and on patients that have a
folio there (anything else answers ``NotFound`` like a missing id). Each filing runs in two
steps so that nothing is half-written:

1. every rule (the domain's ``file_*`` with provisional attachments whose types were sniffed
   from their content) is checked in a transaction that is rolled back: a refused request
   stores no byte;
2. the files are stored, and the same rules run again in the transaction that adds the
   request(s) and the audit entry (``sanece.request_filed``). If that fails, the stored files
   are deleted again.

A command's ``expected_version`` (``expected_versions`` for a homologación) is the version of
the folio or patient record(s) the director's page was drawn from: a filing based on a record
that changed since is refused with ``StaleVersion`` (who changed it, when, the current values),
and the record is held at that version until the filing commits.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import attrs

from sanece.application.access import PATIENT_NOT_FOUND, Actor, require_director
from sanece.application.ports import SaneceUnitOfWork, UploadedFile
from sanece.application.use_cases._common import (
    REQUEST_TARGET,
    UseCase,
    audit,
    folio_values,
    load_folio,
    load_patient,
    patient_visible,
)
from sanece.application.use_cases.attachments import (
    attachments_key,
    check_uploads,
    delete_stored,
    store_uploads,
)
from sanece.application.concurrency import check_version
from sanece.application.inputs import known_id, parse_quantity
from sanece.application.results import FilingCheck, RequestFiled
from sanece.domain.model import Folio, Patient
from sanece.domain.request_types import request_type_of
from sanece.domain.requests import (
    ChangeRequest,
    PatientDataChange,
    file_expiry_change,
    file_merge,
    file_patient_data_change,
    file_requirement_change,
    file_unit_change,
    first_broken,
    folio_request_rules,
    patient_data_rules,
)
from sanece.domain.values import (
    Attachment,
    DrugQuantity,
    ExpiryChangeKind,
    MergeChoice,
    format_date,
    parse_drug_key,
    parse_nss,
)
from sanece.domain.request_types import RequestType
from shared.kernel.errors import NotFound, ValidationError
from shared.storage.domain import FileStorage

DESTINATION_REQUIRED = "Elige la OOAD y la unidad médica de destino."
DESTINATION_MISMATCH = "La unidad médica de destino no pertenece a la OOAD elegida."

Build = Callable[[SaneceUnitOfWork, Actor, int, Sequence[Attachment]], list[ChangeRequest]]


@attrs.define
class _FileRequest(UseCase):
    storage: FileStorage
    max_bytes: int

    def _file(self, actor: Actor, request_type: RequestType, uploads: Sequence[UploadedFile],
              build: Build) -> RequestFiled:
        unit_id = require_director(actor.scope)
        provisional = check_uploads(uploads, self.max_bytes)
        with self.uow_factory() as uow:  # every rule before a byte is stored (rolled back)
            build(uow, actor, unit_id, provisional)
        stored = store_uploads(self.storage, attachments_key(unit_id, self.clock.now()),
                               uploads, provisional, self.max_bytes)
        try:
            with self.uow_factory() as uow:
                requests = build(uow, actor, unit_id, stored)
                ids = []
                for request in requests:
                    request_id = uow.requests.add(request)
                    request.id = request_id
                    ids.append(request_id)
                    audit(uow, self.clock, actor, "request_filed", REQUEST_TARGET,
                          str(request_id), after=_filed_audit(request))
                uow.commit()
        except BaseException:
            delete_stored(self.storage, stored)
            raise
        return RequestFiled(tuple(ids), request_type)


def _filed_audit(request: ChangeRequest) -> dict[str, object]:
    return {"type": request.type.value, "folio": request.folio_number,
            "patient_id": request.patient_id, "unit_id": request.unit_id,
            "requested": request.payload.to_dict(),
            "attachments": [a.original_name for a in request.attachments]}


# --------------------------------------------------------------------------- S7


@attrs.frozen
class FilePatientDataCommand:
    """Only the ticked fields carry a value (None: not ticked)."""

    patient_id: int
    eligibility_proof: Sequence[UploadedFile]  # Adjuntar vigencia: exactly one file
    nss: str | None = None
    aggregate: str | None = None
    paternal_surname: str | None = None
    maternal_surname: str | None = None
    given_names: str | None = None
    expected_version: int | None = None  # the record's version the form was drawn from


@attrs.define
class FilePatientDataChange(_FileRequest):
    """Solicitar cambio de datos (S7): at least one real change, new values validated, the
    vigencia attached (PDF or image), no other pending data change of the record."""

    def __call__(self, actor: Actor, cmd: FilePatientDataCommand) -> RequestFiled:
        def build(uow: SaneceUnitOfWork, actor: Actor, unit_id: int,
                  files: Sequence[Attachment]) -> list[ChangeRequest]:
            patient = load_patient(uow, actor, cmd.patient_id)
            _unchanged_patient(uow, patient, cmd.expected_version)
            changes = PatientDataChange(nss=cmd.nss, aggregate=cmd.aggregate,
                                        paternal_surname=cmd.paternal_surname,
                                        maternal_surname=cmd.maternal_surname,
                                        given_names=cmd.given_names)
            nss, _ = changes.identity_for(patient)
            return [file_patient_data_change(
                patient, changes, eligibility_proof=files,
                existing=uow.requests.for_patient(cmd.patient_id), filed_by=actor.username,
                filed_at=self.clock.now(), unit_id=unit_id,
                same_nss=uow.patients.by_nss(nss))]

        return self._file(actor, RequestType.PATIENT_DATA, cmd.eligibility_proof, build)


# --------------------------------------------------------------------------- S8


@attrs.frozen
class FileMergeCommand:
    """Homologación: the records the NSS search found, each with Correcto / Homologar / No
    aplica (a record without a choice counts as No aplica)."""

    nss: str
    choices: Mapping[int, MergeChoice | str]
    eligibility_proof: Sequence[UploadedFile]
    # record id -> the version the director's page showed (None: not checked)
    expected_versions: Mapping[int, int | None] | None = None


@attrs.define
class FileMerge(_FileRequest):
    """Solicitar homologar registros (S8): exactly one Correcto, at least one Homologar, every
    record with the NSS searched; one request per Homologar record."""

    def __call__(self, actor: Actor, cmd: FileMergeCommand) -> RequestFiled:
        nss = parse_nss(cmd.nss)
        try:
            choices = {int(pid): MergeChoice(c) for pid, c in cmd.choices.items()}
        except ValueError:
            raise ValidationError("Elige Correcto, Homologar o No aplica para cada registro.",
                                  log_message="bad merge choice") from None

        def build(uow: SaneceUnitOfWork, actor: Actor, unit_id: int,
                  files: Sequence[Attachment]) -> list[ChangeRequest]:
            records = [p for p in uow.patients.by_nss(nss)
                       if not p.is_merged and patient_visible(uow, actor, p)]
            listed = {p.id for p in records}
            if set(choices) - listed:
                _refuse_strays(uow, actor, nss, set(choices) - listed)
            for record in records:  # each record as the page showed it
                _unchanged_patient(uow, record, (cmd.expected_versions or {}).get(record.id))
            existing = [r for pid in sorted(listed) for r in uow.requests.for_patient(pid)]
            return file_merge(records, choices, eligibility_proof=files, existing=existing,
                              filed_by=actor.username, filed_at=self.clock.now(),
                              unit_id=unit_id)

        return self._file(actor, RequestType.MERGE, cmd.eligibility_proof, build)


OTHER_NSS = ("Solo se homologan registros del mismo NSS ({nss}): el formulario incluye un "
             "registro con otro NSS. Busque de nuevo el NSS y elija entre los registros que "
             "se muestran.")


def _refuse_strays(uow: SaneceUnitOfWork, actor: Actor, nss: str, strays: set[int]) -> None:
    """Records chosen outside the NSS's list (a tampered form): when the caller can see every
    one of them and they are simply of another NSS, say so; anything else answers like a
    missing record (no hint about records the caller cannot see)."""
    found = [uow.patients.get(pid) for pid in sorted(strays)]
    if all(p is not None and not p.is_merged and p.nss != nss and patient_visible(uow, actor, p)
           for p in found):
        raise ValidationError(OTHER_NSS.format(nss=nss), log_message="merge across NSS")
    raise NotFound(PATIENT_NOT_FOUND)


# --------------------------------------------------------------------------- S9


@attrs.frozen
class FileExpiryChangeCommand:
    folio_number: str
    kind: ExpiryChangeKind | str  # Baja de folio / Ampliación de fecha de vencimiento
    motive: str
    detail: str
    attachments: Sequence[UploadedFile]  # 1 to 3
    expected_version: int | None = None  # the folio's version the form was drawn from


@attrs.define
class FileExpiryChange(_FileRequest):
    """Baja de folio (vigente folio) or Ampliación / prórroga (Validada folio) (S9)."""

    def __call__(self, actor: Actor, cmd: FileExpiryChangeCommand) -> RequestFiled:
        kind = expiry_kind(cmd.kind)

        def build(uow: SaneceUnitOfWork, actor: Actor, unit_id: int,
                  files: Sequence[Attachment]) -> list[ChangeRequest]:
            folio = load_folio(uow, actor, cmd.folio_number)
            _unchanged_folio(uow, folio, cmd.expected_version)
            return [file_expiry_change(
                folio, kind, motive=cmd.motive, detail=cmd.detail, attachments=files,
                existing=uow.requests.for_folio(folio.number), today=self.clock.today(),
                filed_by=actor.username, filed_at=self.clock.now(), unit_id=unit_id)]

        return self._file(actor, RequestType.EXPIRY_CHANGE, cmd.attachments, build)


def expiry_kind(raw: ExpiryChangeKind | str | None) -> ExpiryChangeKind:
    try:
        return ExpiryChangeKind(raw)
    except ValueError:
        raise ValidationError("Elige Baja de folio o Ampliación de fecha de vencimiento.",
                              log_message=f"bad expiry change kind {raw!r}") from None


# --------------------------------------------------------------------------- S10


@attrs.frozen
class FileUnitChangeCommand:
    folio_number: str
    motive: str
    detail: str
    destination_ooad_id: int | None
    destination_unit_id: int | None
    attachments: Sequence[UploadedFile]
    expected_version: int | None = None  # the folio's version the form was drawn from


@attrs.define
class FileUnitChange(_FileRequest):
    """Cambio de unidad médica (S10): vigente folio, a destination unit of the chosen OOAD
    other than the folio's."""

    def __call__(self, actor: Actor, cmd: FileUnitChangeCommand) -> RequestFiled:
        def build(uow: SaneceUnitOfWork, actor: Actor, unit_id: int,
                  files: Sequence[Attachment]) -> list[ChangeRequest]:
            folio = load_folio(uow, actor, cmd.folio_number)
            _unchanged_folio(uow, folio, cmd.expected_version)
            if cmd.destination_ooad_id is None or cmd.destination_unit_id is None:
                raise ValidationError(DESTINATION_REQUIRED, log_message="no destination")
            destination = uow.units.get(known_id(cmd.destination_unit_id))
            if destination is None or uow.ooads.get(known_id(cmd.destination_ooad_id)) is None:
                raise ValidationError(DESTINATION_REQUIRED, log_message="unknown destination")
            if destination.ooad_id != int(cmd.destination_ooad_id):
                raise ValidationError(DESTINATION_MISMATCH, log_message="unit not in ooad")
            return [file_unit_change(
                folio, destination, motive=cmd.motive, detail=cmd.detail, attachments=files,
                existing=uow.requests.for_folio(folio.number), today=self.clock.today(),
                filed_by=actor.username, filed_at=self.clock.now(), unit_id=unit_id)]

        return self._file(actor, RequestType.UNIT_CHANGE, cmd.attachments, build)


# --------------------------------------------------------------------------- S11


@attrs.frozen
class FileRequirementChangeCommand:
    folio_number: str
    key1: str
    quantity1: int | str
    requirement: str
    motive: str
    detail: str
    attachments: Sequence[UploadedFile]
    key2: str | None = None  # empty: no clave 2 (removes the folio's, if any)
    quantity2: int | str | None = None
    expected_version: int | None = None  # the folio's version the form was drawn from


@attrs.define
class FileRequirementChange(_FileRequest):
    """Cambio de requerimiento (S11): vigente folio, claves of its genérico validado with
    quantities >= 1, the requerimiento text; something must really change."""

    def __call__(self, actor: Actor, cmd: FileRequirementChangeCommand) -> RequestFiled:
        key1 = requested_drug(cmd.key1, cmd.quantity1)
        if key1 is None:
            raise ValidationError("Selecciona la clave 1.", log_message="no key 1")
        key2 = requested_drug(cmd.key2, cmd.quantity2)

        def build(uow: SaneceUnitOfWork, actor: Actor, unit_id: int,
                  files: Sequence[Attachment]) -> list[ChangeRequest]:
            folio = load_folio(uow, actor, cmd.folio_number)
            _unchanged_folio(uow, folio, cmd.expected_version)
            medicine = uow.medicines.get(folio.medicine_id)
            assert medicine is not None  # a folio always references its genérico (FK)
            return [file_requirement_change(
                folio, medicine, key1=key1, key2=key2, requirement=cmd.requirement,
                motive=cmd.motive, detail=cmd.detail, attachments=files,
                existing=uow.requests.for_folio(folio.number), today=self.clock.today(),
                filed_by=actor.username, filed_at=self.clock.now(), unit_id=unit_id)]

        return self._file(actor, RequestType.REQUIREMENT_CHANGE, cmd.attachments, build)


# --------------------------------------------------------------------------- any folio type


@attrs.frozen
class FileFolioRequestCommand:
    """A request of a registered folio type from its form's plain fields (``fields``: what
    the type's ``file_fields`` reads: motive, detail and the payload's own fields)."""

    request_type: str
    folio_number: str
    fields: Mapping[str, Any]
    attachments: Sequence[UploadedFile]  # 1 to 3
    expected_version: int | None = None  # the folio's version the form was drawn from


@attrs.define
class FileFolioRequest(_FileRequest):
    """Filing of any registered folio type whose payload comes from plain fields (a type
    added to the registry files through here, with no use case of its own)."""

    def __call__(self, actor: Actor, cmd: FileFolioRequestCommand) -> RequestFiled:
        definition = request_type_of(cmd.request_type)
        if definition.targets_patient:
            raise ValueError(f"{definition.code} is not a folio request")

        def build(uow: SaneceUnitOfWork, actor: Actor, unit_id: int,
                  files: Sequence[Attachment]) -> list[ChangeRequest]:
            folio = load_folio(uow, actor, cmd.folio_number)
            _unchanged_folio(uow, folio, cmd.expected_version)
            return definition.file_fields(
                folio, cmd.fields, attachments=files,
                existing=uow.requests.for_folio(folio.number), today=self.clock.today(),
                filed_by=actor.username, filed_at=self.clock.now(), unit_id=unit_id)

        return self._file(actor, definition.enum_member, cmd.attachments, build)


# --------------------------------------------------------------------------- before the form


@attrs.define
class CheckFiling(UseCase):
    """Whether a request of a type may be filed on a folio or a patient record, with the same
    domain rules the filing checks (``folio_request_rules``, ``patient_data_rules``), loaded
    the same way (scoped: a foreign target is the same ``NotFound`` as a missing one). The
    pages ask right after the folio / NSS search and show the refusal instead of the form, so
    that nobody fills a form and attaches files only to learn it cannot be filed. Nothing is
    written."""

    def folio(self, actor: Actor, folio_number: str, request_type: RequestType | str,
              kind: ExpiryChangeKind | str | None = None) -> FilingCheck:
        require_director(actor.scope)
        request_type = RequestType(request_type)
        if request_type.targets_patient:
            raise ValueError(f"{request_type.value} is not a folio request")
        # a type with subtypes (the expiry change) is checked for the subtype chosen
        chosen = expiry_kind(kind) if request_type.definition.subtypes else None
        with self.uow_factory() as uow:
            folio = load_folio(uow, actor, folio_number)
            rules = folio_request_rules(request_type, folio,
                                        existing=uow.requests.for_folio(folio.number),
                                        today=self.clock.today(), kind=chosen)
        return FilingCheck.of(request_type, first_broken(rules))

    def patient_data(self, actor: Actor, patient_id: int) -> FilingCheck:
        require_director(actor.scope)
        with self.uow_factory() as uow:
            patient = load_patient(uow, actor, patient_id)
            rules = patient_data_rules(patient,
                                       existing=uow.requests.for_patient(int(patient_id)))
        return FilingCheck.of(RequestType.PATIENT_DATA, first_broken(rules))


def _unchanged_folio(uow: SaneceUnitOfWork, folio: Folio, expected: int | None) -> None:
    """A filing based on a folio the director's page showed: refused (with the folio as it
    is now) if it changed since, and held at that version until the filing commits."""
    if expected is None:
        return
    check_version(f"El folio {folio.number}", folio, expected, {
        **folio_values(folio), "unit_id": folio.unit_id,
        "cancellation_date": format_date(folio.cancellation_date) or None})
    uow.folios.hold(folio.number, expected)


def _unchanged_patient(uow: SaneceUnitOfWork, patient: Patient, expected: int | None) -> None:
    """Likewise for a patient record (Solicitar cambio de datos)."""
    if expected is None:
        return
    check_version("El registro del paciente", patient, expected, patient.data())
    assert patient.id is not None
    uow.patients.hold(patient.id, expected)


def requested_drug(key: str | None, quantity: int | str | None) -> DrugQuantity | None:
    """A clave with its cantidad from a form (None when no clave was chosen)."""
    if not (key or "").strip():
        return None
    code = parse_drug_key(str(key))
    return DrugQuantity(code, parse_quantity(quantity, code))


__all__ = [
    "CheckFiling", "FileExpiryChange", "FileExpiryChangeCommand", "FileFolioRequest",
    "FileFolioRequestCommand", "FileMerge", "FileMergeCommand",
    "FilePatientDataChange", "FilePatientDataCommand", "FileRequirementChange",
    "FileRequirementChangeCommand", "FileUnitChange", "FileUnitChangeCommand", "expiry_kind",
    "requested_drug",
]
