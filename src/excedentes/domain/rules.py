"""Every business rule of the excedentes context, one small named class each.

A rule takes plain values (never an aggregate), answers ``is_broken()`` and carries the Spanish
message the user reads. Aggregates and the grid validator build them and either raise
(``check_rule``) or collect their messages (the Paso 6 grid shows every error at once). Keeping
them free of the model classes lets a rule be found by its name and tested alone.

Index:
- quantities and grid rows: ``QuantityMustBeWholeNumber``, ``QuantityAtLeastOne``,
  ``QuantityAtMostMax``, ``CauseMustBeKnown``, ``ShortageRequiresCause`` (alias
  ``FaltanteRequiresCause``), ``CauseRequiresShortage``, ``ShortageRequiresMonthlyPatients``,
  ``SurplusRequiresMonthlyPatients``, ``MonthlyPatientsRequireEvents``,
  ``NotShortageAndSurplusInSameModality``, ``ProductOnlyOnceInGrid``, ``GridRequiresSpecialty``,
  ``ProductMustBelongToGrid``
- the entity report: ``FinalizedEntityIsLocked``, ``CaptureWindowMustBeOpen``,
  ``RecordsRequireAnswerYes``, ``AnswerNoRequiresNoRecords``, ``FinalizeRequiresAnswer``,
  ``AnswerYesRequiresRecords``, ``ReopenRequiresFinalized``, ``ReopenRequiresReason``,
  ``RecordsBelongToUnit``, ``RecordsWithinGrid``, ``OneRecordPerProductAndModality``
- signed report: ``SignedReportRequiresFinalized``, ``SignedReportMustBePdf``,
  ``SignedReportNotEmpty``, ``SignedReportWithinLimit``
- catalog, periods, requests: ``CluesMustBeValid``, ``UnitLevelMustBeKnown``, ``NameRequired``,
  ``SpecialtyLevelMatchesInstitution``, ``WindowEndNotBeforeStart``,
  ``ProductRequestMustBePending``, ``RejectionRequiresReason``
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Collection, Iterable, Mapping

from excedentes.domain.dates import format_date, format_datetime
from excedentes.domain.errors import (
    CaptureClosed,
    EntityLocked,
    SignedReportNotPdf,
    SignedReportTooLarge,
    SpecialtyRequired,
)
from shared.kernel.errors import Conflict, ValidationError
from shared.kernel.rules import BusinessRule

MIN_QUANTITY = 1
# Monthly events or patients of one unit beyond this are typing mistakes; it also keeps every
# value inside a 32-bit column.
MAX_QUANTITY = 9_999_999
MB = 1024 * 1024

# CLUES: two letters of the state, three of the institution, six digits (BCSSA001152).
CLUES_RE = re.compile(r"^[A-Z]{5}[0-9]{6}$")
# Digits, optionally grouped by thousands with commas as users type them ("1,200").
_WHOLE_RE = re.compile(r"^[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)$")

_UNITS_SHOWN = 10  # a refusal names at most this many units, then "y N más"


def format_int(n: int) -> str:
    """Thousands separated by commas, as the reports print them."""
    return f"{n:,}"


def format_mb(n_bytes: int) -> str:
    mb = n_bytes / MB
    return f"{mb:.0f} MB" if mb >= 1 else f"{max(1, n_bytes // 1024)} KB"


def name_units(clues: Iterable[str], unit_names: Mapping[str, str] | None = None) -> str:
    """``"BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL; …"``: CLUES first, the name when known."""
    ordered = sorted(set(clues))
    names = unit_names or {}
    shown = [f"{c} {names[c]}".strip() if names.get(c) else c for c in ordered[:_UNITS_SHOWN]]
    text = "; ".join(shown)
    if len(ordered) > _UNITS_SHOWN:
        text += f" y {len(ordered) - _UNITS_SHOWN} más"
    return text


# --------------------------------------------------------------------------- quantities, grid


class QuantityMustBeWholeNumber(BusinessRule):
    message = "Escriba un número entero (cantidad mínima 1)."

    def __init__(self, raw: str) -> None:
        self.raw = raw.strip()

    def is_broken(self) -> bool:
        return bool(self.raw) and not _WHOLE_RE.match(self.raw)


class QuantityAtLeastOne(BusinessRule):
    message = "Cantidad mínima 1."

    def __init__(self, value: int) -> None:
        self.value = value

    def is_broken(self) -> bool:
        return self.value < MIN_QUANTITY


class QuantityAtMostMax(BusinessRule):
    message = f"Cantidad máxima {format_int(MAX_QUANTITY)}."

    def __init__(self, value: int) -> None:
        self.value = value

    def is_broken(self) -> bool:
        return self.value > MAX_QUANTITY


class CauseMustBeKnown(BusinessRule):
    message = ("Causa no válida: elija Carencia de Servicio, Falta de Equipo, Falta de Insumos "
               "o Falta de Personal.")

    def __init__(self, raw: str, known: bool) -> None:
        self.raw = raw.strip()
        self.known = known

    def is_broken(self) -> bool:
        return bool(self.raw) and not self.known


class ShortageRequiresCause(BusinessRule):
    message = "El faltante requiere la causa principal."

    def __init__(self, has_shortage: bool, has_cause: bool) -> None:
        self.has_shortage = has_shortage
        self.has_cause = has_cause

    def is_broken(self) -> bool:
        return self.has_shortage and not self.has_cause


# The architecture notes name this rule with the Spanish word; both names find it.
FaltanteRequiresCause = ShortageRequiresCause


class CauseRequiresShortage(BusinessRule):
    message = "La causa solo se registra con un faltante (ambulatoria u hospitalaria)."

    def __init__(self, has_cause: bool, has_shortage: bool) -> None:
        self.has_cause = has_cause
        self.has_shortage = has_shortage

    def is_broken(self) -> bool:
        return self.has_cause and not self.has_shortage


class ShortageRequiresMonthlyPatients(BusinessRule):
    message = "El faltante requiere pacientes mensuales."

    def __init__(self, has_shortage: bool, has_patients: bool) -> None:
        self.has_shortage = has_shortage
        self.has_patients = has_patients

    def is_broken(self) -> bool:
        return self.has_shortage and not self.has_patients


class SurplusRequiresMonthlyPatients(BusinessRule):
    message = "El excedente requiere pacientes mensuales."

    def __init__(self, has_surplus: bool, has_patients: bool) -> None:
        self.has_surplus = has_surplus
        self.has_patients = has_patients

    def is_broken(self) -> bool:
        return self.has_surplus and not self.has_patients


class MonthlyPatientsRequireEvents(BusinessRule):
    """Patients typed on a row without events would be silently lost: refuse instead."""

    message = ("Los pacientes mensuales acompañan a un faltante o a un excedente: registre los "
               "eventos mensuales o deje el campo vacío.")

    def __init__(self, has_patients: bool, has_events: bool) -> None:
        self.has_patients = has_patients
        self.has_events = has_events

    def is_broken(self) -> bool:
        return self.has_patients and not self.has_events


class NotShortageAndSurplusInSameModality(BusinessRule):
    def __init__(self, modality_label: str, has_shortage: bool, has_surplus: bool) -> None:
        self.modality_label = modality_label
        self.has_shortage = has_shortage
        self.has_surplus = has_surplus

    def is_broken(self) -> bool:
        return self.has_shortage and self.has_surplus

    def get_message(self) -> str:
        return ("Un producto no puede ser faltante y excedente en la misma modalidad "
                f"({self.modality_label}).")


class ProductOnlyOnceInGrid(BusinessRule):
    message = "El producto aparece más de una vez en la tabla."

    def __init__(self, product_id: int, seen: Collection[int]) -> None:
        self.product_id = product_id
        self.seen = seen

    def is_broken(self) -> bool:
        return self.product_id in self.seen


class GridRequiresSpecialty(BusinessRule):
    """Where the catalog has the especialidad troncal level (Paso 5), a Paso 6 grid is the
    products of one group *and* one specialty, as in the guides; the whole group at once is
    not a grid a user ever sees, so it is neither shown nor saved."""

    error = SpecialtyRequired

    def __init__(self, institution_code: str, has_specialty_level: bool,
                 specialty_given: bool) -> None:
        self.institution_code = institution_code
        self.has_specialty_level = has_specialty_level
        self.specialty_given = specialty_given

    def is_broken(self) -> bool:
        return self.has_specialty_level and not self.specialty_given

    def get_message(self) -> str:
        return (f"Indique la especialidad troncal (Paso 5): en {self.institution_code} la tabla "
                "del Paso 6 es de un grupo de servicio y una especialidad troncal.")


class ProductMustBelongToGrid(BusinessRule):
    message = "El producto no pertenece a la tabla de este grupo de servicio."

    def __init__(self, product_id: int, allowed: Collection[int] | None) -> None:
        self.product_id = product_id
        self.allowed = allowed

    def is_broken(self) -> bool:
        return self.allowed is not None and self.product_id not in self.allowed


# --------------------------------------------------------------------------- the entity report


class FinalizedEntityIsLocked(BusinessRule):
    """Says why and since when; what to do depends on the reader: a capturista asks their
    coordinator for the apertura, a coordinador (or admin) is the one who registers it."""

    error = EntityLocked

    def __init__(self, finalized_at: datetime | None, *, for_manager: bool = False) -> None:
        self.finalized_at = finalized_at
        self.for_manager = for_manager

    def is_broken(self) -> bool:
        return self.finalized_at is not None

    def get_message(self) -> str:
        assert self.finalized_at is not None
        since = f"La entidad finalizó el registro el {format_datetime(self.finalized_at)}"
        if self.for_manager:
            return f"{since}; puede registrar la apertura para que vuelva a capturar."
        return f"{since}; solicite la apertura a su coordinador."


class PreliminaryRequiresOpenReport(BusinessRule):
    """The Preliminar says "aún no cierra el registro": once finalized that sentence would be
    false, so the print is refused with when and by whom it was closed, and what to print."""

    error = Conflict

    def __init__(self, finalized_at: datetime | None, finalized_by: str | None) -> None:
        self.finalized_at = finalized_at
        self.finalized_by = finalized_by

    def is_broken(self) -> bool:
        return self.finalized_at is not None

    def get_message(self) -> str:
        assert self.finalized_at is not None
        by = f" por {self.finalized_by}" if self.finalized_by else ""
        return (f"El reporte Preliminar ya no está disponible: la entidad finalizó el registro "
                f"el {format_datetime(self.finalized_at)}{by}. Descargue la Versión Final.")


class CaptureWindowMustBeOpen(BusinessRule):
    """Outside the window the tool is read-only; the message says why and since when, and
    what the reader can do: a capturista asks their coordinator, a coordinador (or admin,
    ``for_manager``) is told they can open the period or change its dates."""

    error = CaptureClosed

    def __init__(self, year: int, is_open: bool, window_start: date | None,
                 window_end: date | None, closed_at: datetime | None, today: date, *,
                 for_manager: bool = False) -> None:
        self.year = year
        self.is_open = is_open
        self.window_start = window_start
        self.window_end = window_end
        self.closed_at = closed_at
        self.today = today
        self.for_manager = for_manager

    def is_broken(self) -> bool:
        return self._problem() is not None

    def get_message(self) -> str:
        return self._problem() or ""

    def _problem(self) -> str | None:
        what = f"La captura del periodo {self.year}"
        read_only = "solo es posible consultar los reportes"
        ask = "Solicite la apertura del periodo a su coordinador."
        if not self.is_open:
            since = f" desde el {format_datetime(self.closed_at)}" if self.closed_at else ""
            todo = "Puede abrir el periodo de captura." if self.for_manager else ask
            return f"{what} está cerrada{since}; {read_only}. {todo}"
        if self.window_start is not None and self.today < self.window_start:
            todo = " Puede cambiar las fechas de captura." if self.for_manager else ""
            return (f"{what} inicia el {format_date(self.window_start)}; por ahora "
                    f"{read_only}.{todo}")
        if self.window_end is not None and self.today > self.window_end:
            todo = "Puede ampliar las fechas de captura." if self.for_manager else ask
            return f"{what} terminó el {format_date(self.window_end)}; {read_only}. {todo}"
        return None


class RecordsRequireAnswerYes(BusinessRule):
    message = ("Para registrar excedentes o faltantes, primero responda SI en el Paso 2 "
               "(¿Alguna de las Unidades Médicas tiene Excedentes/Faltantes?).")
    error = Conflict

    def __init__(self, answer_is_yes: bool, has_records: bool) -> None:
        self.answer_is_yes = answer_is_yes
        self.has_records = has_records

    def is_broken(self) -> bool:
        return self.has_records and not self.answer_is_yes


class AnswerNoRequiresNoRecords(BusinessRule):
    """Switching to NO (or finalizing with NO) while units have records names those units."""

    error = Conflict

    def __init__(self, answer_is_no: bool, units_with_records: Collection[str],
                 unit_names: Mapping[str, str] | None = None) -> None:
        self.answer_is_no = answer_is_no
        self.units_with_records = units_with_records
        self.unit_names = unit_names

    def is_broken(self) -> bool:
        return self.answer_is_no and bool(self.units_with_records)

    def get_message(self) -> str:
        n = len(set(self.units_with_records))
        which = "la siguiente unidad médica tiene" if n == 1 else \
            "las siguientes unidades médicas tienen"
        return (f"No es posible responder NO: {which} excedentes/faltantes registrados: "
                f"{name_units(self.units_with_records, self.unit_names)}. Elimine primero sus "
                "registros en el Paso 6.")


class FinalizeRequiresAnswer(BusinessRule):
    message = ("Antes de finalizar, responda en el Paso 2 si alguna de las Unidades Médicas "
               "tiene Excedentes/Faltantes.")
    error = Conflict

    def __init__(self, answered: bool) -> None:
        self.answered = answered

    def is_broken(self) -> bool:
        return not self.answered


class AnswerYesRequiresRecords(BusinessRule):
    message = ("La entidad respondió SI en el Paso 2, pero no hay excedentes ni faltantes "
               "registrados: registre la información de sus unidades médicas o cambie la "
               "respuesta a NO.")
    error = Conflict

    def __init__(self, answer_is_yes: bool, record_count: int) -> None:
        self.answer_is_yes = answer_is_yes
        self.record_count = record_count

    def is_broken(self) -> bool:
        return self.answer_is_yes and self.record_count == 0


class ReopenRequiresFinalized(BusinessRule):
    message = "La entidad no ha finalizado el registro; no es necesaria la apertura."
    error = Conflict

    def __init__(self, finalized: bool) -> None:
        self.finalized = finalized

    def is_broken(self) -> bool:
        return not self.finalized


class ReopenRequiresReason(BusinessRule):
    message = "La apertura requiere un motivo."
    MAX_LENGTH = 1000

    def __init__(self, reason: str | None) -> None:
        self.reason = (reason or "").strip()

    def is_broken(self) -> bool:
        return not self.reason or len(self.reason) > self.MAX_LENGTH

    def get_message(self) -> str:
        if len(self.reason) > self.MAX_LENGTH:
            return f"El motivo de la apertura admite como máximo {self.MAX_LENGTH} caracteres."
        return self.message


class RecordsBelongToUnit(BusinessRule):
    message = "Los registros enviados no corresponden a la unidad médica seleccionada."

    def __init__(self, clues: str, record_clues: Iterable[str]) -> None:
        self.clues = clues
        self.record_clues = set(record_clues)

    def is_broken(self) -> bool:
        return bool(self.record_clues - {self.clues})


class RecordsWithinGrid(BusinessRule):
    message = "Hay registros de productos que no pertenecen a la tabla que se guarda."

    def __init__(self, product_ids: Collection[int], record_products: Iterable[int]) -> None:
        self.product_ids = product_ids
        self.record_products = set(record_products)

    def is_broken(self) -> bool:
        return any(p not in self.product_ids for p in self.record_products)


class OneRecordPerProductAndModality(BusinessRule):
    """Per unit, product and modality there is one record: a faltante or an excedente."""

    message = ("Un producto no puede ser faltante y excedente en la misma modalidad, ni "
               "registrarse dos veces en la misma unidad médica.")

    def __init__(self, keys: Iterable[tuple[str, int, str]]) -> None:
        # (clues, product_id, modality) of each record
        self.counts = Counter(keys)

    def is_broken(self) -> bool:
        return any(n > 1 for n in self.counts.values())


# --------------------------------------------------------------------------- signed report


class SignedReportRequiresFinalized(BusinessRule):
    message = ("El reporte firmado solo puede subirse después de finalizar el registro y "
               "obtener la Versión Final.")
    error = Conflict

    def __init__(self, finalized: bool) -> None:
        self.finalized = finalized

    def is_broken(self) -> bool:
        return not self.finalized


class SignedReportMustBePdf(BusinessRule):
    message = "El reporte firmado debe ser un archivo PDF (se revisa su contenido, no su nombre)."
    error = SignedReportNotPdf

    def __init__(self, is_pdf: bool) -> None:
        self.is_pdf = is_pdf

    def is_broken(self) -> bool:
        return not self.is_pdf


class SignedReportNotEmpty(BusinessRule):
    message = "El archivo está vacío."

    def __init__(self, size: int) -> None:
        self.size = size

    def is_broken(self) -> bool:
        return self.size <= 0


class SignedReportWithinLimit(BusinessRule):
    error = SignedReportTooLarge

    def __init__(self, size: int, max_bytes: int) -> None:
        self.size = size
        self.max_bytes = max_bytes

    def is_broken(self) -> bool:
        return self.size > self.max_bytes

    def get_message(self) -> str:
        return f"El archivo excede el tamaño máximo permitido de {format_mb(self.max_bytes)}."


# --------------------------------------------------------------------------- catalog, periods


class CluesMustBeValid(BusinessRule):
    def __init__(self, clues: str) -> None:
        self.clues = clues

    def is_broken(self) -> bool:
        return not CLUES_RE.match(self.clues)

    def get_message(self) -> str:
        return (f"CLUES no válida: {self.clues!r}; debe tener 11 caracteres, 5 letras y 6 "
                "dígitos (por ejemplo BCSSA001152).")


class UnitLevelMustBeKnown(BusinessRule):
    """Paso 3 groups units under the levels of care; a level outside them is a typing
    mistake in an import, not a new heading."""

    def __init__(self, level: str, known: Collection[str]) -> None:
        self.level = level
        self.known = tuple(known)

    def is_broken(self) -> bool:
        return bool(self.level) and self.level not in self.known

    def get_message(self) -> str:
        options = ", ".join(self.known[:-1]) + " o " + self.known[-1]
        return f"Nivel de atención no válido: «{self.level}»; use {options}."


class NameRequired(BusinessRule):
    def __init__(self, what: str, value: str | None) -> None:
        self.what = what
        self.value = (value or "").strip()

    def is_broken(self) -> bool:
        return not self.value

    def get_message(self) -> str:
        # "El nombre … es obligatorio", "La unidad de medida es obligatoria"
        ending = "a" if self.what.startswith("La ") else "o"
        return f"{self.what} es obligatori{ending}."


class SpecialtyLevelMatchesInstitution(BusinessRule):
    """IMSS 2020 has no especialidad troncal level; SS, IMSS-BIENESTAR and ISSSTE do."""

    def __init__(self, institution_code: str, has_level: bool, has_specialty: bool) -> None:
        self.institution_code = institution_code
        self.has_level = has_level
        self.has_specialty = has_specialty

    def is_broken(self) -> bool:
        return self.has_level != self.has_specialty

    def get_message(self) -> str:
        if self.has_level:
            return f"El catálogo de {self.institution_code} requiere la especialidad troncal."
        return f"El catálogo de {self.institution_code} no usa especialidad troncal."


class WindowEndNotBeforeStart(BusinessRule):
    message = "La fecha de fin de la captura debe ser igual o posterior a la de inicio."

    def __init__(self, start: date | None, end: date | None) -> None:
        self.start = start
        self.end = end

    def is_broken(self) -> bool:
        return self.start is not None and self.end is not None and self.end < self.start


class ProductRequestMustBePending(BusinessRule):
    error = Conflict

    def __init__(self, status_label: str | None, decided_at: datetime | None) -> None:
        # status_label is None while pending
        self.status_label = status_label
        self.decided_at = decided_at

    def is_broken(self) -> bool:
        return self.status_label is not None

    def get_message(self) -> str:
        when = f" el {format_datetime(self.decided_at)}" if self.decided_at else ""
        return f"La solicitud ya fue {self.status_label}{when}; la decisión es definitiva."


class RejectionRequiresReason(BusinessRule):
    message = "El rechazo de la solicitud requiere un motivo."
    error = ValidationError

    def __init__(self, reason: str | None) -> None:
        self.reason = (reason or "").strip()

    def is_broken(self) -> bool:
        return not self.reason


# --------------------------------------------------------------------------- review by levels


class AcceptedEntityIsLocked(BusinessRule):
    """An accepted report is closed for everyone: capture, upload and apertura alike; only an
    administrator reverts the acceptance (with a reason)."""

    error = EntityLocked

    def __init__(self, accepted_at: datetime | None, accepted_by: str | None) -> None:
        self.accepted_at = accepted_at
        self.accepted_by = accepted_by

    def is_broken(self) -> bool:
        return self.accepted_at is not None

    def get_message(self) -> str:
        assert self.accepted_at is not None
        by = f" ({self.accepted_by})" if self.accepted_by else ""
        return (f"La coordinación aceptó el reporte el {format_datetime(self.accepted_at)}{by}; "
                "ya no admite cambios. Solo la administración del sistema puede revertir la "
                "aceptación.")


class ReviewRequiresSignedReport(BusinessRule):
    """Aceptar / Devolver review what the entity signed: finalized with its signed PDF."""

    message = ("La entidad aún no finaliza el registro y sube su reporte firmado; no hay nada "
               "que revisar todavía.")
    error = Conflict

    def __init__(self, finalized: bool, signed_uploaded: bool) -> None:
        self.finalized = finalized
        self.signed_uploaded = signed_uploaded

    def is_broken(self) -> bool:
        return not (self.finalized and self.signed_uploaded)


class ReturnRequiresActiveReason(BusinessRule):
    """Devolver para corrección names a reason of the catalog that is still active."""

    error = ValidationError

    def __init__(self, code: str | None, known: bool, active: bool) -> None:
        self.code = (code or "").strip()
        self.known = known
        self.active = active

    def is_broken(self) -> bool:
        return not (self.code and self.known and self.active)

    def get_message(self) -> str:
        if not self.code:
            return "Elija el motivo de la devolución."
        if not self.known:
            return f"El motivo de devolución {self.code} no existe."
        return f"El motivo de devolución {self.code} está desactivado; elija otro."


class RevertRequiresAccepted(BusinessRule):
    message = "El reporte no ha sido aceptado; no hay aceptación que revertir."
    error = Conflict

    def __init__(self, accepted: bool) -> None:
        self.accepted = accepted

    def is_broken(self) -> bool:
        return not self.accepted


class ReasonTextRequired(BusinessRule):
    """Free text that must be there (reverting an acceptance) and stay readable."""

    MAX_LENGTH = 1000

    def __init__(self, text: str | None, what: str, *, required: bool = True) -> None:
        self.text = (text or "").strip()
        self.what = what
        self.required = required

    def is_broken(self) -> bool:
        return (self.required and not self.text) or len(self.text) > self.MAX_LENGTH

    def get_message(self) -> str:
        if len(self.text) > self.MAX_LENGTH:
            return f"{self.what} admite como máximo {self.MAX_LENGTH} caracteres."
        return f"{self.what} es obligatorio."
