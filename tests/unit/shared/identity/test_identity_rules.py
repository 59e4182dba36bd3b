from __future__ import annotations

import string
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.identity.domain import (
    LOCKOUT_WINDOW,
    MAX_FAILED_ATTEMPTS,
    PASSWORD_MIN_LENGTH,
    User,
    password_problem,
)
from shared.kernel.errors import ValidationError
from shared.kernel.scope import Role, Scope

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@given(st.text(alphabet=string.ascii_letters + string.digits + "-_.!", min_size=0, max_size=40))
def test_password_policy_matches_its_definition(pw):
    ok = (len(pw) >= PASSWORD_MIN_LENGTH and any(c.isalpha() for c in pw)
          and any(c.isdigit() for c in pw) and "maria" not in pw.lower())
    assert (password_problem(pw, "maria") is None) == ok


@given(st.text(alphabet=string.digits, min_size=1, max_size=30))
def test_digits_only_passwords_are_refused(pw):
    # the legacy used the matrícula (digits) as the password
    assert password_problem(pw) is not None


def _user() -> User:
    return User(1, "ana", "Ana", "hash", Role.ADMIN)


@given(st.lists(st.integers(min_value=0, max_value=3600), min_size=1, max_size=12))
@settings(max_examples=200)
def test_lockout_after_five_failures_and_only_for_the_window(gaps):
    user = _user()
    now = T0
    failures = 0
    for gap in gaps:
        now = now + timedelta(seconds=gap)
        if user.is_locked(now):
            continue
        if user.locked_until is not None and now >= user.locked_until:
            failures = 0
        locked = user.register_failure(now)
        failures += 1
        assert locked == (failures == MAX_FAILED_ATTEMPTS)
        if locked:
            assert user.is_locked(now)
            assert user.is_locked(now + LOCKOUT_WINDOW - timedelta(seconds=1))
            assert not user.is_locked(now + LOCKOUT_WINDOW)
            failures = 0


def test_success_resets_the_counter():
    user = _user()
    for _ in range(4):
        user.register_failure(T0)
    user.register_success(T0)
    assert not user.register_failure(T0)
    assert user.failed_attempts == 1


@pytest.mark.parametrize("username", ["", "ab", "Ana", "ana maria", "a/b", "x" * 65])
def test_bad_usernames_are_refused(username):
    with pytest.raises(ValidationError):
        User(None, username, "Nombre", "h", Role.ADMIN)


def test_scoped_roles_need_a_reference():
    with pytest.raises(ValidationError):
        User(None, "dir", "Director", "h", Role.DIRECTOR)
    assert User(None, "dir", "Director", "h", Role.DIRECTOR, "U1").scope == Scope(Role.DIRECTOR, "U1")
    # global roles ignore any reference
    assert User(None, "adm", "Admin", "h", Role.ADMIN, "X").scope.ref is None
