"""Scope predicates and input parsing of the sanece application (pure, hypothesis)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanece.application.access import (
    Actor,
    director_unit,
    parse_unit_ref,
    require_admin,
    require_director,
    require_evaluator,
    require_reviewer,
    require_sanece,
    sees_any_unit,
    sees_unit,
    unit_ref,
)
from sanece.application.inputs import parse_date, parse_months, parse_optional_date, \
    parse_quantity
from shared.kernel.errors import PermissionDenied, ValidationError
from shared.kernel.scope import Role, Scope

ids = st.integers(min_value=1, max_value=10**9)


@given(ids)
def test_unit_refs_round_trip(unit_id):
    assert parse_unit_ref(unit_ref(unit_id)) == unit_id
    assert director_unit(Actor.director("d", unit_id).scope) == unit_id


@given(st.text(max_size=12).filter(lambda t: not t.strip().isdigit()))
def test_anything_else_is_no_unit(ref):
    assert parse_unit_ref(ref) is None


def test_zero_and_non_ascii_digits_are_no_unit():
    assert parse_unit_ref("0") is None and parse_unit_ref("١٢") is None


@given(ids, ids)
def test_a_director_sees_only_their_unit(own, other):
    scope = Actor.director("d", own).scope
    assert sees_unit(scope, own)
    assert sees_unit(scope, other) is (own == other)
    assert sees_any_unit(scope, frozenset({other, own}))
    assert not sees_unit(scope, None)  # requests of no unit are central roles' only


@pytest.mark.parametrize("role", [Role.REVISOR, Role.EVALUADOR, Role.ADMIN])
def test_central_roles_see_every_unit(role):
    assert sees_unit(Scope(role), 12) and sees_any_unit(Scope(role), frozenset())


def test_roles_of_each_action():
    director, revisor = Actor.director("d", 3).scope, Scope(Role.REVISOR)
    evaluador, admin = Scope(Role.EVALUADOR), Scope(Role.ADMIN)
    capturista = Scope(Role.CAPTURISTA, "SS:BC")
    assert require_director(director) == 3
    for scope in (revisor, evaluador, admin):
        with pytest.raises(PermissionDenied, match="director de la unidad"):
            require_director(scope)
    require_reviewer(revisor), require_reviewer(admin)
    require_evaluator(evaluador), require_evaluator(admin)
    require_admin(admin)
    for fn, refused in ((require_reviewer, (director, evaluador)),
                        (require_evaluator, (director, revisor)),
                        (require_admin, (director, revisor, evaluador))):
        for scope in refused:
            with pytest.raises(PermissionDenied):
                fn(scope)
    with pytest.raises(PermissionDenied, match="no tiene acceso al módulo SAnECE"):
        require_sanece(capturista)
    assert not sees_unit(capturista, 3)


@given(st.integers(min_value=1, max_value=99_999))
def test_quantities_of_one_or_more(n):
    assert parse_quantity(n, "5795") == n
    assert parse_quantity(f" {n} ", "5795") == n
    assert parse_quantity(float(n), "5795") == n


@given(st.one_of(st.integers(max_value=0), st.sampled_from(["", "doce", "1.5", "2e3", None,
                                                            True, 1.5])))
def test_other_quantities_are_refused(raw):
    with pytest.raises(ValidationError, match="clave 5795 debe ser un número entero de al menos 1"):
        parse_quantity(raw, "5795")


@given(st.one_of(st.integers(min_value=100_000), st.sampled_from(["2147483648", "3000000000",
                                                                   "999999999999"])))
def test_quantities_above_the_bound_are_refused(raw):
    with pytest.raises(ValidationError, match="clave 5795 no puede ser mayor de 99,999 unidades"):
        parse_quantity(raw, "5795")


@given(st.integers(min_value=-100, max_value=200))
def test_months_from_1_to_60(n):
    if 1 <= n <= 60:
        assert parse_months(str(n)) == n
    else:
        with pytest.raises(ValidationError, match="de 1 a 60 meses"):
            parse_months(n)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_dates_as_the_guides_print_them_or_iso(day):
    assert parse_date(day.strftime("%d/%m/%Y"), "fecha de inicio") == day
    assert parse_date(day.isoformat(), "fecha de inicio") == day
    assert parse_date(day, "fecha de inicio") == day


def test_bad_and_missing_dates():
    with pytest.raises(ValidationError, match="La fecha de fin «31/02/2026» no es una fecha"):
        parse_date("31/02/2026", "fecha de fin")
    with pytest.raises(ValidationError, match="Indica la fecha de fin"):
        parse_date("  ", "fecha de fin")
    assert parse_optional_date("", "fecha final") is None
