"""Registering an evaluation (S14) on the fake unit of work: Validada and No Validada, audited;
the period an old Pendiente folio needs; a second evaluador on a stale page is told who won;
every refusal leaves the store as it was. Also the fake's own compare-and-set contract, which
the use case relies on for the race it cannot see."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sanece.application.access import Actor
from sanece.application.concurrency import StaleVersion
from sanece.application.use_cases.evaluation import EvaluationCommand, RegisterEvaluation
from sanece.domain.values import EvaluationStatus
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .fakes import (
    ADMIN,
    DIRECTOR_A,
    EVALUADOR,
    EXCEDENTES,
    F_OLD,
    F_PENDING,
    F_VALID,
    TODAY,
    World,
    small_world,
)


def validate(number=F_PENDING, months=6, key1="5795", quantity1=2, **kw) -> EvaluationCommand:
    return EvaluationCommand(number, "validated", months, key1, quantity1,
                             requirement="Dosis 400 mg al mes.", **kw)


def evaluate(world: World, clock, cmd: EvaluationCommand, actor=EVALUADOR):
    return RegisterEvaluation(world.uow, clock)(actor, cmd)


def test_validada_sets_the_period_and_expiry_and_is_audited(world, clock):
    result = evaluate(world, clock, validate(key2="5796", quantity2=1, expected_version=0))
    assert (result.status, result.expiry_date) == (EvaluationStatus.VALIDATED, date(2026, 9, 1))
    folio = world.state.folios[F_PENDING]
    assert (folio.period_months, folio.key1.key, folio.key2.key, folio.version) == (
        6, "5795", "5796", 1)
    assert (folio.changed_by, folio.changed_at) == (EVALUADOR.username, clock.now())
    (entry,) = world.store.audit
    assert (entry.action, entry.target_type, entry.target_id) == (
        "sanece.folio_evaluated", "sanece_folio", F_PENDING)
    assert entry.before == {"status": "pending"}
    assert entry.after["status"] == "validated" and entry.after["expiry_date"] == "01/09/2026"


def test_no_validada_keeps_the_observations(world, clock):
    cmd = EvaluationCommand(F_PENDING, "not_validated", observations="Falta la receta.")
    assert evaluate(world, clock, cmd, actor=ADMIN).status is EvaluationStatus.NOT_VALIDATED
    folio = world.state.folios[F_PENDING]
    assert (folio.status, folio.observations, folio.expiry_date) == (
        EvaluationStatus.NOT_VALIDATED, "Falta la receta.", None)
    assert world.store.actions() == ["sanece.folio_evaluated"]


@pytest.mark.parametrize("case, cmd, error, actor", [
    ("not Pendiente", validate(F_VALID), Conflict, EVALUADOR),
    ("a director evaluates", validate(), PermissionDenied, DIRECTOR_A),
    ("an excedentes role", validate(), PermissionDenied, EXCEDENTES),
    ("no clave 1", validate(key1=""), ValidationError, EVALUADOR),
    ("a clave of another genérico", validate(key1="5434"), ValidationError, EVALUADOR),
    ("quantity 0", validate(quantity1=0), ValidationError, EVALUADOR),
    ("no observations for No Validada",
     EvaluationCommand(F_PENDING, "not_validated", observations=" "), ValidationError,
     EVALUADOR),
    ("no status", EvaluationCommand(F_PENDING, "pending"), ValidationError, EVALUADOR),
    ("a missing folio", validate("20260301999"), NotFound, EVALUADOR),
])
def test_refused_evaluations_change_nothing(world, clock, case, cmd, error, actor):
    before = world.store.snapshot()
    with pytest.raises(error):
        evaluate(world, clock, cmd, actor=actor)
    assert world.state == before and world.store.commits == 0


def test_the_second_evaluador_on_the_same_page_is_told_who_won(world, clock):
    evaluate(world, clock, validate(expected_version=0), actor=Actor.evaluador("evaluador.uno"))
    before = world.store.snapshot()
    late = EvaluationCommand(F_PENDING, "not_validated", observations="No procede.",
                             expected_version=0)
    with pytest.raises(StaleVersion) as stale:
        evaluate(world, clock, late, actor=Actor.evaluador("evaluador.dos"))
    assert (stale.value.version, stale.value.changed_by, stale.value.changed_at) == (
        1, "evaluador.uno", clock.now())
    assert stale.value.current["status"] == "validated"
    assert world.state == before


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # the clock stays put
@given(months=st.integers(min_value=-3, max_value=70))
@example(months=14)  # 2026-03-01: before today
@example(months=15)  # 2026-04-01: the shortest period in force
@example(months=60)
@example(months=61)
def test_an_old_pendiente_folio_needs_a_period_that_reaches_today(clock, months):
    """F_OLD was evaluated on 2025-01-01: Validada with ``months`` works exactly when the
    period is 1–60 and 2025-01-01 plus it is today or later; the expiry is that date."""
    world = small_world()
    before = world.store.snapshot()
    expiry = date(2025 + months // 12, months % 12 + 1, 1) if months >= 0 else None
    if 1 <= months <= 60 and expiry >= TODAY:
        assert evaluate(world, clock, validate(F_OLD, months)).expiry_date == expiry
        assert world.state.folios[F_OLD].expiry_date == expiry
    else:
        with pytest.raises(ValidationError):
            evaluate(world, clock, validate(F_OLD, months))
        assert world.state == before


def test_the_fake_folio_write_is_compare_and_set(world):
    """Two transactions load the same folio; the second write finds it moved on."""
    first, second = world.uow(), world.uow()
    a, b = first.folios.get(F_PENDING), second.folios.get(F_PENDING)
    a.register_not_validated(observations="Primero.")
    first.folios.update(a)
    first.commit()
    b.register_not_validated(observations="Segundo.")
    with pytest.raises(Conflict):
        second.folios.update(b)
    assert world.state.folios[F_PENDING].observations == "Primero."
    with pytest.raises(Conflict):  # holding a version that is no longer current
        world.uow().folios.hold(F_PENDING, 0)


def test_the_fake_lets_a_transaction_write_its_own_change_again(world, clock):
    uow = world.uow()
    folio = uow.folios.get(F_VALID)
    folio.extend(date(2026, 11, 15))
    uow.folios.update(folio)
    folio.extend(date(2026, 12, 15))
    uow.folios.update(folio)  # loaded at 2, written at 3: still this transaction's
    assert world.state.folios[F_VALID].version == 1  # nothing committed yet
    uow.commit()
    assert world.state.folios[F_VALID].expiry_date == date(2026, 12, 15)
