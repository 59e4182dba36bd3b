"""Extracción de datos (S13): the date window and the filters of an extraction.

"Puedes extraer información de tres años de antigüedad a la fecha; el rango máximo permitido
de extracción es de un año." Years are calendar years (29 Feb moves to 28 Feb).
"""

from __future__ import annotations

import enum
from datetime import date

import attrs

from shared.kernel.rules import BusinessRule, check_rule

from sanece.domain.values import EvaluationStatus, add_years, format_date

MAX_AGE_YEARS = 3
MAX_RANGE_YEARS = 1


class ExtractionStartNotAfterEnd(BusinessRule):
    message = "La fecha de fin debe ser igual o posterior a la fecha de inicio."

    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.end = end

    def is_broken(self) -> bool:
        return self.start > self.end


class ExtractionEndNotInFuture(BusinessRule):
    def __init__(self, end: date, today: date) -> None:
        self.end = end
        self.today = today

    def is_broken(self) -> bool:
        return self.end > self.today

    def get_message(self) -> str:
        return f"La fecha de fin no puede ser posterior a hoy ({format_date(self.today)})."


class ExtractionStartAtMostThreeYearsAgo(BusinessRule):
    def __init__(self, start: date, today: date) -> None:
        self.start = start
        self.today = today

    @property
    def earliest(self) -> date:
        return add_years(self.today, -MAX_AGE_YEARS)

    def is_broken(self) -> bool:
        return self.start < self.earliest

    def get_message(self) -> str:
        return ("Puedes extraer información de tres años de antigüedad a la fecha: la fecha de "
                f"inicio debe ser el {format_date(self.earliest)} o posterior.")


class ExtractionRangeAtMostOneYear(BusinessRule):
    message = ("El rango máximo permitido de extracción es de un año entre la fecha de inicio y "
               "la fecha de fin.")

    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.end = end

    def is_broken(self) -> bool:
        return self.end > add_years(self.start, MAX_RANGE_YEARS)


def broken_window_rules(start: date, end: date, today: date) -> list[BusinessRule]:
    """Every broken rule of a window (to show all the messages of the form at once)."""
    rules: list[BusinessRule] = [
        ExtractionStartNotAfterEnd(start, end),
        ExtractionEndNotInFuture(end, today),
        ExtractionStartAtMostThreeYearsAgo(start, today),
        ExtractionRangeAtMostOneYear(start, end),
    ]
    return [r for r in rules if r.is_broken()]


@attrs.frozen
class ExtractionWindow:
    """Fecha de inicio and fecha de fin, both inclusive. Build it with ``create``, which checks
    every rule against ``today``; the plain constructor only checks start <= end."""

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        check_rule(ExtractionStartNotAfterEnd(self.start, self.end))

    @classmethod
    def create(cls, start: date, end: date, *, today: date) -> "ExtractionWindow":
        for rule in broken_window_rules(start, end, today):
            check_rule(rule)
        return cls(start, end)

    @classmethod
    def default(cls, today: date) -> "ExtractionWindow":
        """What the form proposes: the last year up to today."""
        return cls(add_years(today, -MAX_RANGE_YEARS), today)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


class ExtractionMode(str, enum.Enum):
    """Filtro de extracción."""

    BY_FOLIO = "by_folio"
    BY_PATIENT = "by_patient"

    @property
    def label(self) -> str:
        return {"by_folio": "POR FOLIO", "by_patient": "POR PACIENTE"}[self.value]


ALL_LABEL = "TODOS"


@attrs.frozen(kw_only=True)
class ExtractionCriteria:
    """The unit's folios evaluated inside the window, optionally one genérico and one status
    (None means TODOS)."""

    unit_id: int
    window: ExtractionWindow
    mode: ExtractionMode = attrs.field(default=ExtractionMode.BY_FOLIO, converter=ExtractionMode)
    medicine_id: int | None = None
    status: EvaluationStatus | None = attrs.field(
        default=None, converter=lambda v: None if v is None else EvaluationStatus(v))

    def matches(self, *, unit_id: int, evaluation_date: date, medicine_id: int,
                status: EvaluationStatus) -> bool:
        """The same filter as the SQL query (for in-memory fakes and tests)."""
        return (unit_id == self.unit_id and self.window.contains(evaluation_date)
                and (self.medicine_id is None or medicine_id == self.medicine_id)
                and (self.status is None or status is self.status))
