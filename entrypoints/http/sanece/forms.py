"""The sanece forms exactly as typed (text fields), and the commands they become.

Pages and the multipart API share these classes and their field names, which are the use
cases' command fields (``motive``, ``detail``, ``key1``…): a refused form is shown back with
what the user typed, and the conversion to a command lives in one place. Every rule stays in
the use cases; here only the shape of the input is checked.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import attrs

from entrypoints.http.forms import all_values, field_values, parse_int
from sanece.application.concurrency import StaleVersion, format_moment, parse_version
from sanece.application.inputs import parse_date, parse_modifications, parse_optional_date
from sanece.application.use_cases.documents import ExtractionCommand
from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.feedback import FeedbackCommand
from sanece.application.use_cases.requests import (
    FileExpiryChangeCommand,
    FileFolioRequestCommand,
    FileMergeCommand,
    FilePatientDataCommand,
    FileRequirementChangeCommand,
    FileUnitChangeCommand,
)
from sanece.application.ports import UploadedFile
from sanece.application.use_cases.decisions import CancelCommand, PendCommand
from sanece.domain.decisions import OTHER_REASON
from sanece.application.use_cases.review import ApproveCommand, RejectCommand
from sanece.application.results import FolioDetail, PatientRow
from sanece.domain.extraction import ExtractionMode
from sanece.domain.model import PATIENT_FIELD_LABELS, PATIENT_FIELDS
from sanece.domain.values import (
    EvaluationStatus,
    ExpiryChangeKind,
    MergeChoice,
    normalize_name,
)
from shared.kernel.errors import ValidationError

TICK_FIRST = ("Marca la casilla de «{label}» para solicitar el cambio de ese dato (o deja el "
              "valor actual).")
CHOICE_PREFIX = "choice_"
VERSION_PREFIX = "version_"


# --------------------------------------------------------------------------- S7


@attrs.frozen
class PatientDataForm:
    """"Habilita el dato que deseas corregir": the values shown and the ticked fields
    (``change``). A body without ``change`` (an API client) asks to change every field sent."""

    nss: str = ""
    aggregate: str = ""
    paternal_surname: str = ""
    maternal_surname: str = ""
    given_names: str = ""
    change: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()  # the value fields that arrived
    version: str = ""  # the record's version the page was drawn from

    @classmethod
    def of(cls, patient: PatientRow) -> "PatientDataForm":
        return cls(**{f: getattr(patient, f) for f in PATIENT_FIELDS})

    @classmethod
    def submitted(cls, source: Any) -> "PatientDataForm":
        values = field_values(source)
        sent = tuple(f for f in PATIENT_FIELDS if f in values)
        return cls(**{f: values.get(f, "") for f in PATIENT_FIELDS},
                   change=tuple(c for c in all_values(source, "change") if c in PATIENT_FIELDS),
                   sent=sent, version=values.get("version", ""))

    def shown(self, patient: PatientRow) -> "PatientDataForm":
        """What the page shows back: typed values, the record's values for fields not sent
        (disabled inputs are not submitted)."""
        return attrs.evolve(self, **{f: getattr(patient, f) for f in PATIENT_FIELDS
                                     if f not in self.sent})

    def ticked(self, name: str) -> bool:
        return name in self.change

    def command(self, patient: PatientRow,
                files: Sequence[UploadedFile]) -> FilePatientDataCommand:
        explicit = bool(self.change)
        ticked = self.change if explicit else self.sent
        if explicit:
            for name in PATIENT_FIELDS:
                typed = getattr(self, name)
                if name in self.sent and name not in ticked and \
                        normalize_name(typed) != normalize_name(getattr(patient, name)):
                    raise ValidationError(TICK_FIRST.format(label=PATIENT_FIELD_LABELS[name]),
                                          log_message=f"{name} edited but not ticked")
        return FilePatientDataCommand(patient.id, list(files),
                                      expected_version=parse_version(self.version),
                                      **{name: getattr(self, name) for name in ticked})


# --------------------------------------------------------------------------- S8


@attrs.frozen
class MergeForm:
    """"Elegir registros anteriores": record id -> correct / merge / not_applicable."""

    choices: Mapping[int, str] = attrs.field(factory=dict)
    versions: Mapping[int, str] = attrs.field(factory=dict)  # version_<id>: as the page showed

    @classmethod
    def submitted(cls, source: Any) -> "MergeForm":
        out: dict[int, str] = {}
        versions: dict[int, str] = {}
        for key, value in field_values(source).items():
            for prefix, into in ((CHOICE_PREFIX, out), (VERSION_PREFIX, versions)):
                if key.startswith(prefix):
                    record = parse_int(key[len(prefix):], "registro", minimum=1)
                    if record is not None:
                        into[record] = value
        return cls(out, versions)

    @classmethod
    def proposed(cls, records: Sequence[PatientRow], correct_id: int | None) -> "MergeForm":
        """The window as it opens: the clicked row Correcto, every other No aplica."""
        return cls({r.id: MergeChoice.CORRECT.value if r.id == correct_id
                    else MergeChoice.NOT_APPLICABLE.value for r in records})

    def choice(self, record_id: int) -> str:
        return self.choices.get(record_id, MergeChoice.NOT_APPLICABLE.value)

    def ids(self, choice: MergeChoice) -> list[int]:
        return [pid for pid, c in self.choices.items() if c == choice.value]

    def command(self, nss: str, files: Sequence[UploadedFile]) -> FileMergeCommand:
        return FileMergeCommand(nss, dict(self.choices), list(files),
                                expected_versions={pid: parse_version(v)
                                                   for pid, v in self.versions.items()})


# --------------------------------------------------------------------------- S9–S11


@attrs.frozen
class FolioRequestForm:
    """The form of a registered folio type served by the generic Cambios section: the
    type's fields (motive, detail and its payload's), exactly as typed."""

    values: Mapping[str, str] = attrs.field(factory=dict)
    version: str = ""  # the folio's version the page was drawn from

    @classmethod
    def submitted(cls, sent: Any, names: Sequence[str]) -> "FolioRequestForm":
        typed = field_values(sent)
        return cls({n: typed[n] for n in names if n in typed}, typed.get("version", ""))

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def command(self, request_type: str, folio: str, files: Sequence[UploadedFile]
                ) -> FileFolioRequestCommand:
        return FileFolioRequestCommand(request_type, folio, dict(self.values), list(files),
                                       expected_version=parse_version(self.version))


@attrs.frozen
class ExpiryChangeForm:
    kind: str = ""  # extension | cancellation
    motive: str = ""
    detail: str = ""
    version: str = ""  # the folio's version the page was drawn from

    @property
    def kind_enum(self) -> ExpiryChangeKind | None:
        try:
            return ExpiryChangeKind(self.kind)
        except ValueError:
            return None

    def command(self, folio: str, files: Sequence[UploadedFile]) -> FileExpiryChangeCommand:
        return FileExpiryChangeCommand(folio, self.kind, self.motive, self.detail, list(files),
                                       expected_version=parse_version(self.version))


@attrs.frozen
class UnitChangeForm:
    motive: str = ""
    detail: str = ""
    destination_ooad_id: str = ""
    destination_unit_id: str = ""
    version: str = ""  # the folio's version the page was drawn from

    @property
    def ooad_id(self) -> int | None:
        return _int_or_none(self.destination_ooad_id)

    @property
    def unit_id(self) -> int | None:
        return _int_or_none(self.destination_unit_id)

    def command(self, folio: str, files: Sequence[UploadedFile]) -> FileUnitChangeCommand:
        return FileUnitChangeCommand(
            folio, self.motive, self.detail,
            parse_int(self.destination_ooad_id, "OOAD de destino", minimum=1),
            parse_int(self.destination_unit_id, "Unidad médica de destino", minimum=1),
            list(files), expected_version=parse_version(self.version))


@attrs.frozen
class RequirementChangeForm:
    key1: str = ""
    quantity1: str = ""
    key2: str = ""
    quantity2: str = ""
    requirement: str = ""
    motive: str = ""
    detail: str = ""
    version: str = ""  # the folio's version the page was drawn from

    @classmethod
    def of(cls, folio: FolioDetail) -> "RequirementChangeForm":
        """The folio's current claves and requerimiento, to be corrected."""
        k1, k2 = folio.key1, folio.key2
        return cls(key1=k1.key if k1 else "", quantity1=str(k1.quantity) if k1 else "",
                   key2=k2.key if k2 else "", quantity2=str(k2.quantity) if k2 else "",
                   requirement=folio.requirement)

    def command(self, folio: str, files: Sequence[UploadedFile]
                ) -> FileRequirementChangeCommand:
        return FileRequirementChangeCommand(
            folio, self.key1, self.quantity1, self.requirement, self.motive, self.detail,
            list(files), key2=self.key2 or None, quantity2=self.quantity2 or None,
            expected_version=parse_version(self.version))


def _int_or_none(raw: str) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


# --------------------------------------------------------------------------- S12, S14


@attrs.define
class DecisionForm:
    """Validado (Fecha final of an ampliación, fecha de baja; ``mod_*``: the values of a
    Validado con modificación), No Validado (clave and text of the reason) or Requiere
    información (clave and what is missing)."""

    new_expiry: str = ""
    cancellation_date: str = ""
    reason: str = ""
    reason_code: str = ""
    missing: str = ""
    mod_key1: str = ""
    mod_quantity1: str = ""
    mod_key2: str = ""
    mod_quantity2: str = ""
    mod_requirement: str = ""
    mod_nss: str = ""
    mod_aggregate: str = ""
    mod_paternal_surname: str = ""
    mod_maternal_surname: str = ""
    mod_given_names: str = ""
    csrf_token: str = ""

    def modifications(self) -> dict[str, object]:
        return parse_modifications({a.name[4:]: getattr(self, a.name)
                                    for a in attrs.fields(type(self))
                                    if a.name.startswith("mod_")})

    def approve(self, request_id: int) -> ApproveCommand:
        return ApproveCommand(request_id,
                              parse_optional_date(self.new_expiry, "fecha final"),
                              parse_optional_date(self.cancellation_date, "fecha de baja"),
                              self.modifications())

    def reject(self, request_id: int) -> RejectCommand:
        # no code chosen: the reason is told in the text only (code OTRO, text required)
        return RejectCommand(request_id, self.reason, self.reason_code or OTHER_REASON)

    def pend(self, request_id: int) -> PendCommand:
        return PendCommand(request_id, self.reason_code, self.missing)


@attrs.define
class CancelForm:
    """Cancelar solicitud (the director): clave of the reason and an optional note."""

    reason_code: str = "YA-NO-APLICA"
    note: str = ""
    csrf_token: str = ""

    def command(self, request_id: int) -> CancelCommand:
        return CancelCommand(request_id, self.reason_code, self.note or None)


@attrs.define
class EvaluationForm:
    status: str = ""  # validated | not_validated
    period_months: str = ""
    key1: str = ""
    quantity1: str = ""
    key2: str = ""
    quantity2: str = ""
    requirement: str = ""
    observations: str = ""
    csrf_token: str = ""
    version: str = ""  # the folio's version the page was drawn from

    def command(self, folio: str) -> EvaluationCommand:
        return EvaluationCommand(folio, self.status, self.period_months or None,
                                 self.key1 or None, self.quantity1 or None, self.key2 or None,
                                 self.quantity2 or None, self.requirement,
                                 self.observations or None,
                                 expected_version=parse_version(self.version))

    def typed(self) -> dict[str, str]:
        """What the evaluador typed, by the names of ``folio_values`` (for a stale save)."""
        try:
            status = EvaluationStatus(self.status).label
        except ValueError:
            status = ""
        return {"status_label": status, "period_months": self.period_months,
                "key1": self.key1, "quantity1": self.quantity1, "key2": self.key2,
                "quantity2": self.quantity2, "requirement": self.requirement,
                "observations": self.observations}


# --------------------------------------------------------------------------- stale saves

FOLIO_LABELS = (("status_label", "Resultado / estatus"), ("period_months", "Periodo (meses)"),
                ("expiry_date", "Fecha de vencimiento"), ("key1", "Clave 1"),
                ("quantity1", "Cantidad clave 1"), ("key2", "Clave 2"),
                ("quantity2", "Cantidad clave 2"), ("requirement", "Requerimiento"),
                ("observations", "Observaciones"))


@attrs.frozen
class StaleRow:
    label: str
    typed: str
    current: str


@attrs.frozen
class StaleView:
    """A refused stale save as the page shows it: who saved the current values and when,
    and each value as typed beside its current one."""

    changed_by: str
    changed_at: str
    rows: tuple[StaleRow, ...]
    with_typed: bool


def stale_view(error: Any, typed: Mapping[str, str] | None = None,
               labels: Sequence[tuple[str, str]] = FOLIO_LABELS) -> StaleView | None:
    """The comparison of a ``StaleVersion`` refusal (None for any other refusal)."""
    if not isinstance(error, StaleVersion):
        return None
    current = error.current

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return StaleView(error.changed_by or "otro usuario", format_moment(error.changed_at),
                     tuple(StaleRow(label, text((typed or {}).get(name)),
                                    text(current.get(name)))
                           for name, label in labels),
                     typed is not None)


# --------------------------------------------------------------------------- S13, S15


@attrs.define
class ExtractionPageForm:
    """Extracción de datos: dates (AAAA-MM-DD from the date inputs, or dd/mm/aaaa),
    genérico and estatus ("" = TODOS), filtro de extracción."""

    start: str = ""
    end: str = ""
    medicine_id: str = ""
    mode: str = ExtractionMode.BY_FOLIO.value
    status: str = ""
    csrf_token: str = ""
    unidad: str = ""  # the admin's or evaluador's chosen unit (a director's is their own)

    @classmethod
    def of(cls, form: Any) -> "ExtractionPageForm":
        return cls(start=form.start.isoformat(), end=form.end.isoformat())

    def command(self) -> ExtractionCommand:
        errors = []
        dates = []
        for raw, label in ((self.start, "fecha de inicio"), (self.end, "fecha de fin")):
            try:
                dates.append(parse_date(raw, label))
            except ValidationError as exc:
                errors.append(exc.message)
        if errors:
            raise ValidationError(" ".join(errors), log_message="extraction dates",
                                  code="extraction_window", details=errors)
        return ExtractionCommand(
            start=dates[0], end=dates[1],
            unit_id=parse_int(self.unidad, "unidad médica", minimum=1),
            medicine_id=parse_int(self.medicine_id, "genérico", minimum=1),
            status=self.status or None, mode=self.mode or ExtractionMode.BY_FOLIO.value)


@attrs.define
class FeedbackForm:
    kind: str = "comment"
    text: str = ""
    csrf_token: str = ""

    def command(self) -> FeedbackCommand:
        return FeedbackCommand(self.text, self.kind)


__all__ = [
    "DecisionForm", "EvaluationForm", "ExpiryChangeForm", "ExtractionPageForm", "FeedbackForm",
    "MergeForm", "PatientDataForm", "RequirementChangeForm", "UnitChangeForm",
]
