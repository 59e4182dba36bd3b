"""The tablero's state, labels and status light, derived from the facts of the aggregate."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.domain.dashboard import (
    DashboardLabels,
    ReportFacts,
    ReportState,
    StatusLight,
    dashboard_labels,
    dashboard_row,
    dashboard_totals,
    facts_of,
    report_state,
    status_light,
)
from excedentes.domain.model import Answer, EntityReport

from .strategies import clock, period


@st.composite
def facts(draw: st.DrawFn) -> ReportFacts:
    """Facts an aggregate can have (records only with SI; finalize needs a consistent answer)."""
    answer = draw(st.sampled_from([None, Answer.YES, Answer.NO]))
    count = draw(st.integers(0, 500)) if answer is Answer.YES else 0
    units = draw(st.integers(1, count)) if count else 0
    can_finalize = answer is Answer.NO or count > 0
    finalized = can_finalize and draw(st.booleans())
    return ReportFacts(answer, count, units, finalized, finalized and draw(st.booleans()))


def test_the_five_states_and_their_labels():
    cases = [
        (ReportFacts(), ReportState.NOT_STARTED, ("Preliminar", "Finalizar Reporte", None)),
        (ReportFacts(Answer.YES), ReportState.PRELIMINARY,
         ("Preliminar", "Finalizar Reporte", None)),
        (ReportFacts(Answer.YES, 3, 1), ReportState.TO_FINALIZE,
         ("Preliminar", "Finalizar Reporte", None)),
        (ReportFacts(Answer.NO), ReportState.TO_FINALIZE,
         ("Preliminar", "Finalizar Reporte", None)),
        (ReportFacts(Answer.NO, finalized=True), ReportState.FINAL,
         ("—", "Versión Final", "Subir")),
        (ReportFacts(Answer.YES, 3, 1, True, True), ReportState.SIGNED_UPLOADED,
         ("—", "Versión Final", "Consultar/Modificar")),
    ]
    for f, state, labels in cases:
        assert report_state(f) is state
        assert dashboard_labels(f) == DashboardLabels(*labels) == dashboard_labels(state)


@settings(max_examples=200, deadline=None)
@given(facts())
def test_labels_and_light_follow_finalization(f):
    labels, light, state = dashboard_labels(f), status_light(f), report_state(f)
    assert (light is StatusLight.FINALIZED) == f.finalized == state.is_finalized
    assert (labels.preliminary == "—") == f.finalized
    assert (labels.upload is not None) == f.finalized
    assert (labels.upload == "Consultar/Modificar") == (f.finalized and f.signed_uploaded)


@settings(max_examples=100, deadline=None)
@given(facts(), st.integers(0, 2000), st.integers(1, 99))
def test_rows_count_units_with_and_without_records(f, extra_units, number):
    total = f.units_with_records + extra_units
    row = dashboard_row(number, "NL", "Nuevo León", total, f)
    assert row.units_with_records + row.units_without_records == total
    assert row.labels == dashboard_labels(f) and row.status_light is status_light(f)


def test_facts_of_an_aggregate_and_of_a_missing_one():
    assert facts_of(None) == ReportFacts()
    report = EntityReport.start("NL", period())
    report.set_answer("NO", clock())
    assert facts_of(report) == ReportFacts(Answer.NO)


def test_totals_and_legend():
    rows = [dashboard_row(1, "A", "A", 10, ReportFacts(Answer.YES, 4, 2, True, True)),
            dashboard_row(2, "B", "B", 5, ReportFacts(Answer.NO, finalized=True)),
            dashboard_row(3, "C", "C", 7, ReportFacts())]
    totals = dashboard_totals(rows)
    assert (totals.entities, totals.total_units, totals.units_with_records,
            totals.units_without_records, totals.finalized, totals.signed_uploaded) == (
        3, 22, 2, 20, 2, 1)
    assert StatusLight.FINALIZED.legend("OOAD/UMAE") == \
        "La OOAD/UMAE ha finalizado el registro de información"
    assert StatusLight.NOT_FINALIZED.legend("Entidad Federativa") == \
        "La Entidad Federativa aún no finaliza el registro de información"
