"""The tablero de control (Paso 1, E3): an entity's state, status light and labels, derived.

Nothing here is stored: the state of an entity is a pure function of four facts of its
``EntityReport`` (``ReportFacts``): the Paso 2 answer, how many records (and units with
records) it has, whether it is finalized, and whether a current signed report exists. The
write side gets them with ``facts_of(report)``; a SQL read model of the whole dashboard can
build ``ReportFacts`` straight from aggregated columns and reuse the same functions, so the
two can never disagree.

States (``ReportState``):

- ``NOT_STARTED``: Paso 2 not answered yet;
- ``PRELIMINARY``: answered SI, no record yet (capture under way; finalize would be refused);
- ``TO_FINALIZE``: answered NO, or SI with records: finalize would be accepted;
- ``FINAL``: finalized, no signed report (or it was superseded);
- ``SIGNED_UPLOADED``: finalized with a current signed report.

Labels of the "Reporte" columns (``dashboard_labels``), as in the guides: before finalize
"Preliminar" / "Finalizar Reporte" / (nothing); after, "—" / "Versión Final" / "Subir", and
"Consultar/Modificar" once the signed PDF is uploaded. The legacy left a not-started row
blank; we keep the links (the preliminary report is available at any time, E11, and the
finalize page explains that Paso 2 comes first), and expose the ``state`` so that a template
may grey them out.
"""

from __future__ import annotations

import enum
from typing import Iterable

import attrs

from excedentes.domain.model import Answer, EntityReport
from excedentes.domain.review import ReviewStatus, review_status

PRELIMINARY_LABEL = "Preliminar"
NOT_AVAILABLE_LABEL = "—"
FINALIZE_LABEL = "Finalizar Reporte"
FINAL_VERSION_LABEL = "Versión Final"
UPLOAD_LABEL = "Subir"
VIEW_OR_REPLACE_LABEL = "Consultar/Modificar"


class ReportState(str, enum.Enum):
    NOT_STARTED = "not_started"
    PRELIMINARY = "preliminary"
    TO_FINALIZE = "to_finalize"
    FINAL = "final"
    SIGNED_UPLOADED = "signed_uploaded"

    @property
    def label(self) -> str:
        return _REPORT_STATE_LABELS[self.value]  # keyed by value: hashing a str is cheap

    @property
    def is_finalized(self) -> bool:
        return self in (ReportState.FINAL, ReportState.SIGNED_UPLOADED)


_REPORT_STATE_LABELS = {
    ReportState.NOT_STARTED.value: "Sin iniciar",
    ReportState.PRELIMINARY.value: "En captura",
    ReportState.TO_FINALIZE.value: "Por finalizar",
    ReportState.FINAL.value: "Finalizado, falta subir el reporte firmado",
    ReportState.SIGNED_UPLOADED.value: "Reporte firmado subido",
}


class StatusLight(str, enum.Enum):
    """The Semáforo column: two colours, with the legend of the guides."""

    FINALIZED = "finalized"
    NOT_FINALIZED = "not_finalized"

    @property
    def color(self) -> str:
        return "verde" if self is StatusLight.FINALIZED else "rojo"

    def legend(self, entity_word: str) -> str:
        """"La OOAD/UMAE ha finalizado el registro de información" and its opposite."""
        if self is StatusLight.FINALIZED:
            return f"La {entity_word} ha finalizado el registro de información"
        return f"La {entity_word} aún no finaliza el registro de información"


@attrs.frozen
class ReportFacts:
    """The only facts the dashboard depends on (an unstarted entity: ``ReportFacts()``)."""

    answer: Answer | None = attrs.field(default=None,
                                        converter=attrs.converters.optional(Answer))
    record_count: int = 0
    units_with_records: int = 0
    finalized: bool = False
    signed_uploaded: bool = False
    returned: bool = False  # returned for correction, not finalized again yet
    accepted: bool = False

    @property
    def review(self) -> ReviewStatus:
        return review_status(finalized=self.finalized, signed_uploaded=self.signed_uploaded,
                             returned=self.returned, accepted=self.accepted)


@attrs.frozen
class DashboardLabels:
    """Text of the three "Reporte" columns; None leaves the cell empty."""

    preliminary: str
    final: str
    upload: str | None


@attrs.frozen
class DashboardRow:
    number: int  # "No."
    entity_code: str
    entity_name: str
    total_units: int
    units_with_records: int
    units_without_records: int
    state: ReportState
    labels: DashboardLabels
    status_light: StatusLight
    review: ReviewStatus = ReviewStatus.IN_CAPTURE


@attrs.frozen
class DashboardTotals:
    entities: int
    total_units: int
    units_with_records: int
    units_without_records: int
    finalized: int
    signed_uploaded: int
    accepted: int = 0
    returned: int = 0


def facts_of(report: EntityReport | None) -> ReportFacts:
    """The facts of an aggregate; None (no row yet for the entity) is an unstarted entity."""
    if report is None:
        return ReportFacts()
    return ReportFacts(
        answer=report.answer,
        record_count=report.record_count,
        units_with_records=len(report.units_with_records),
        finalized=report.is_finalized,
        signed_uploaded=report.current_signed_report is not None,
        returned=report.returned is not None and not report.is_finalized,
        accepted=report.is_accepted,
    )


def report_state(facts: ReportFacts) -> ReportState:
    if facts.finalized:
        return ReportState.SIGNED_UPLOADED if facts.signed_uploaded else ReportState.FINAL
    if facts.answer is None:
        return ReportState.NOT_STARTED
    if facts.answer is Answer.YES and facts.record_count == 0:
        return ReportState.PRELIMINARY
    return ReportState.TO_FINALIZE


def status_light(facts: ReportFacts) -> StatusLight:
    return StatusLight.FINALIZED if facts.finalized else StatusLight.NOT_FINALIZED


def dashboard_labels(facts_or_state: ReportFacts | ReportState) -> DashboardLabels:
    state = (facts_or_state if isinstance(facts_or_state, ReportState)
             else report_state(facts_or_state))
    if not state.is_finalized:
        return DashboardLabels(PRELIMINARY_LABEL, FINALIZE_LABEL, None)
    upload = VIEW_OR_REPLACE_LABEL if state is ReportState.SIGNED_UPLOADED else UPLOAD_LABEL
    return DashboardLabels(NOT_AVAILABLE_LABEL, FINAL_VERSION_LABEL, upload)


def dashboard_row(number: int, entity_code: str, entity_name: str, total_units: int,
                  facts: ReportFacts) -> DashboardRow:
    """One row of the tablero: Unidades Médicas Total / Con / Sin, the Reporte columns, light."""
    state = report_state(facts)
    return DashboardRow(
        number=number, entity_code=entity_code, entity_name=entity_name,
        total_units=total_units, units_with_records=facts.units_with_records,
        units_without_records=max(total_units - facts.units_with_records, 0),
        state=state, labels=dashboard_labels(state), status_light=status_light(facts),
        review=facts.review)


def dashboard_totals(rows: Iterable[DashboardRow]) -> DashboardTotals:
    rows = list(rows)
    return DashboardTotals(
        entities=len(rows),
        total_units=sum(r.total_units for r in rows),
        units_with_records=sum(r.units_with_records for r in rows),
        units_without_records=sum(r.units_without_records for r in rows),
        finalized=sum(r.state.is_finalized for r in rows),
        signed_uploaded=sum(r.state is ReportState.SIGNED_UPLOADED for r in rows),
        accepted=sum(r.review is ReviewStatus.ACCEPTED for r in rows),
        returned=sum(r.review is ReviewStatus.RETURNED for r in rows),
    )
