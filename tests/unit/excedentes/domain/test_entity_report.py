"""The EntityReport aggregate, rule by rule (the workflow as a whole: test_workflow_stateful)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.domain.errors import CaptureClosed, EntityLocked, GridInvalid
from excedentes.domain.grid import GridRow
from excedentes.domain.model import Answer, EntityReport, content_fingerprint
from excedentes.domain.records import Cause, Modality, Record, RecordKind
from excedentes.domain.rules import (
    AnswerYesRequiresRecords,
    FinalizeRequiresAnswer,
    RecordsRequireAnswerYes,
    ReopenRequiresFinalized,
    ReopenRequiresReason,
    SignedReportRequiresFinalized,
)
from excedentes.domain.signed import SignedReportPolicy, SupersededReason
from shared.kernel.errors import Conflict, DomainError, ValidationError

from .strategies import T0, clock, pdf_file, period, unit_records

U1, U2 = "BCSSA001152", "BCSSA000633"
LOCK_MESSAGE = ("La entidad finalizó el registro el 03/05/2024 12:30; "
                "solicite la apertura a su coordinador.")


def shortage(unit: str = U1, pid: int = 1, modality: Modality = Modality.OUTPATIENT) -> Record:
    return Record(unit, pid, RecordKind.SHORTAGE, modality, 3, 4, Cause.LACK_OF_EQUIPMENT)


def surplus(unit: str = U1, pid: int = 1, modality: Modality = Modality.INPATIENT) -> Record:
    return Record(unit, pid, RecordKind.SURPLUS, modality, 5, 6)


def answered_yes(*records: Record) -> EntityReport:
    report = EntityReport.start("NL", period())
    report.set_answer(Answer.YES, clock())
    for unit in {r.clues for r in records}:
        mine = [r for r in records if r.clues == unit]
        report.save_unit_records(unit, {r.product_id for r in mine}, mine, clock())
    return report


def finalized(*records: Record) -> EntityReport:
    report = answered_yes(*(records or (shortage(),)))
    report.finalize(clock(), "capturista")
    return report


# ------------------------------------------------------------------ Paso 2 answer


@pytest.mark.parametrize("raw, answer", [("SI", Answer.YES), ("sí", Answer.YES),
                                         ("Si", Answer.YES), (True, Answer.YES),
                                         ("NO", Answer.NO), ("no", Answer.NO), (False, Answer.NO)])
def test_answers_parse(raw, answer):
    assert Answer.parse(raw) is answer


def test_a_bad_answer_is_refused():
    with pytest.raises(ValidationError, match="SI o NO"):
        Answer.parse("quizá")


def test_switching_to_no_with_records_names_the_units():
    report = answered_yes(shortage(U1), surplus(U2, pid=2))
    with pytest.raises(Conflict) as err:
        report.set_answer("NO", clock(), unit_names={U1: "3 DE OCTUBRE, PRIMER NIVEL"})
    assert "No es posible responder NO" in err.value.message
    assert "BCSSA000633; BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL" in err.value.message
    assert report.answer is Answer.YES


def test_many_units_are_named_up_to_ten():
    units = [f"BCSSA{n:06d}" for n in range(1, 14)]
    report = answered_yes(*(shortage(u) for u in units))
    with pytest.raises(Conflict, match="y 3 más"):
        report.set_answer(Answer.NO, clock())


def test_switching_to_no_after_clearing_the_units_is_accepted():
    report = answered_yes(shortage(U1))
    saved = report.clear_unit_records(U1, clock())
    assert saved.removed == (shortage(U1),) and report.records == ()
    changed = report.set_answer(Answer.NO, clock())
    assert (changed.before, changed.after) == (Answer.YES, Answer.NO)


# ------------------------------------------------------------------ saving records


def test_records_need_the_answer_si():
    report = EntityReport.start("NL", period())
    with pytest.raises(Conflict) as err:
        report.save_unit_records(U1, {1}, [shortage()], clock())
    assert err.value.message == RecordsRequireAnswerYes.message
    report.set_answer("NO", clock())
    with pytest.raises(Conflict):
        report.save_unit_records(U1, {1}, [shortage()], clock())
    report.save_unit_records(U1, {1}, [], clock())  # clearing is always harmless


def test_a_save_replaces_only_the_products_of_the_grid_shown():
    report = answered_yes(shortage(pid=1), surplus(pid=2), shortage(U2, pid=1))
    saved = report.save_unit_records(U1, {2, 3}, [surplus(pid=3)], clock())
    assert saved.before == (surplus(pid=2),) and saved.after == (surplus(pid=3),)
    assert saved.removed == (surplus(pid=2),) and saved.added == (surplus(pid=3),)
    assert set(report.records) == {shortage(pid=1), surplus(pid=3), shortage(U2, pid=1)}


def test_records_of_another_unit_or_outside_the_grid_are_refused():
    report = answered_yes()
    with pytest.raises(ValidationError, match="no corresponden a la unidad"):
        report.save_unit_records(U1, {1}, [shortage(U2)], clock())
    with pytest.raises(ValidationError, match="no pertenecen a la tabla"):
        report.save_unit_records(U1, {2}, [shortage(pid=1)], clock())


def test_one_record_per_unit_product_and_modality():
    report = answered_yes()
    same_slot = [shortage(pid=1, modality=Modality.INPATIENT),
                 surplus(pid=1, modality=Modality.INPATIENT)]
    with pytest.raises(ValidationError, match="misma modalidad"):
        report.save_unit_records(U1, {1}, same_slot, clock())
    assert report.records == ()


def test_save_grid_validates_every_row_and_stores_nothing_on_error():
    report = answered_yes(surplus(pid=5))
    rows = [GridRow(1, shortage_outpatient="2", cause="Falta de Equipo", monthly_patients="3"),
            GridRow(2, shortage_outpatient="1")]
    with pytest.raises(GridInvalid) as err:
        report.save_grid(U1, rows, clock())
    assert len(err.value.details) == 2
    assert report.records == (surplus(pid=5),)
    saved = report.save_grid(U1, rows[:1] + [GridRow(5)], clock())
    assert saved.removed == (surplus(pid=5),)  # clearing a row deletes its record
    assert [(r.product_id, r.kind) for r in report.records] == [(1, RecordKind.SHORTAGE)]


def test_unit_markers():
    report = answered_yes(shortage(U1))
    assert report.unit_has_records(" bcssa001152") and not report.unit_has_records(U2)
    assert report.records_of(U1) == (shortage(U1),)


# ------------------------------------------------------------------ finalize


def test_finalize_needs_an_answer():
    report = EntityReport.start("NL", period())
    with pytest.raises(Conflict) as err:
        report.finalize(clock(), "capturista")
    assert err.value.message == FinalizeRequiresAnswer.message


def test_finalize_with_si_needs_a_record():
    report = answered_yes()
    with pytest.raises(Conflict) as err:
        report.finalize(clock(), "capturista")
    assert err.value.message == AnswerYesRequiresRecords.message


def test_finalize_with_no():
    report = EntityReport.start("NL", period())
    report.set_answer("NO", clock())
    event = report.finalize(clock(), "capturista")
    assert report.is_finalized and report.finalized_by == "capturista"
    assert event.folio == "IMSS-2024-NL-V1" and event.units_with_records == 0
    assert report.final_fingerprint == event.fingerprint == report.fingerprint()


def test_after_finalize_every_change_is_refused_saying_since_when():
    report = finalized(shortage())
    attempts = [
        lambda: report.set_answer("SI", clock()),
        lambda: report.save_unit_records(U1, {1}, [], clock()),
        lambda: report.save_grid(U1, [GridRow(1, shortage_outpatient="x")], clock()),
        lambda: report.clear_unit_records(U1, clock()),
        lambda: report.finalize(clock(), "capturista"),
    ]
    for attempt in attempts:
        with pytest.raises(EntityLocked) as err:
            attempt()
        assert err.value.message == LOCK_MESSAGE
        assert err.value.status == 409 and "bloqueado" not in err.value.message.lower()
    assert report.records == (shortage(),)


# ------------------------------------------------------------------ capture window


@pytest.mark.parametrize("the_period, expected", [
    (period().closed(clock(T0 - timedelta(days=1))),
     "La captura del periodo 2024 está cerrada desde el 02/05/2024 12:30; solo es posible "
     "consultar los reportes. Solicite la apertura del periodo a su coordinador."),
    (period(is_open=False), "La captura del periodo 2024 está cerrada; solo es posible "
     "consultar los reportes. Solicite la apertura del periodo a su coordinador."),
    (period(window_start=date(2024, 6, 1)),
     "La captura del periodo 2024 inicia el 01/06/2024; por ahora solo es posible consultar "
     "los reportes."),
    (period(window_start=date(2024, 3, 1), window_end=date(2024, 5, 2)),
     "La captura del periodo 2024 terminó el 02/05/2024; solo es posible consultar los "
     "reportes. Solicite la apertura del periodo a su coordinador."),
])
def test_outside_the_window_the_entity_is_read_only(the_period, expected):
    report = EntityReport.start("NL", the_period)
    assert report.lock_reason(clock()) == expected and not report.is_editable(clock())
    for attempt in (lambda: report.set_answer("SI", clock()),
                    lambda: report.save_unit_records(U1, {1}, [], clock()),
                    lambda: report.finalize(clock(), "x")):
        with pytest.raises(CaptureClosed) as err:
            attempt()
        assert err.value.message == expected


def test_window_bounds_are_inclusive_local_dates():
    # 2024-05-04 03:00 UTC is still 03/05/2024 in Mexico City
    late = clock(datetime(2024, 5, 4, 3, 0, tzinfo=timezone.utc))
    report = EntityReport.start("NL", period(window_start=date(2024, 5, 3),
                                             window_end=date(2024, 5, 3)))
    assert report.is_editable(late)
    assert not report.is_editable(clock(datetime(2024, 5, 4, 7, 0, tzinfo=timezone.utc)))


def test_the_lock_of_finalize_is_named_before_the_window():
    report = finalized()
    report.period = report.period.closed(clock())
    assert report.lock_reason(clock()) == LOCK_MESSAGE


# ------------------------------------------------------------------ reopen (apertura)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reopening_needs_a_reason(reason):
    report = finalized()
    with pytest.raises(ValidationError) as err:
        report.reopen(reason, clock(), "coordinador")  # type: ignore[arg-type]
    assert err.value.message == ReopenRequiresReason.message
    assert report.is_finalized


def test_reopening_needs_a_finalized_entity():
    with pytest.raises(Conflict) as err:
        answered_yes().reopen("motivo", clock(), "coordinador")
    assert err.value.message == ReopenRequiresFinalized.message


def test_reopening_makes_the_entity_editable_and_supersedes_the_signed_report():
    report = finalized()
    report.attach_signed_report(pdf_file(), SignedReportPolicy(), clock(), "capturista")
    event = report.reopen("  Faltó una unidad  ", clock(), "coordinador")
    assert event.reason == "Faltó una unidad" and event.superseded_versions == (1,)
    assert not report.is_finalized and report.is_editable(clock())
    assert report.current_signed_report is None
    assert [s.superseded_reason for s in report.signed_reports] == [SupersededReason.REOPENED]
    report.save_unit_records(U1, {2}, [surplus(pid=2)], clock())
    again = report.finalize(clock(), "capturista")
    assert again.final_version == 2 and again.folio.endswith("-V2")


def test_a_coordinator_may_reopen_outside_the_window():
    report = finalized()
    report.period = report.period.closed(clock())
    report.reopen("Prórroga autorizada", clock(), "coordinador")
    assert report.lock_reason(clock()).startswith("La captura del periodo 2024 está cerrada")


# ------------------------------------------------------------------ signed report


def test_the_signed_report_comes_after_finalize():
    report = answered_yes(shortage())
    with pytest.raises(Conflict) as err:
        report.attach_signed_report(pdf_file(), SignedReportPolicy(), clock(), "c")
    assert err.value.message == SignedReportRequiresFinalized.message
    with pytest.raises(Conflict):
        report.ensure_can_upload_signed(clock())


def test_replacing_the_signed_report_keeps_earlier_versions():
    report = finalized()
    policy = SignedReportPolicy()
    first = report.attach_signed_report(pdf_file(key="a"), policy, clock(), "c")
    second = report.attach_signed_report(pdf_file(key="b"), policy, clock(), "c")
    assert (first.replaced_version, second.replaced_version) == (None, 1)
    assert [(s.version, s.storage_key, s.superseded) for s in report.signed_reports] == [
        (1, "a", True), (2, "b", False)]
    assert report.signed_reports[0].superseded_reason is SupersededReason.REPLACED
    assert report.current_signed_report.final_version == 1


def test_the_signed_report_is_refused_outside_the_window():
    report = finalized()
    report.period = report.period.closed(clock())
    with pytest.raises(CaptureClosed):
        report.attach_signed_report(pdf_file(), SignedReportPolicy(), clock(), "c")


# ------------------------------------------------------------------ loading re-checks


def test_loading_refuses_inconsistent_rows():
    with pytest.raises(Conflict):
        EntityReport("NL", period(), answer=Answer.NO, records=(shortage(),))
    with pytest.raises(ValidationError):
        EntityReport("NL", period(), answer=Answer.YES, records=(shortage(), surplus(
            modality=Modality.OUTPATIENT)))
    with pytest.raises(Conflict):
        EntityReport("NL", period(), answer=Answer.YES, finalized_at=T0, final_version=1)
    report = finalized()
    report.attach_signed_report(pdf_file(), SignedReportPolicy(), clock(), "c")
    with pytest.raises(ValueError):
        EntityReport("NL", period(), answer=Answer.YES, records=report.records,
                     signed_reports=report.signed_reports)  # current signed, not finalized


def test_round_trip_through_plain_fields():
    report = finalized(shortage(), surplus(U2))
    report.attach_signed_report(pdf_file(), SignedReportPolicy(), clock(), "c")
    fields = {a.name: getattr(report, a.name) for a in EntityReport.__attrs_attrs__}
    assert EntityReport(**fields) == report


# ------------------------------------------------------------------ fingerprint


@settings(max_examples=60, deadline=None)
@given(unit_records(unit=U1, max_products=5).filter(bool), st.randoms())
def test_the_fingerprint_ignores_order_and_sees_every_change(records, rnd):
    shuffled = list(records)
    rnd.shuffle(shuffled)
    fp = content_fingerprint("IMSS", 2024, "NL", Answer.YES, records)
    assert fp == content_fingerprint("IMSS", 2024, "NL", Answer.YES, shuffled)
    assert len(fp) == 14 and fp.count("-") == 2
    changed = [attrs.evolve(records[0], monthly_patients=records[0].monthly_patients + 1),
               *records[1:]]
    assert fp != content_fingerprint("IMSS", 2024, "NL", Answer.YES, changed)
    assert fp != content_fingerprint("IMSS", 2024, "JAL", Answer.YES, records)


def test_domain_errors_carry_a_stable_code():
    with pytest.raises(DomainError) as err:
        finalized().set_answer("SI", clock())
    assert err.value.code == "finalized_entity_is_locked"


def test_records_stay_in_their_order_when_a_grid_saves_beside_kept_ones():
    """A save merges the unit's new records with those it keeps (other units, other products)
    into the one order ``Record.sort_key`` gives."""
    report = answered_yes(shortage(U2, 5), surplus(U1, 9), shortage(U1, 2), surplus(U2, 1))
    report.save_unit_records(U1, {3, 4, 7}, [surplus(U1, 7), shortage(U1, 3),
                                             shortage(U1, 3, Modality.INPATIENT),
                                             surplus(U1, 4, Modality.OUTPATIENT)], clock())
    assert report.records == tuple(sorted(report.records, key=lambda r: r.sort_key))
    assert len(report.records) == 8
