"""The SAnECE business rules, one small named class each (Spanish message for the user, the
class name is the English name for the log and the API code).

Rules take plain values (or duck-typed entities) so that each one can be tested alone. Rules
that depend on the state of a target rather than on the user's input raise ``Conflict``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar, Collection, Iterable

from shared.kernel.errors import Conflict
from shared.kernel.rules import BusinessRule

_ASCII_DIGITS = re.compile(r"[0-9]+")
_AGGREGATE = re.compile(r"[0-9][FMfm][0-9]{4}[A-Za-z]{2}")
_DRUG_KEY = re.compile(r"[0-9]+(\.[0-9]+)*")
_NAME_PUNCTUATION = frozenset(" '.-")


def _fmt(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "sin fecha"


# --------------------------------------------------------------------------------------------
# Identifiers and values
# --------------------------------------------------------------------------------------------


class FolioNumberMustHaveElevenDigits(BusinessRule):
    message = "El folio debe tener exactamente 11 dígitos (fecha aaaammdd y consecutivo de 3 dígitos)."

    def __init__(self, value: str) -> None:
        self.value = value

    def is_broken(self) -> bool:
        return not (len(self.value) == 11 and _ASCII_DIGITS.fullmatch(self.value))


class FolioNumberMustStartWithValidDate(BusinessRule):
    message = "Los primeros 8 dígitos del folio deben ser una fecha válida (aaaammdd)."

    def __init__(self, value: str) -> None:
        self.value = value

    def is_broken(self) -> bool:
        try:
            date(int(self.value[:4]), int(self.value[4:6]), int(self.value[6:8]))
        except ValueError:
            return True
        return False


class NssMustHaveTenDigits(BusinessRule):
    message = "El NSS debe tener exactamente 10 dígitos."

    def __init__(self, value: str) -> None:
        self.value = value

    def is_broken(self) -> bool:
        return not (len(self.value) == 10 and _ASCII_DIGITS.fullmatch(self.value))


class AggregateMustMatchPattern(BusinessRule):
    message = ("El agregado médico debe tener un dígito, el sexo (F o M), el año de nacimiento "
               "de cuatro dígitos y el régimen de dos letras, por ejemplo 1F1980OR.")

    def __init__(self, value: str) -> None:
        self.value = value

    def is_broken(self) -> bool:
        return _AGGREGATE.fullmatch(self.value) is None


class NameMustBeValid(BusinessRule):
    """Surnames and given names: required, letters with spaces, apostrophes, dots or hyphens."""

    MAX_LENGTH: ClassVar[int] = 80

    def __init__(self, value: str, label: str) -> None:
        self.value = value
        self.label = label

    def _problem(self) -> str | None:
        v = self.value.strip()
        if not v:
            return f"El campo {self.label} es obligatorio."
        if len(v) > self.MAX_LENGTH:
            return f"El campo {self.label} debe tener como máximo {self.MAX_LENGTH} caracteres."
        if not any(ch.isalpha() for ch in v) or not all(
                ch.isalpha() or ch in _NAME_PUNCTUATION for ch in v):
            return (f"El campo {self.label} solo puede contener letras, espacios, apóstrofos, "
                    "puntos y guiones.")
        return None

    def is_broken(self) -> bool:
        return self._problem() is not None

    def get_message(self) -> str:
        return self._problem() or ""


class DrugKeyMustBeValid(BusinessRule):
    message = ("La clave del medicamento debe tener solo dígitos, separados por puntos si es la "
               "clave completa (por ejemplo 5795 o 010.000.5795.00).")

    def __init__(self, value: str) -> None:
        self.value = value

    def is_broken(self) -> bool:
        return not (0 < len(self.value) <= 20 and _DRUG_KEY.fullmatch(self.value))


class DrugQuantityAtLeastOne(BusinessRule):
    def __init__(self, key: str, quantity: object) -> None:
        self.key = key
        self.quantity = quantity

    def is_broken(self) -> bool:
        q = self.quantity
        return isinstance(q, bool) or not isinstance(q, int) or q < 1

    def get_message(self) -> str:
        return f"La cantidad de la clave {self.key} debe ser un número entero de al menos 1."


class DrugQuantityWithinLimit(BusinessRule):
    """An upper bound far above any real prescription for one period, so that a typo (or a
    pasted number) is refused here instead of overflowing the database's integer."""

    MAX: ClassVar[int] = 99_999

    def __init__(self, key: str, quantity: int) -> None:
        self.key = key
        self.quantity = quantity

    def is_broken(self) -> bool:
        return self.quantity > self.MAX

    def get_message(self) -> str:
        return (f"La cantidad de la clave {self.key} no puede ser mayor de "
                f"{self.MAX:,} unidades.")


class AttachmentTypeMustBePdfOrImage(BusinessRule):
    ALLOWED: ClassVar[frozenset[str]] = frozenset({"application/pdf", "image/png", "image/jpeg"})

    def __init__(self, content_type: str, name: str) -> None:
        self.content_type = content_type
        self.name = name

    def is_broken(self) -> bool:
        return self.content_type not in self.ALLOWED

    def get_message(self) -> str:
        return f"El archivo «{self.name}» debe ser PDF o imagen (PNG o JPEG)."


class AttachmentMustNotBeEmpty(BusinessRule):
    def __init__(self, size: int, name: str) -> None:
        self.size = size
        self.name = name

    def is_broken(self) -> bool:
        return self.size < 1

    def get_message(self) -> str:
        return f"El archivo «{self.name}» está vacío."


class TextMustNotBeTooLong(BusinessRule):
    def __init__(self, value: str, label: str, max_length: int) -> None:
        self.value = value
        self.label = label
        self.max_length = max_length

    def is_broken(self) -> bool:
        return len(self.value) > self.max_length

    def get_message(self) -> str:
        return f"El campo {self.label} debe tener como máximo {self.max_length} caracteres."


class TextRequired(BusinessRule):
    def __init__(self, value: str | None, message: str) -> None:
        self.value = value
        self._message = message

    def is_broken(self) -> bool:
        return not (self.value or "").strip()

    def get_message(self) -> str:
        return self._message


# --------------------------------------------------------------------------------------------
# Evaluation of a folio
# --------------------------------------------------------------------------------------------


class EvaluationOnlyFromPending(BusinessRule):
    error = Conflict

    def __init__(self, folio: Any) -> None:
        self.folio = folio

    def is_broken(self) -> bool:
        return self.folio.status.value != "pending"

    def get_message(self) -> str:
        return (f"Solo se puede registrar la evaluación de un folio Pendiente; el folio "
                f"{self.folio.number} tiene estatus {self.folio.status.label}.")


class PeriodMonthsInRange(BusinessRule):
    MIN: ClassVar[int] = 1
    MAX: ClassVar[int] = 60
    message = "El periodo debe ser un número entero de 1 a 60 meses."

    def __init__(self, months: object) -> None:
        self.months = months

    def is_broken(self) -> bool:
        m = self.months
        return isinstance(m, bool) or not isinstance(m, int) or not self.MIN <= m <= self.MAX


class ExpiryMustFollowEvaluationDate(BusinessRule):
    def __init__(self, evaluation_date: date, expiry_date: date | None) -> None:
        self.evaluation_date = evaluation_date
        self.expiry_date = expiry_date

    def is_broken(self) -> bool:
        return self.expiry_date is None or self.expiry_date <= self.evaluation_date

    def get_message(self) -> str:
        return (f"La fecha de vencimiento debe ser posterior a la fecha de evaluación "
                f"({_fmt(self.evaluation_date)}).")


class EvaluatedFolioMustBeInForce(BusinessRule):
    """A folio validated today must be vigente today: the fecha de vencimiento is counted from
    the folio's fecha de evaluación (the date in its number), so an old Pendiente folio needs
    a period long enough to reach today. ``minimum_months``: the shortest period that does
    (None when not even the longest one does)."""

    def __init__(self, evaluation_date: date, months: int, expiry_date: date, today: date,
                 minimum_months: int | None) -> None:
        self.evaluation_date = evaluation_date
        self.months = months
        self.expiry_date = expiry_date
        self.today = today
        self.minimum_months = minimum_months

    def is_broken(self) -> bool:
        return self.expiry_date < self.today

    def get_message(self) -> str:
        start = (f"Con un periodo de {self.months} {_months(self.months)} a partir de la fecha "
                 f"de evaluación ({_fmt(self.evaluation_date)}), la fecha de vencimiento sería "
                 f"el {_fmt(self.expiry_date)}, que ya pasó")
        if self.minimum_months is None:
            return (f"{start}; ni con el periodo máximo de {PeriodMonthsInRange.MAX} meses el "
                    f"folio quedaría vigente hoy ({_fmt(self.today)}).")
        return (f"{start}; indica un periodo de al menos {self.minimum_months} "
                f"{_months(self.minimum_months)} para que el folio quede vigente.")


def _months(n: int) -> str:
    return "mes" if n == 1 else "meses"


class DrugKeyMustBelongToMedicine(BusinessRule):
    def __init__(self, key: str, medicine_keys: Collection[str], medicine_name: str) -> None:
        self.key = key
        self.medicine_keys = medicine_keys
        self.medicine_name = medicine_name

    def is_broken(self) -> bool:
        return self.key not in self.medicine_keys

    def get_message(self) -> str:
        return f"La clave {self.key} no corresponde al genérico {self.medicine_name}."


class DrugKeysMustDiffer(BusinessRule):
    message = "La clave 2 debe ser distinta de la clave 1."

    def __init__(self, key1: str | None, key2: str | None) -> None:
        self.key1 = key1
        self.key2 = key2

    def is_broken(self) -> bool:
        return self.key2 is not None and self.key1 == self.key2


class SecondKeyNeedsFirstKey(BusinessRule):
    message = "No se puede capturar la clave 2 sin la clave 1."

    def __init__(self, key1: object | None, key2: object | None) -> None:
        self.key1 = key1
        self.key2 = key2

    def is_broken(self) -> bool:
        return self.key2 is not None and self.key1 is None


class ValidatedFolioMustBeComplete(BusinessRule):
    """A Validada folio carries its period, expiry date, clave 1 and requerimiento."""

    message = ("Un folio Validada debe tener periodo (meses), fecha de vencimiento, clave 1 con "
               "cantidad y requerimiento.")

    def __init__(self, folio: Any) -> None:
        self.folio = folio

    def is_broken(self) -> bool:
        f = self.folio
        if f.status.value != "validated":
            return False
        return (f.period_months is None or f.expiry_date is None or f.key1 is None
                or not f.requirement.strip())


class CancelledFolioNeedsDate(BusinessRule):
    message = "Un folio en Baja debe tener la fecha de baja."

    def __init__(self, folio: Any) -> None:
        self.folio = folio

    def is_broken(self) -> bool:
        return self.folio.status.value == "cancelled" and self.folio.cancellation_date is None


# --------------------------------------------------------------------------------------------
# Change requests: filing
# --------------------------------------------------------------------------------------------


class EligibilityProofMustBeOneFile(BusinessRule):
    def __init__(self, attachments: Collection[object]) -> None:
        self.count = len(attachments)

    def is_broken(self) -> bool:
        return self.count != 1

    def get_message(self) -> str:
        if self.count == 0:
            return "Adjunta la vigencia del paciente (un archivo PDF o imagen)."
        return "Adjunta un solo archivo con la vigencia del paciente."


class FolioRequestNeedsOneToThreeAttachments(BusinessRule):
    def __init__(self, attachments: Collection[object]) -> None:
        self.count = len(attachments)

    def is_broken(self) -> bool:
        return not 1 <= self.count <= 3

    def get_message(self) -> str:
        if self.count == 0:
            return "Adjunta al menos un archivo que sustente la solicitud (PDF o imagen)."
        return "Puedes adjuntar como máximo 3 archivos por solicitud."


class PatientMustNotBeMerged(BusinessRule):
    def __init__(self, patient: Any) -> None:
        self.patient = patient

    def is_broken(self) -> bool:
        return self.patient.merged_into is not None

    def get_message(self) -> str:
        return (f"El registro del paciente {self.patient.nss} - {self.patient.aggregate} ya fue "
                "homologado con otro registro; solicita el cambio sobre el registro correcto.")


class PatientChangeMustChangeSomething(BusinessRule):
    message = ("Habilita al menos un dato y escribe un valor distinto del actual para solicitar "
               "el cambio.")

    def __init__(self, changed_fields: Collection[str]) -> None:
        self.changed_fields = changed_fields

    def is_broken(self) -> bool:
        return not self.changed_fields


class PatientIdentityMustBeUnique(BusinessRule):
    """Two active records never share NSS and agregado (folio imports find a patient by both):
    a change to another record's identity is a homologación, not a data change."""

    error = Conflict

    def __init__(self, nss: str, aggregate: str, others: Iterable[Any]) -> None:
        self.nss = nss
        self.aggregate = aggregate
        self.taken = any(o.nss == nss and o.aggregate == aggregate and o.merged_into is None
                         for o in others)

    def is_broken(self) -> bool:
        return self.taken

    def get_message(self) -> str:
        return (f"Ya existe otro registro activo con el NSS {self.nss} y el agregado "
                f"{self.aggregate}. Si corresponde a la misma persona, solicita la homologación "
                "de registros en lugar del cambio de datos.")


class MergeNeedsSeveralRecords(BusinessRule):
    message = ("La homologación aplica cuando el NSS tiene más de un registro en el SAnECE; "
               "este NSS tiene uno solo.")

    def __init__(self, record_count: int) -> None:
        self.record_count = record_count

    def is_broken(self) -> bool:
        return self.record_count < 2


class MergeNeedsExactlyOneCorrectRecord(BusinessRule):
    message = "Elige exactamente un registro como Correcto."

    def __init__(self, correct_count: int) -> None:
        self.correct_count = correct_count

    def is_broken(self) -> bool:
        return self.correct_count != 1


class MergeNeedsAtLeastOneRecordToMerge(BusinessRule):
    message = "Marca al menos un registro como Homologar."

    def __init__(self, merge_count: int) -> None:
        self.merge_count = merge_count

    def is_broken(self) -> bool:
        return self.merge_count < 1


class MergeRecordsMustShareNss(BusinessRule):
    message = "Solo se pueden homologar registros con el mismo NSS."

    def __init__(self, nss_values: Iterable[str]) -> None:
        self.nss_values = set(nss_values)

    def is_broken(self) -> bool:
        return len(self.nss_values) > 1


class OnePendingRequestPerTypeAndTarget(BusinessRule):
    def __init__(self, request_type: Any, target_label: str, pending_count: int) -> None:
        self.request_type = request_type
        self.target_label = target_label
        self.pending_count = pending_count

    def is_broken(self) -> bool:
        return self.pending_count > 0

    def get_message(self) -> str:
        return (f"Ya existe una solicitud de {self.request_type.label.lower()} En espera para "
                f"{self.target_label}; espera a que sea revisada.")


class ExtensionNeedsValidatedFolio(BusinessRule):
    def __init__(self, folio: Any) -> None:
        self.folio = folio

    def is_broken(self) -> bool:
        return self.folio.status.value != "validated"

    def get_message(self) -> str:
        return (f"La ampliación de fecha de vencimiento solo aplica a folios Validada; el folio "
                f"{self.folio.number} tiene estatus {self.folio.status.label}.")


class FolioMustBeInForce(BusinessRule):
    """Baja, cambio de unidad and cambio de requerimiento need a vigente folio."""

    def __init__(self, folio: Any, today: date, action: str) -> None:
        self.folio = folio
        self.today = today
        self.action = action

    def is_broken(self) -> bool:
        return not self.folio.is_in_force(self.today)

    def get_message(self) -> str:
        f = self.folio
        if f.status.value != "validated":
            why = f"tiene estatus {f.status.label}"
        else:
            why = f"venció el {_fmt(f.expiry_date)}"
        return (f"{self.action} solo aplica a folios con fecha de vencimiento vigente; el folio "
                f"{f.number} {why}.")


class MotiveMustBeFromList(BusinessRule):
    def __init__(self, motive: str, allowed: Collection[str]) -> None:
        self.motive = motive
        self.allowed = allowed

    def is_broken(self) -> bool:
        return self.motive not in self.allowed

    def get_message(self) -> str:
        return "Elige un motivo de la lista: " + ", ".join(self.allowed) + "."


class DestinationUnitMustDiffer(BusinessRule):
    message = "La unidad médica de destino debe ser distinta de la unidad actual del folio."

    def __init__(self, current_unit_id: int, destination_unit_id: int) -> None:
        self.current_unit_id = current_unit_id
        self.destination_unit_id = destination_unit_id

    def is_broken(self) -> bool:
        return self.current_unit_id == self.destination_unit_id


class RequirementChangeMustChangeSomething(BusinessRule):
    message = ("Las claves, cantidades y el requerimiento solicitados son iguales a los actuales; "
               "modifica al menos uno.")

    def __init__(self, current: object, requested: object) -> None:
        self.current = current
        self.requested = requested

    def is_broken(self) -> bool:
        return self.current == self.requested


# --------------------------------------------------------------------------------------------
# Change requests: decision
# --------------------------------------------------------------------------------------------


class RequestMustBePending(BusinessRule):
    error = Conflict

    def __init__(self, request: Any) -> None:
        self.request = request

    def is_broken(self) -> bool:
        return self.request.status.value != "pending"

    def get_message(self) -> str:
        if self.request.status.value == "info_requested":
            return ("La solicitud espera la información que se pidió a la unidad; se decide "
                    "cuando la unidad responda.")
        return (f"La solicitud ya fue revisada ({self.request.status.label}); las decisiones son "
                "definitivas.")


class RequestMustBeOpen(BusinessRule):
    """Only a request En espera or Requiere información can be cancelled by its unit."""

    error = Conflict

    def __init__(self, request: Any) -> None:
        self.request = request

    def is_broken(self) -> bool:
        return self.request.status.value not in ("pending", "info_requested")

    def get_message(self) -> str:
        return (f"La solicitud ya fue revisada ({self.request.status.label}); ya no se puede "
                "cancelar.")


class RequestMustAwaitInformation(BusinessRule):
    """Only a request in Requiere información is answered (or expires unanswered)."""

    error = Conflict

    def __init__(self, request: Any) -> None:
        self.request = request

    def is_broken(self) -> bool:
        return self.request.status.value != "info_requested"

    def get_message(self) -> str:
        return (f"La solicitud no espera información (estatus: {self.request.status.label}); "
                "no hay nada que responder.")


class MissingInformationRequired(BusinessRule):
    message = "Escribe qué información falta para poder decidir la solicitud."

    def __init__(self, text: str | None) -> None:
        self.text = text

    def is_broken(self) -> bool:
        return not (self.text or "").strip()


class AnswerNeedsNote(BusinessRule):
    message = "Escribe una nota con la respuesta a la información solicitada."

    def __init__(self, text: str | None) -> None:
        self.text = text

    def is_broken(self) -> bool:
        return not (self.text or "").strip()


class ReasonMustBeInCatalog(BusinessRule):
    """A coded reason must be an active code of the catalog."""

    def __init__(self, code: str | None, active_codes: Any) -> None:
        self.code = code
        self.active_codes = tuple(active_codes)

    def is_broken(self) -> bool:
        return self.code not in self.active_codes

    def get_message(self) -> str:
        if not self.code:
            return "Elige el motivo (clave del catálogo de motivos)."
        return (f"El motivo «{self.code}» no está en el catálogo de motivos activos; elige uno "
                "de la lista.")


class RejectionNeedsReason(BusinessRule):
    message = "Escribe el motivo por el que la solicitud es No Validado."

    def __init__(self, reason: str | None) -> None:
        self.reason = reason

    def is_broken(self) -> bool:
        return not (self.reason or "").strip()


class NewExpiryRequired(BusinessRule):
    message = "Indica la fecha final (nueva fecha de vencimiento) para validar la ampliación."

    def __init__(self, new_expiry: date | None) -> None:
        self.new_expiry = new_expiry

    def is_broken(self) -> bool:
        return self.new_expiry is None


class NewExpiryMustBeLater(BusinessRule):
    def __init__(self, current_expiry: date | None, new_expiry: date) -> None:
        self.current_expiry = current_expiry
        self.new_expiry = new_expiry

    def is_broken(self) -> bool:
        return self.current_expiry is not None and self.new_expiry <= self.current_expiry

    def get_message(self) -> str:
        return (f"La nueva fecha de vencimiento debe ser posterior a la actual "
                f"({_fmt(self.current_expiry)}).")


class NewExpiryNotInThePast(BusinessRule):
    message = "La nueva fecha de vencimiento no puede ser anterior a hoy."

    def __init__(self, new_expiry: date, today: date) -> None:
        self.new_expiry = new_expiry
        self.today = today

    def is_broken(self) -> bool:
        return self.new_expiry < self.today


class NewExpiryWithinLongestPeriod(BusinessRule):
    """An ampliación extends a folio by at most the longest evaluation period (60 months),
    counted from its current fecha de vencimiento, or from today when that date already
    passed: a typing slip such as 2099-12-31 is refused. ``latest``: that limit date."""

    def __init__(self, new_expiry: date, current_expiry: date | None, today: date,
                 latest: date) -> None:
        self.new_expiry = new_expiry
        self.current_expiry = current_expiry
        self.today = today
        self.latest = latest

    def is_broken(self) -> bool:
        return self.new_expiry > self.latest

    def get_message(self) -> str:
        if self.current_expiry is not None and self.current_expiry >= self.today:
            since = f"de la fecha de vencimiento actual ({_fmt(self.current_expiry)})"
        else:
            since = f"de hoy ({_fmt(self.today)})"
        return (f"La nueva fecha de vencimiento no puede ser posterior al {_fmt(self.latest)}: "
                f"una ampliación es de a lo más {PeriodMonthsInRange.MAX} meses (el periodo de "
                f"evaluación más largo) a partir {since}.")


class CancellationDateInRange(BusinessRule):
    def __init__(self, cancellation_date: date, evaluation_date: date, today: date) -> None:
        self.cancellation_date = cancellation_date
        self.evaluation_date = evaluation_date
        self.today = today

    def is_broken(self) -> bool:
        return not self.evaluation_date <= self.cancellation_date <= self.today

    def get_message(self) -> str:
        return (f"La fecha de baja debe estar entre la fecha de evaluación "
                f"({_fmt(self.evaluation_date)}) y hoy ({_fmt(self.today)}).")


class TargetUnchangedSinceFiling(BusinessRule):
    """The folio or patient a request is about must be as it was when the request was filed."""

    error = Conflict

    def __init__(self, target_label: str, at_filing: object, now: object) -> None:
        self.target_label = target_label
        self.at_filing = at_filing
        self.now = now

    def is_broken(self) -> bool:
        return self.at_filing != self.now

    def get_message(self) -> str:
        return (f"No se puede validar la solicitud: {self.target_label} cambió desde que se "
                "registró la solicitud. Márcala como No Validado; el director puede registrar una "
                "nueva solicitud con los datos actuales.")


class MergeUndoNeedsReason(BusinessRule):
    message = "Escribe el motivo por el que se deshace la homologación."

    def __init__(self, reason: str | None) -> None:
        self.reason = reason

    def is_broken(self) -> bool:
        return not (self.reason or "").strip()


def recheck(rule: BusinessRule) -> None:
    """Check a filing rule again at decision time: a broken one is a conflict, not bad input."""
    if rule.is_broken():
        raise Conflict(f"No se puede validar la solicitud: {_lower_first(rule.get_message())}",
                       log_message=f"{type(rule).__name__} (at decision)",
                       code="target_changed")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text

