"""Folio evaluation (S14) and the validity of a folio."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.errors import Conflict, ValidationError

from sanece.domain.model import Folio
from sanece.domain.values import DrugQuantity, EvaluationStatus, Validity, add_months

from .factories import CERTOLIZUMAB, TRASTUZUMAB, dates, pending_folio, validated_folio


def folio_on(day: date, seq: int = 1) -> Folio:
    return pending_folio(f"{day:%Y%m%d}{seq:03d}")


@given(dates, st.integers(1, 60), st.integers(-400, 2000))
def test_validated_folio_expires_after_its_period(day: date, months: int, offset: int) -> None:
    f = folio_on(day)
    f.register_validated(medicine=CERTOLIZUMAB, period_months=months,
                         key1=DrugQuantity("5795", 2), requirement="Dosis 400 mg al mes",
                         today=day)
    assert f.status is EvaluationStatus.VALIDATED
    assert f.period_months == months
    assert f.expiry_date == add_months(day, months)
    today = day + timedelta(days=offset)
    assert f.is_in_force(today) == (today <= f.expiry_date)
    assert f.validity(today) is (Validity.IN_FORCE if today <= f.expiry_date else Validity.EXPIRED)
    assert f.version == 1
    assert not f.extended


@given(dates, st.integers(1, 60), st.integers(1, 5 * 366))
def test_an_extension_is_visible_as_such(day: date, months: int, days_more: int) -> None:
    f = folio_on(day)
    f.register_validated(medicine=CERTOLIZUMAB, period_months=months,
                         key1=DrugQuantity("5795", 2), requirement="Dosis 400 mg al mes",
                         today=day)
    f.extend(add_months(day, months) + timedelta(days=days_more))
    assert f.extended and f.period_months == months  # the evaluated period is kept


def test_given_expiry_date_is_used() -> None:
    f = pending_folio()
    f.register_validated(medicine=CERTOLIZUMAB, period_months=3, key1=DrugQuantity("5795", 1),
                         key2=DrugQuantity("5796", 2), requirement="x",
                         expiry_date=date(2025, 7, 1), today=f.evaluation_date)
    assert f.expiry_date == date(2025, 7, 1)
    assert f.keys_label == "5795 (1), 5796 (2)"


def test_expiry_must_follow_evaluation_date() -> None:
    f = pending_folio()
    with pytest.raises(ValidationError, match="posterior a la fecha de evaluación"):
        f.register_validated(medicine=CERTOLIZUMAB, period_months=3,
                             key1=DrugQuantity("5795", 1), requirement="x",
                             expiry_date=f.evaluation_date, today=f.evaluation_date)
    assert f.status is EvaluationStatus.PENDING


@given(st.integers(-3, 70))
def test_period_between_1_and_60_months(months: int) -> None:
    f = pending_folio()
    if 1 <= months <= 60:
        f.register_validated(medicine=CERTOLIZUMAB, period_months=months,
                             key1=DrugQuantity("5795", 1), requirement="x", today=f.evaluation_date)
    else:
        before = attrs.evolve(f)
        with pytest.raises(ValidationError, match="periodo"):
            f.register_validated(medicine=CERTOLIZUMAB, period_months=months,
                                 key1=DrugQuantity("5795", 1), requirement="x", today=f.evaluation_date)
        assert f == before


def test_keys_must_be_the_medicines_and_distinct() -> None:
    f = pending_folio()
    with pytest.raises(ValidationError, match="no corresponde al genérico CERTOLIZUMAB"):
        f.register_validated(medicine=CERTOLIZUMAB, period_months=3,
                             key1=DrugQuantity("5434", 1), requirement="x", today=f.evaluation_date)
    with pytest.raises(ValidationError, match="distinta de la clave 1"):
        f.register_validated(medicine=CERTOLIZUMAB, period_months=3,
                             key1=DrugQuantity("5795", 1), key2=DrugQuantity("5795", 1),
                             requirement="x", today=f.evaluation_date)
    with pytest.raises(ValueError):
        f.register_validated(medicine=TRASTUZUMAB, period_months=3,
                             key1=DrugQuantity("5434", 1), requirement="x", today=f.evaluation_date)


def test_requirement_required() -> None:
    with pytest.raises(ValidationError, match="requerimiento es obligatorio"):
        pending_folio().register_validated(medicine=CERTOLIZUMAB, period_months=3,
                                           key1=DrugQuantity("5795", 1), requirement="  ",
                                           today=date(2025, 4, 14))


def test_not_validated_needs_observations() -> None:
    f = pending_folio()
    with pytest.raises(ValidationError, match="observaciones son obligatorias"):
        f.register_not_validated(observations=" ")
    f.register_not_validated(observations="  Falta resumen clínico ")
    assert f.status is EvaluationStatus.NOT_VALIDATED
    assert f.observations == "Falta resumen clínico"
    assert f.validity(date(2025, 5, 1)) is Validity.NOT_APPLICABLE
    assert not f.is_in_force(date(2025, 5, 1))


@pytest.mark.parametrize("make", [
    lambda: validated_folio(),
    lambda: _not_validated(),
])
def test_evaluation_only_from_pending(make) -> None:  # type: ignore[no-untyped-def]
    f = make()
    before = attrs.evolve(f)
    with pytest.raises(Conflict, match="Solo se puede registrar la evaluación de un folio Pendiente"):
        f.register_not_validated(observations="x")
    with pytest.raises(Conflict):
        f.register_validated(medicine=CERTOLIZUMAB, period_months=3,
                             key1=DrugQuantity("5795", 1), requirement="x", today=f.evaluation_date)
    assert f == before


def _not_validated() -> Folio:
    f = pending_folio()
    f.register_not_validated(observations="x")
    return f


def test_constructor_refuses_inconsistent_states() -> None:
    base = dict(number="20250414214", medicine_id=1, evaluation_date=date(2025, 4, 14),
                unit_id=1, patient_id=1)
    with pytest.raises(ValidationError, match="Validada debe tener"):
        Folio(**base, status="validated")
    with pytest.raises(ValidationError, match="fecha de baja"):
        Folio(**base, status=EvaluationStatus.CANCELLED)
    with pytest.raises(ValidationError, match="clave 2 sin la clave 1"):
        Folio(**base, key2=DrugQuantity("5795", 1))
    with pytest.raises(ValidationError, match="11 dígitos"):
        Folio(**{**base, "number": "2025041421"})
    f = Folio(**base, status="validated", period_months=6, expiry_date=date(2025, 10, 14),
              key1=DrugQuantity("5795", 1), requirement="x")
    assert f.status is EvaluationStatus.VALIDATED
    assert f.number_date == date(2025, 4, 14)


def test_cancelled_folio_is_not_in_force() -> None:
    f = validated_folio()
    f.cancel(date(2025, 5, 1))
    assert f.status is EvaluationStatus.CANCELLED
    assert not f.is_in_force(date(2025, 5, 1))
    assert f.validity(date(2025, 5, 1)) is Validity.NOT_APPLICABLE
