"""Value objects and enumerations of the SAnECE context.

Identifiers (folio number, NSS, agregado médico) are kept as plain, normalized strings in the
entities so that adapters map them to columns directly; the ``parse_*`` functions are the single
place that validates and normalizes them (they raise ``ValidationError`` with a Spanish message).
"""

from __future__ import annotations

import calendar
import enum
from datetime import date

import attrs

from shared.kernel.rules import check_rule

from sanece.domain.rules import (
    AggregateMustMatchPattern,
    AttachmentMustNotBeEmpty,
    AttachmentTypeMustBePdfOrImage,
    DrugKeyMustBeValid,
    DrugQuantityAtLeastOne,
    DrugQuantityWithinLimit,
    FolioNumberMustHaveElevenDigits,
    FolioNumberMustStartWithValidDate,
    NameMustBeValid,
    NssMustHaveTenDigits,
    TextMustNotBeTooLong,
)

# --------------------------------------------------------------------------------------------
# Enumerations (values are stable codes for storage; ``label`` is what the UI shows)
# --------------------------------------------------------------------------------------------


class EvaluationStatus(str, enum.Enum):
    """Estatus de evaluación of a folio."""

    PENDING = "pending"
    VALIDATED = "validated"
    NOT_VALIDATED = "not_validated"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _EVALUATION_LABELS[self]


_EVALUATION_LABELS = {
    EvaluationStatus.PENDING: "Pendiente",
    EvaluationStatus.VALIDATED: "Validada",
    EvaluationStatus.NOT_VALIDATED: "No Validada",
    EvaluationStatus.CANCELLED: "Baja",
}


class Validity(str, enum.Enum):
    """Whether a folio is in force on a given day (vigente / vencido)."""

    IN_FORCE = "in_force"
    EXPIRED = "expired"
    NOT_APPLICABLE = "not_applicable"  # no expiry date (Pendiente, No Validada) or Baja

    @property
    def label(self) -> str:
        return {"in_force": "Vigente", "expired": "Vencido", "not_applicable": "—"}[self.value]


class ExpiryChangeKind(str, enum.Enum):
    """The two subtypes of an expiry change (Tipo de solicitud)."""

    EXTENSION = "extension"
    CANCELLATION = "cancellation"

    @property
    def label(self) -> str:
        return {"extension": "Ampliación de fecha de vencimiento", "cancellation": "Baja de folio"}[
            self.value]


class RequestStatus(str, enum.Enum):
    """Estatus de cambio (see ``sanece.domain.request_types.base`` for the state machine):
    En espera and Requiere información are open; the others are final."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    INFO_REQUESTED = "info_requested"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {"pending": "En espera", "approved": "Validado", "rejected": "No Validado",
                "info_requested": "Requiere información",
                "cancelled": "Cancelada por la unidad",
                "expired": "Vencida sin respuesta"}[self.value]

    @property
    def is_open(self) -> bool:
        """Not decided yet (one open request per type and target)."""
        return self in (RequestStatus.PENDING, RequestStatus.INFO_REQUESTED)


APPROVED_MODIFIED_LABEL = "Validado con modificación"


class MergeChoice(str, enum.Enum):
    """What the director chose for each record found by NSS in the homologación window."""

    CORRECT = "correct"
    MERGE = "merge"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return {"correct": "Correcto", "merge": "Homologar", "not_applicable": "No aplica"}[
            self.value]


# --------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------

FOLIO_LENGTH = 11
NSS_LENGTH = 10


def parse_folio_number(raw: str) -> str:
    """The 11-digit folio (evaluation date yyyymmdd + 3-digit sequence), stripped."""
    value = str(raw).strip()
    check_rule(FolioNumberMustHaveElevenDigits(value))
    check_rule(FolioNumberMustStartWithValidDate(value))
    return value


def folio_number_date(number: str) -> date:
    """The date encoded in the first 8 digits of a (valid) folio number."""
    return date(int(number[:4]), int(number[4:6]), int(number[6:8]))


def parse_nss(raw: str) -> str:
    value = str(raw).strip()
    check_rule(NssMustHaveTenDigits(value))
    return value


def parse_aggregate(raw: str) -> str:
    """Agregado médico: digit, sex F/M, four-digit birth year, two-letter regime; upper case."""
    value = str(raw).strip()
    check_rule(AggregateMustMatchPattern(value))
    return value.upper()


def normalize_name(raw: str) -> str:
    """Collapse whitespace and upper-case (the SAnECE stores names in capitals)."""
    return " ".join(str(raw).split()).upper()


def parse_name(raw: str, label: str) -> str:
    """A surname or given names; ``label`` names the field in the message ("apellido paterno")."""
    value = normalize_name(raw)
    check_rule(NameMustBeValid(value, label))
    return value


@attrs.frozen
class MedicalAggregate:
    """The parts of an agregado médico (for display and filters)."""

    digit: int
    sex: str
    birth_year: int
    regime: str

    @classmethod
    def parse(cls, raw: str) -> "MedicalAggregate":
        v = parse_aggregate(raw)
        return cls(int(v[0]), v[1], int(v[2:6]), v[6:8])

    def __str__(self) -> str:
        return f"{self.digit}{self.sex}{self.birth_year:04d}{self.regime}"


# --------------------------------------------------------------------------------------------
# Medicines
# --------------------------------------------------------------------------------------------


def parse_drug_key(raw: str) -> str:
    value = str(raw).strip()
    check_rule(DrugKeyMustBeValid(value))
    return value


@attrs.frozen
class DrugKey:
    """A clave of the catalog, e.g. 5795, with its presentation text."""

    code: str = attrs.field(converter=parse_drug_key)
    description: str = ""


@attrs.frozen
class DrugQuantity:
    """A clave with its cantidad (Clave 1 / Clave 2 of a folio); quantity >= 1."""

    key: str = attrs.field(converter=parse_drug_key)
    quantity: int = attrs.field()

    @quantity.validator
    def _check_quantity(self, _attr: object, value: int) -> None:
        check_rule(DrugQuantityAtLeastOne(self.key, value))
        check_rule(DrugQuantityWithinLimit(self.key, value))

    def __str__(self) -> str:
        return f"{self.key} ({self.quantity})"


# --------------------------------------------------------------------------------------------
# Attachments (metadata only: the bytes live behind the storage port)
# --------------------------------------------------------------------------------------------

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ATTACHMENT_TYPES = frozenset({PDF, PNG, JPEG})
MAX_FOLIO_ATTACHMENTS = 3
MIN_FOLIO_ATTACHMENTS = 1
ELIGIBILITY_PROOF_FILES = 1


@attrs.frozen
class Attachment:
    """A file stored through the storage port: its key, sniffed content type, name and size."""

    storage_key: str
    content_type: str
    original_name: str
    size: int

    def __attrs_post_init__(self) -> None:
        if not self.storage_key:
            raise ValueError("an attachment needs its storage key")
        check_rule(AttachmentTypeMustBePdfOrImage(self.content_type, self.original_name))
        check_rule(AttachmentMustNotBeEmpty(self.size, self.original_name))

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Attachment":
        return cls(str(data["storage_key"]), str(data["content_type"]),
                   str(data["original_name"]), int(data["size"]))  # type: ignore[call-overload]


# --------------------------------------------------------------------------------------------
# Free text and dates
# --------------------------------------------------------------------------------------------

TEXT_MAX_LENGTH = 2000


def clean_text(raw: str | None, label: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    """Strip a free text (detalle, requerimiento, observaciones, motivo de rechazo)."""
    value = (raw or "").strip()
    check_rule(TextMustNotBeTooLong(value, label, max_length))
    return value


def add_months(d: date, months: int) -> date:
    """Calendar months; the day is clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    month = month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)


def format_date(d: date | None) -> str:
    """dd/mm/aaaa as the guides print dates ("" for no date)."""
    return d.strftime("%d/%m/%Y") if d else ""
