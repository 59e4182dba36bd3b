"""Optimistic concurrency of SAnECE saves, on both databases: two evaluadores on the same
Pendiente folio (50 concurrent pairs: exactly one wins each, the other is told who evaluated
it and when, and nothing of theirs is written); a director's filing from a page drawn before
the folio or the patient record changed is refused with the current values."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import attrs
import pytest

from sanece.application.access import Actor
from sanece.application.concurrency import StaleVersion
from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.requests import (
    FileExpiryChangeCommand,
    FileMergeCommand,
    FilePatientDataCommand,
    FileRequirementChangeCommand,
)
from sanece.application.use_cases.review import ApproveCommand
from sanece.domain.model import Folio
from sanece.domain.values import EvaluationStatus
from shared.audit.domain import AuditFilter

from ..support import F_PENDING, F_VALID, REVISOR, pdf_upload

PAIRS = 50


def _pending_folios(world, count: int) -> list[str]:
    numbers = [f"20260305{i:03d}" for i in range(1, count + 1)]
    medicine = world.medicines["TRASTUZUMAB EMTANSINA"]
    with world.san.uow() as uow:
        for number in numbers:
            uow.folios.add(Folio(number=number, medicine_id=medicine,
                                 evaluation_date=date(2026, 3, 5), unit_id=world.units["A"],
                                 patient_id=world.patients["P1"], diagnosis="CÁNCER DE MAMA"))
        uow.commit()
    return numbers


def _evaluation(number: str, who: str, version: int) -> EvaluationCommand:
    if who == "evaluador.uno":
        return EvaluationCommand(number, "validated", 6, "5434", 2, requirement="Clave 5434.",
                                 expected_version=version)
    return EvaluationCommand(number, "not_validated", observations="Sin estudios de imagen.",
                             expected_version=version)


def test_two_evaluadores_on_the_same_folio_exactly_one_wins(world, clock, container):
    register = world.san.register_evaluation()
    uno, dos = Actor.evaluador("evaluador.uno"), Actor.evaluador("evaluador.dos")
    numbers = _pending_folios(world, PAIRS)

    def attempt(actor: Actor, number: str, barrier: threading.Barrier):
        barrier.wait(timeout=30)  # both pages were drawn at version 0; both save at once
        try:
            return ("won", register(actor, _evaluation(number, actor.username, 0)))
        except StaleVersion as stale:
            return ("lost", stale)

    winners = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for number in numbers:
            barrier = threading.Barrier(2)
            futures = {a.username: pool.submit(attempt, a, number, barrier) for a in (uno, dos)}
            outcomes = {who: f.result(timeout=60) for who, f in futures.items()}
            won = [who for who, (kind, _) in outcomes.items() if kind == "won"]
            lost = [who for who, (kind, _) in outcomes.items() if kind == "lost"]
            assert len(won) == 1 and len(lost) == 1, outcomes
            stale = outcomes[lost[0]][1]
            # the loser is told who evaluated the folio and when, with its current values
            assert stale.changed_by == won[0] and stale.changed_at == clock.now()
            assert f"fue modificado por {won[0]} el " in stale.message
            assert stale.version == 1
            folio = world.folio(number)
            assert folio.version == 1 and folio.changed_by == won[0]
            expected = (EvaluationStatus.VALIDATED if won[0] == "evaluador.uno"
                        else EvaluationStatus.NOT_VALIDATED)
            assert folio.status is expected
            assert stale.current["status"] == expected.value
            winners[number] = won[0]
    # one audit entry per folio, by its winner: the loser wrote nothing
    entries = container.audit_query().list(AuditFilter(action="sanece.folio_evaluated", limit=1000))
    entries = [e for e in entries if e.entry.target_id in winners]
    assert sorted(e.entry.target_id for e in entries) == sorted(numbers)


def test_a_page_drawn_before_the_evaluation_saves_nothing(world, clock):
    register = world.san.register_evaluation()
    register(Actor.evaluador("evaluador.uno"), _evaluation(F_PENDING, "evaluador.uno", 0))
    clock.advance(timedelta(minutes=5))
    with pytest.raises(StaleVersion) as refused:
        register(Actor.evaluador("evaluador.dos"), _evaluation(F_PENDING, "evaluador.dos", 0))
    assert refused.value.changed_by == "evaluador.uno"
    assert world.folio(F_PENDING).status is EvaluationStatus.VALIDATED
    assert world.folio(F_PENDING).observations == ""  # the loser's text was not written


def test_a_filing_from_a_stale_folio_page_is_refused(world, clock):
    director = world.director_a
    drawn = world.folio(F_VALID).version
    # meanwhile an ampliación of that folio is validated (the folio changes)
    ext = world.san.file_expiry_change()(director, FileExpiryChangeCommand(
        F_VALID, "extension", "Desabasto", "Sin surtimiento.", [pdf_upload("nota.pdf")],
        expected_version=drawn)).ids[0]
    world.san.approve_request()(REVISOR, ApproveCommand(ext, new_expiry=date(2026, 10, 15)))
    with pytest.raises(StaleVersion) as refused:
        world.san.file_requirement_change()(director, FileRequirementChangeCommand(
            F_VALID, "5795", 20, "Clave 5795, 20 ámpulas.", "Ajuste de dosis", "Dosis nueva.",
            [pdf_upload("nota.pdf")], expected_version=drawn))
    stale = refused.value
    assert stale.changed_by == "revisor" and stale.current["expiry_date"] == "15/10/2026"
    before = world.san.queries().requests(director.scope, "requirement_change",
                                          _first_page()).total
    assert before == 0  # nothing was filed
    # the page drawn again carries the current version: filing works
    filed = world.san.file_requirement_change()(director, FileRequirementChangeCommand(
        F_VALID, "5795", 20, "Clave 5795, 20 ámpulas.", "Ajuste de dosis", "Dosis nueva.",
        [pdf_upload("nota.pdf")], expected_version=world.folio(F_VALID).version))
    assert filed.ids


def test_a_filing_from_a_stale_patient_page_is_refused(world):
    director = world.director_a
    p1 = world.patients["P1"]
    drawn = world.patient("P1").version
    first = world.san.file_patient_data_change()(director, FilePatientDataCommand(
        p1, [pdf_upload()], given_names="Paciente Uno", expected_version=drawn)).ids[0]
    world.san.approve_request()(REVISOR, ApproveCommand(first))
    with pytest.raises(StaleVersion) as refused:
        world.san.file_patient_data_change()(director, FilePatientDataCommand(
            p1, [pdf_upload()], maternal_surname="Sanece", expected_version=drawn))
    assert refused.value.current["given_names"] == "PACIENTE UNO"
    assert refused.value.changed_by == "revisor"
    assert world.patient("P1").maternal_surname == "PRUEBA"


def _first_page():
    from shared.kernel.pagination import PageRequest

    return PageRequest(1, 10)


def test_a_merge_from_a_stale_window_is_refused(world):
    director = world.director_a
    m1, m2, m3 = (world.patients[k] for k in ("M1", "M2", "M3"))
    drawn = {pid: world.san.queries().patient(director.scope, pid).version
             for pid in (m1, m2, m3)}
    # meanwhile M2's data is corrected (its record changes)
    fixed = world.san.file_patient_data_change()(director, FilePatientDataCommand(
        m2, [pdf_upload()], maternal_surname="Gomez Ruiz")).ids[0]
    world.san.approve_request()(REVISOR, ApproveCommand(fixed))
    merge = FileMergeCommand("1071533138", {m3: "correct", m2: "merge", m1: "not_applicable"},
                             [pdf_upload()], expected_versions=drawn)
    with pytest.raises(StaleVersion) as refused:
        world.san.file_merge()(director, merge)
    assert refused.value.current["maternal_surname"] == "GOMEZ RUIZ"
    # drawn again, the window files
    now = {pid: world.san.queries().patient(director.scope, pid).version
           for pid in (m1, m2, m3)}
    filed = world.san.file_merge()(director, attrs.evolve(merge, expected_versions=now))
    assert len(filed.ids) == 1
