"""What every type of change request shares, and ``ChangeRequestType``: the parts one type owns.

One state machine serves every type:

    En espera (PENDING) --approve--> Validado (APPROVED; "con modificación" when the reviewer
                                     authorized other values than those requested)
                        --reject---> No Validado (REJECTED)
                        --pend-----> Requiere información (INFO_REQUESTED)
                        --cancel---> Cancelada por la unidad (CANCELLED)
    Requiere información --answer--> En espera (keeps its filing date)
                         --cancel--> Cancelada por la unidad
                         --expire--> Vencida sin respuesta (EXPIRED)
    Validado, No Validado, Cancelada and Vencida are final.

A ``ChangeRequestType`` (one module per type in this package, registered in ``__init__``) owns
its vocabulary (code, slug, Spanish labels, description), its payload and the parsing of it from
plain field values, its motives, the precondition rules checked before filing, the *snapshot*
of its target kept at filing, the re-checks and the change an approval applies, and the
before → after lines pages, API and CLI show. Nothing here does I/O: the application loads the
targets (through ``ApprovalSource``), calls these parts and persists what they return.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any, Callable, ClassVar, Iterable, Mapping, Protocol, Sequence

import attrs

from shared.kernel.errors import Conflict, ValidationError
from shared.kernel.rules import BusinessRule, check_rule

from sanece.domain.decisions import SYSTEM_USER, InfoRound
from sanece.domain.model import Folio, Patient
from sanece.domain.rules import (
    EligibilityProofMustBeOneFile,
    FolioMustBeInForce,
    FolioRequestNeedsOneToThreeAttachments,
    MotiveMustBeFromList,
    OnePendingRequestPerTypeAndTarget,
    RejectionNeedsReason,
    RequestMustAwaitInformation,
    RequestMustBeOpen,
    RequestMustBePending,
    TargetUnchangedSinceFiling,
    TextRequired,
)
from sanece.domain.values import (
    Attachment,
    RequestStatus,
    clean_text,
    format_date,
    parse_folio_number,
)

OTHER = "Otro"
NOT_MODIFIABLE = ("En una solicitud de {label} solo se pueden modificar los datos que la regla "
                  "permite; valida lo solicitado o márcala como No Validado.")
TARGET_GONE = ("No se puede validar la solicitud: el registro al que se refiere ya no existe. "
               "Márcala como No Validado.")

Apply = Callable[[], dict[str, Any]]  # applies the change, returns the outcome
Payload = Any  # the payload class of the request's type (``ChangeRequestType.payload_class``)


# --------------------------------------------------------------------------------------------
# The registry's storage and the type code enumeration
# --------------------------------------------------------------------------------------------

_BY_CODE: dict[str, "ChangeRequestType"] = {}


class RequestTypeCode(str, enum.Enum):
    """Base of ``RequestType``, the enumeration of the registered types' codes (built by the
    registry, so that adding a type is one registration line). A member answers for its type."""

    @property
    def definition(self) -> "ChangeRequestType":
        return _BY_CODE[self.value]

    @property
    def label(self) -> str:
        return self.definition.label

    @property
    def targets_patient(self) -> bool:
        return self.definition.targets_patient

    @property
    def targets_folio(self) -> bool:
        return not self.targets_patient


_ENUM: list[type[RequestTypeCode]] = []  # the enumeration ``install`` built (one)


def install(types: Sequence["ChangeRequestType"]) -> type[RequestTypeCode]:
    """Register the types (in display order) and build their code enumeration."""
    if _BY_CODE:
        raise RuntimeError("the change request types are registered once")
    for t in types:
        if t.code in _BY_CODE:
            raise ValueError(f"request type {t.code} registered twice")
        _BY_CODE[t.code] = t
    built = RequestTypeCode("RequestType",  # type: ignore[call-overload]
                            [(t.member, t.code) for t in types],
                            module="sanece.domain.request_types",
                            qualname="RequestType")
    count = _NUMBERS.get(len(types), str(len(types)))
    built.__doc__ = f"The {count} kinds of solicitud de cambio (one state machine for all of them)."
    _ENUM.append(built)  # kept here, so that a type finds its member without importing the registry
    return built  # type: ignore[no-any-return]


_NUMBERS = {5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


def request_type_of(code: Any) -> "ChangeRequestType":
    """The registered type of a code (a ``RequestType`` member or its value)."""
    raw = code.value if isinstance(code, enum.Enum) else str(code)
    try:
        return _BY_CODE[raw]
    except KeyError:
        raise ValueError(f"{raw!r} is not a change request type") from None


def _request_type(value: Any) -> RequestTypeCode:
    return request_type_of(value).enum_member


# --------------------------------------------------------------------------------------------
# Shared parts: motives, detail, snapshots, display lines
# --------------------------------------------------------------------------------------------


def parse_motive(raw: str, allowed: tuple[str, ...]) -> str:
    """Case- and space-insensitive match against the list; returns the list's spelling."""
    key = " ".join(str(raw).split()).casefold()
    for motive in allowed:
        if motive.casefold() == key:
            return motive
    check_rule(MotiveMustBeFromList(str(raw), allowed))
    return str(raw)  # pragma: no cover - check_rule raised


def parse_detail(raw: str) -> str:
    detail = clean_text(raw, "detalle del motivo")
    check_rule(TextRequired(detail, "Detalla el motivo de la solicitud."))
    return detail


def optional(parser: Any) -> Any:
    return lambda v: None if v is None else parser(v)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def iso_day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def day_text(iso_value: Any) -> str:
    return format_date(date.fromisoformat(iso_value)) if iso_value else ""


def patient_snapshot(patient: Patient) -> dict[str, Any]:
    return {"id": patient.id, **patient.data()}


def patient_label(data: Mapping[str, Any]) -> str:
    """"PACIENTE PRUEBA SANECE 1111111111 - 1F1980OR" from a snapshot's patient data."""
    return (f"{data.get('given_names', '')} {data.get('paternal_surname', '')} "
            f"{data.get('maternal_surname', '')} {data.get('nss', '')} - "
            f"{data.get('aggregate', '')}")


def keys_label(data: Mapping[str, Any]) -> str:
    """Claves y cantidad: "5795 (12)" or "5795 (12), 5796 (2)"."""
    parts = [f"{data[k]} ({data[q]})" for k, q in (("key1", "quantity1"), ("key2", "quantity2"))
             if data.get(k)]
    return ", ".join(parts)


def require_id(patient: Patient) -> int:
    if patient.id is None:
        raise ValueError("the patient must be stored (have an id) first")
    return patient.id


def check_filing(filed_by: str) -> None:
    if not filed_by:
        raise ValueError("a request records who filed it")


def first_broken(rules: Iterable[BusinessRule]) -> BusinessRule | None:
    """The first broken rule (what the refusal says), or None when every rule passes."""
    return next((rule for rule in rules if rule.is_broken()), None)


def check_rules(rules: Iterable[BusinessRule]) -> None:
    for rule in rules:
        check_rule(rule)


@attrs.frozen
class FieldChange:
    """One line of a request's before/after."""

    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@attrs.frozen
class Subtype:
    """A subtype of a request type (Tipo de solicitud: Baja de folio, Ampliación…): its code
    (``ChangeRequest.kind``), its label and its name on the CLI's ``--type``."""

    code: str
    label: str
    cli_name: str


class UnitLike(Protocol):
    """What the before/after lines read of a medical unit (the read model's ``UnitView``)."""

    @property
    def name(self) -> str: ...

    @property
    def ooad_name(self) -> str: ...

    @property
    def label(self) -> str: ...


class ApprovalSource(Protocol):
    """Where an approval's targets are loaded from (the application's unit of work), locked for
    update where they will change."""

    def patient(self, patient_id: int) -> Patient | None: ...

    def patients_by_nss(self, nss: str) -> Sequence[Patient]: ...

    def folio(self, number: str) -> Folio | None: ...

    def folios_of_patient(self, patient_id: int) -> Sequence[Folio]: ...

    def unit_exists(self, unit_id: int) -> bool: ...

    def medicine(self, medicine_id: int) -> Any: ...


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
    type: Any = attrs.field(converter=_request_type)  # a RequestType member
    folio_number: str | None = attrs.field(default=None, converter=optional(parse_folio_number))
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
    reason_code: str | None = None  # the coded reason of No Validado / pending / cancelled
    # a Validado con modificación: the payload (``to_dict``) that was authorized and applied
    authorized: dict[str, Any] | None = None
    info_rounds: tuple[InfoRound, ...] = attrs.field(converter=tuple, default=())

    def __attrs_post_init__(self) -> None:
        definition = self.definition
        if not isinstance(self.payload, definition.payload_class):
            raise ValueError(f"a {self.type.value} request needs a "
                             f"{definition.payload_class.__name__} payload")
        if definition.targets_folio and self.folio_number is None:
            raise ValueError("a folio request needs its folio number")
        if definition.targets_patient and self.patient_id is None:
            raise ValueError("a patient request needs its patient id")
        definition.check_request(self)
        check_rule(definition.attachments_rule(self.attachments))
        decided = self.decided_by is not None and self.decided_at is not None
        if self.status.is_open and (decided or self.outcome is not None):
            raise ValueError("an open request carries no decision")
        if not self.status.is_open and not decided:
            raise ValueError("a decided request records who decided and when")
        if self.status is RequestStatus.REJECTED:
            check_rule(RejectionNeedsReason(self.reason or self.reason_code))
        awaiting = bool(self.info_rounds) and not self.info_rounds[-1].answered
        if (self.status is RequestStatus.INFO_REQUESTED) != awaiting and \
                self.status is not RequestStatus.EXPIRED and \
                self.status is not RequestStatus.CANCELLED:
            raise ValueError("a request requires information exactly while a round is open")
        if self.authorized is not None:
            if self.status is not RequestStatus.APPROVED:
                raise ValueError("only a Validado request has authorized values")
            self.definition.parse_payload(self.authorized)

    # ---- reading ------------------------------------------------------------------------

    @property
    def definition(self) -> "ChangeRequestType":
        """The request's type, with every part it owns."""
        return request_type_of(self.type)

    @property
    def is_pending(self) -> bool:
        return self.status is RequestStatus.PENDING

    @property
    def is_open(self) -> bool:
        """En espera or Requiere información: not decided yet (one per type and target)."""
        return self.status.is_open

    @property
    def modified(self) -> bool:
        return self.authorized is not None

    @property
    def status_label(self) -> str:
        """Estatus de cambio as the director reads it (Validado con modificación)."""
        return request_status_label(self.status, self.authorized)

    @property
    def applied_payload(self) -> Payload:
        """What an approval applies: the authorized values, else those requested."""
        if self.authorized is None:
            return self.payload
        return self.definition.parse_payload(self.authorized)

    @property
    def open_round(self) -> InfoRound | None:
        """The unanswered "Requiere información" (while the request awaits it)."""
        if self.status is RequestStatus.INFO_REQUESTED and self.info_rounds:
            return self.info_rounds[-1]
        return None

    @property
    def all_attachments(self) -> tuple[Attachment, ...]:
        """The filing's attachments, then each answer's (numbered in this order)."""
        return self.attachments + tuple(a for r in self.info_rounds for a in r.attachments)

    @property
    def target_key(self) -> tuple[Any, str]:
        """(type, "folio:<number>" | "patient:<id>"): at most one pending request per key."""
        return self.type, self.definition.target_ref(self.folio_number, self.patient_id)

    @property
    def kind(self) -> Any:
        """The subtype (an ``ExpiryChangeKind`` for an expiry change), or None."""
        return self.definition.subtype_of(self.payload)

    @property
    def type_label(self) -> str:
        """Tipo de solicitud as the tables show it (the subtype when the type has them)."""
        return request_type_label(self.definition, self.payload)

    def requested_patient_data(self) -> dict[str, Any]:
        """Datos solicitados of a patient data change: the filing snapshot with the requested
        values applied (for the "Datos originales / Datos solicitados" table)."""
        fields = getattr(self.payload, "fields", None)
        if fields is None:
            raise ValueError("only a patient data change has requested patient data")
        return {**self.snapshot, **fields()}

    @property
    def final_date(self) -> date | None:
        """Fecha final of an approved expiry change: the new expiry or the cancellation date."""
        return self.definition.final_date(self)

    # ---- deciding (use ``approve`` / ``reject``) ------------------------------------------

    def _decide(self, status: RequestStatus, *, by: str, at: datetime, reason: str | None,
                outcome: dict[str, Any] | None, reason_code: str | None = None) -> None:
        self.status = status
        self.decided_by = by
        self.decided_at = at
        self.reason = reason
        self.outcome = outcome
        self.reason_code = reason_code

    def pend(self, *, reason_code: str, missing: str, by: str, at: datetime) -> None:
        """Requiere información: the request leaves the queue until the director answers."""
        check_rule(RequestMustBePending(self))
        self.info_rounds = (*self.info_rounds,
                            InfoRound(reason_code=reason_code, missing=missing,
                                      requested_by=by, requested_at=at))
        self.status = RequestStatus.INFO_REQUESTED
        self.reason_code = reason_code
        self.reason = missing

    def answer(self, *, note: str, attachments: Sequence[Attachment], by: str,
               at: datetime) -> None:
        """The director's answer: back to the queue (En espera), its filing date unchanged.
        The new attachments pass the same rule as the filing's."""
        check_rule(RequestMustAwaitInformation(self))
        check_rule(self.definition.attachments_rule(attachments))
        last = self.info_rounds[-1]
        self.info_rounds = (*self.info_rounds[:-1],
                            attrs.evolve(last, note=note, attachments=tuple(attachments),
                                         answered_by=by, answered_at=at))
        self.status = RequestStatus.PENDING
        self.reason_code = None
        self.reason = None

    def cancel(self, *, reason_code: str, note: str | None, by: str, at: datetime) -> None:
        """Cancelada por la unidad: the director withdraws an open request."""
        check_rule(RequestMustBeOpen(self))
        self._decide(RequestStatus.CANCELLED, by=by, at=at, reason=note or None, outcome=None,
                     reason_code=reason_code)

    def expires_at(self, days: int) -> datetime | None:
        """When an unanswered "Requiere información" expires (``days`` after it was asked)."""
        open_round = self.open_round
        if open_round is None:
            return None
        return open_round.requested_at + timedelta(days=days)

    def expire(self, *, reason_code: str, text: str, days: int, now: datetime) -> None:
        """Vencida sin respuesta: unanswered ``days`` after the information was asked."""
        check_rule(RequestMustAwaitInformation(self))
        deadline = self.expires_at(days)
        if deadline is None or now < deadline:
            raise ValueError(f"request {self.id} has not expired yet")
        self._decide(RequestStatus.EXPIRED, by=SYSTEM_USER, at=now, reason=text, outcome=None,
                     reason_code=reason_code)


def request_status_label(status: RequestStatus, authorized: Mapping[str, Any] | None) -> str:
    """Estatus de cambio of a request's status and its authorized values (when the reviewer
    modified what was asked: Validado con modificación)."""
    return "Validado con modificación" if authorized is not None else status.label


def request_type_label(definition: "ChangeRequestType", payload: Any) -> str:
    """Tipo de solicitud of a request of ``definition`` (its subtype's label when it has one)."""
    kind = definition.subtype_of(payload)
    return kind.label if kind is not None else definition.label


def pending_rule(existing: Iterable[ChangeRequest], request_type: Any, target_ref: str,
                 target_label: str) -> OnePendingRequestPerTypeAndTarget:
    code = _request_type(request_type)
    count = sum(1 for r in existing if r.is_open and r.target_key == (code, target_ref))
    return OnePendingRequestPerTypeAndTarget(code, target_label, count)


# --------------------------------------------------------------------------------------------
# The parts of one type
# --------------------------------------------------------------------------------------------


class ChangeRequestType:
    """One type of change request and every part it owns. Subclasses set the class attributes
    and override the parts that differ; the defaults are those of most types."""

    member: ClassVar[str]  # the ``RequestType`` member name, e.g. "UNIT_CHANGE"
    code: ClassVar[str]  # stored in ``san_requests.type``, the API's value: "unit_change"
    slug: ClassVar[str]  # its Cambios section's URL segment: "unidad-medica"
    cli_name: ClassVar[str]  # the CLI's ``--type`` name: "unidad"
    label: ClassVar[str]  # Tipo de solicitud: "Cambio de unidad médica"
    section_title: ClassVar[str]  # the Cambios menu's title
    description: ClassVar[str]  # the Cambios menu's text
    targets_patient: ClassVar[bool]  # a patient record (else a folio)
    payload_class: ClassVar[type]
    subtypes: ClassVar[tuple[Subtype, ...]] = ()
    # what the attachments must be: the vigencia (one file) or 1-3 files of a folio request
    attachments_rule_class: ClassVar[type[BusinessRule]] = FolioRequestNeedsOneToThreeAttachments

    # ---- vocabulary ---------------------------------------------------------------------

    @property
    def enum_member(self) -> RequestTypeCode:
        return _ENUM[0][self.member]  # type: ignore[no-any-return]

    @property
    def targets_folio(self) -> bool:
        return not self.targets_patient

    def filters(self) -> tuple[tuple[str, str, str | None], ...]:
        """Tipo de solicitud filter entries (filter code, label, subtype code): the type, or
        each of its subtypes."""
        if self.subtypes:
            return tuple((s.code, s.label, s.code) for s in self.subtypes)
        return ((self.code, self.label, None),)

    def cli_names(self) -> tuple[tuple[str, str | None], ...]:
        """The CLI's ``--type`` names (name, subtype code): the subtypes', then the type's."""
        return (*((s.cli_name, s.code) for s in self.subtypes), (self.cli_name, None))

    def subtype(self, code: Any) -> Subtype:
        raw = code.value if isinstance(code, enum.Enum) else str(code)
        for s in self.subtypes:
            if s.code == raw:
                return s
        raise ValueError(f"{raw!r} is not a subtype of {self.code}")

    def subtype_of(self, payload: Any) -> Any:
        """The subtype of a payload (an enumeration member with a ``label``), or None."""
        return None

    # ---- payload and filing -------------------------------------------------------------

    def parse_payload(self, data: Mapping[str, Any]) -> Any:
        """The payload from plain field values (a stored ``to_dict`` or a form's fields); the
        payload's validation raises the Spanish ``ValidationError`` of the broken rule."""
        return self.payload_class(**dict(data))

    def motives(self, subtype: Any = None) -> tuple[str, ...]:
        """Elige el motivo (empty for the types without motives)."""
        return ()

    def target_ref(self, folio_number: str | None, patient_id: int | None) -> str:
        return f"patient:{patient_id}" if self.targets_patient else f"folio:{folio_number}"

    def attachments_rule(self, attachments: Sequence[Attachment]) -> BusinessRule:
        return self.attachments_rule_class(attachments)  # type: ignore[call-arg]

    def check_request(self, request: ChangeRequest) -> None:
        """Invariants of a request of this type beyond payload and target (none by default)."""

    def filing_rules(self, target: Any, *, existing: Iterable[ChangeRequest], today: date,
                     subtype: Any = None) -> tuple[BusinessRule, ...]:
        """The rules the target must pass before a request of this type is filed on it."""
        raise NotImplementedError

    def snapshot(self, target: Any) -> dict[str, Any]:
        """The target's fields this type depends on (and shows as "original"), JSON-ready."""
        raise NotImplementedError

    # ---- approval -----------------------------------------------------------------------

    def approval_targets(self, request: ChangeRequest, source: ApprovalSource
                         ) -> dict[str, Any]:
        """What ``check_approval`` needs, loaded from ``source``; ``Conflict`` when a target
        is gone."""
        raise NotImplementedError

    def check_approval(self, request: ChangeRequest, *, today: date, now: datetime,
                       **targets: Any) -> tuple[Apply, tuple[Patient, ...], tuple[Folio, ...]]:
        """Every re-check of an approval (``Conflict`` when the target changed since filing),
        then what applies it and the records it changes. Nothing is changed here."""
        raise NotImplementedError

    def final_date(self, request: ChangeRequest) -> date | None:
        return None

    # ---- Validado con modificación ------------------------------------------------------

    modifiable: ClassVar[tuple[str, ...]] = ()  # the payload fields a reviewer may change

    def modified_payload(self, request: ChangeRequest, changes: Mapping[str, Any]) -> Any:
        """The payload the reviewer authorizes: the requested one with ``changes`` (only the
        type's ``modifiable`` fields), validated like a filing's."""
        wrong = sorted(set(changes) - set(self.modifiable))
        if not self.modifiable or wrong:
            raise ValidationError(NOT_MODIFIABLE.format(label=self.label.lower()),
                                  log_message=f"{self.code} modification of {wrong}")
        return self.parse_payload({**request.payload.to_dict(), **changes})

    def authorized_changes(self, request: ChangeRequest) -> tuple[FieldChange, ...]:
        """Validado con modificación: requested → authorized, one line per changed field."""
        if request.authorized is None:
            return ()
        requested = request.payload.to_dict()
        return tuple(FieldChange(self.field_label(name), _text(requested.get(name)),
                                 _text(value))
                     for name, value in request.authorized.items()
                     if requested.get(name) != value)

    def field_label(self, name: str) -> str:
        return name

    # ---- before → after -----------------------------------------------------------------

    def unit_ids(self, request: ChangeRequest) -> set[int]:
        """The medical units the request's lines name (loaded once for a page of rows)."""
        return set()

    def row_columns(self, request: ChangeRequest, units: Mapping[int, Any]) -> dict[str, Any]:
        """The type's columns of a "Solicitudes realizadas" row: ``original``, ``requested``
        and, when the type has them, ``motive`` and its own columns."""
        raise NotImplementedError

    def requested_changes(self, request: ChangeRequest, units: Mapping[int, Any]
                          ) -> tuple[FieldChange, ...]:
        """"Revisar": what was asked, against the target at filing."""
        raise NotImplementedError

    def outcome_unit_ids(self, outcome: Mapping[str, Any]) -> set[int]:
        """The medical units an approval's outcome names."""
        return set()

    def applied_changes(self, outcome: Mapping[str, Any], unit_names: Mapping[int, str]
                        ) -> tuple[FieldChange, ...]:
        """What an approval did, as before/after lines (what the reviewer sees done)."""
        raise NotImplementedError

    def search_patients(self, request: ChangeRequest) -> list[Mapping[str, Any]]:
        """The patient data a search of the request may match by "NSS-agregado"."""
        return []


class PatientRequestType(ChangeRequestType):
    """A request on a patient record: the vigencia attached, exactly one file."""

    targets_patient = True
    attachments_rule_class = EligibilityProofMustBeOneFile


class FolioRequestType(ChangeRequestType):
    """A request on a folio: 1 to 3 attachments, a motive from the type's list and its
    detail; the folio must be vigente (``action`` names the request in the refusal), and an
    approval needs that very folio."""

    targets_patient = False
    action: ClassVar[str]  # "El cambio de unidad médica" (FolioMustBeInForce's message)
    # False for a type whose filing needs more than the form's fields (a destination unit,
    # the folio's genérico): it files only through its own ``file``
    files_from_fields: ClassVar[bool] = True

    def state_rule(self, folio: Folio, today: date, subtype: Any) -> BusinessRule:
        return FolioMustBeInForce(folio, today, self.action)

    def filing_rules(self, target: Any, *, existing: Iterable[ChangeRequest], today: date,
                     subtype: Any = None) -> tuple[BusinessRule, ...]:
        """The type's state rule, then no other request of the type En espera on the folio."""
        folio: Folio = target
        return (self.state_rule(folio, today, subtype),
                pending_rule(existing, self.code, self.target_ref(folio.number, None),
                             f"el folio {folio.number}"))

    def snapshot(self, target: Any) -> dict[str, Any]:
        folio: Folio = target
        # the unit too: a folio moved to another unit since filing is not the one the filing
        # director asked about
        return {"number": folio.number, "status": folio.status.value,
                "unit_id": folio.unit_id, **self.snapshot_fields(folio)}

    def snapshot_fields(self, folio: Folio) -> dict[str, Any]:
        raise NotImplementedError

    def new_request(self, folio: Folio, payload: Any, attachments: Sequence[Attachment],
                    filed_by: str, filed_at: datetime, unit_id: int | None) -> ChangeRequest:
        """The request, once ``filing_rules`` and the type's own rules passed."""
        check_rule(FolioRequestNeedsOneToThreeAttachments(attachments))
        return ChangeRequest(type=self.code, folio_number=folio.number, unit_id=unit_id,
                             payload=payload, snapshot=self.snapshot(folio),
                             attachments=tuple(attachments), filed_by=filed_by,
                             filed_at=filed_at)

    def form_fields(self) -> tuple[str, ...]:
        """The payload's fields a form sends as plain values (all of them by default)."""
        return tuple(a.name for a in attrs.fields(self.payload_class))

    def file_fields(self, folio: Folio, fields: Mapping[str, Any], *,
                    attachments: Sequence[Attachment], existing: Iterable[ChangeRequest],
                    today: date, filed_by: str, filed_at: datetime,
                    unit_id: int | None = None) -> list[ChangeRequest]:
        """A request from a form's plain field values (the generic filing of a type whose
        payload needs nothing but them): the filing rules, the motive from the type's list,
        the payload parsed (``parse_payload``), the type's own rules (``check_payload``)."""
        if not self.files_from_fields:
            raise ValueError(f"a {self.code} request is filed with its own use case")
        subtype = fields.get("kind") or None if self.subtypes else None
        if subtype is not None:
            subtype = self.subtype(subtype).code
        check_filing(filed_by)
        check_rules(self.filing_rules(folio, existing=existing, today=today, subtype=subtype))
        data = {name: fields[name] for name in self.form_fields() if name in fields}
        motives = self.motives(subtype)
        if motives:
            data["motive"] = parse_motive(str(fields.get("motive", "")), motives)
        payload = self.parse_payload(data)
        self.check_payload(folio, payload)
        return [self.new_request(folio, payload, attachments, filed_by, filed_at, unit_id)]

    def check_payload(self, folio: Folio, payload: Any) -> None:
        """The type's own filing rules on what was asked (none by default)."""

    def check_unchanged(self, request: ChangeRequest, folio: Folio) -> None:
        now = self.snapshot(folio)
        if "unit_id" not in request.snapshot:
            # filed before snapshots kept the unit: compare what they kept
            now.pop("unit_id", None)
        check_rule(TargetUnchangedSinceFiling(f"el folio {folio.number}", request.snapshot,
                                              now))

    def approval_targets(self, request: ChangeRequest, source: ApprovalSource
                         ) -> dict[str, Any]:
        folio = source.folio(str(request.folio_number))
        if folio is None:
            raise Conflict(TARGET_GONE)
        return {"folio": folio, **self.more_targets(request, folio, source)}

    def more_targets(self, request: ChangeRequest, folio: Folio, source: ApprovalSource
                     ) -> dict[str, Any]:
        return {}

    def check_approval(self, request: ChangeRequest, *, today: date, now: datetime,
                       **targets: Any) -> tuple[Apply, tuple[Patient, ...], tuple[Folio, ...]]:
        folio = targets.get("folio")
        if folio is None or folio.number != request.folio_number:
            raise ValueError(f"approving this request needs folio {request.folio_number}")
        return self.check_folio_approval(request, folio, today, targets), (), (folio,)

    def check_folio_approval(self, request: ChangeRequest, folio: Folio, today: date,
                             targets: Mapping[str, Any]) -> Apply:
        raise NotImplementedError

    def motive_column(self, request: ChangeRequest) -> dict[str, Any]:
        return {"motive": request.payload.motive}


__all__ = [
    "OTHER", "TARGET_GONE", "Apply", "ApprovalSource", "ChangeRequest", "ChangeRequestType",
    "FieldChange", "FolioRequestType", "PatientRequestType", "RequestTypeCode", "Subtype",
    "check_filing", "check_rules", "day_text", "first_broken", "install", "iso", "iso_day",
    "keys_label", "optional", "parse_detail", "parse_motive", "patient_label",
    "patient_snapshot", "pending_rule", "request_type_of", "require_id",
]
