"""Users, their single role and scope, the password policy and the login lockout rule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import attrs

from shared.kernel.errors import DomainError, ValidationError
from shared.kernel.rules import BusinessRule, check_rule
from shared.kernel.scope import Role, Scope

MAX_FAILED_ATTEMPTS = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
# Failures from one client address (any account) before that address waits a window.
ADDRESS_MAX_FAILURES = 30
ADDRESS_WINDOW = timedelta(minutes=15)
# Absolute lifetime of a web session, however active (the default of SESSION_MAX_HOURS).
SESSION_MAX_LIFETIME = timedelta(hours=12)
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class UsernameMustBeValid(BusinessRule):
    message = ("El nombre de usuario debe tener de 3 a 64 caracteres: letras minúsculas, "
               "dígitos, punto, guion o guion bajo.")

    def __init__(self, username: str) -> None:
        self.username = username

    def is_broken(self) -> bool:
        return not USERNAME_RE.match(self.username)


class FullNameRequired(BusinessRule):
    message = "El nombre completo es obligatorio."

    def __init__(self, full_name: str) -> None:
        self.full_name = full_name

    def is_broken(self) -> bool:
        return not self.full_name.strip()


class PasswordMustBeStrong(BusinessRule):
    """At least 10 characters, a letter and a digit, and not the user name.

    The legacy used the director's matrícula (digits only) as password; that is refused.
    """

    def __init__(self, password: str, username: str = "") -> None:
        self.password = password
        self.username = username
        self._problem = self._find_problem()

    def _find_problem(self) -> str | None:
        p = self.password
        if len(p) < PASSWORD_MIN_LENGTH:
            return f"La contraseña debe tener al menos {PASSWORD_MIN_LENGTH} caracteres."
        if len(p) > PASSWORD_MAX_LENGTH:
            return f"La contraseña debe tener como máximo {PASSWORD_MAX_LENGTH} caracteres."
        if not any(c.isalpha() for c in p):
            return "La contraseña debe incluir al menos una letra."
        if not any(c.isdigit() for c in p):
            return "La contraseña debe incluir al menos un dígito."
        if self.username and self.username.lower() in p.lower():
            return "La contraseña no debe contener el nombre de usuario."
        return None

    def is_broken(self) -> bool:
        return self._problem is not None

    def get_message(self) -> str:
        return self._problem or ""


def password_problem(password: str, username: str = "") -> str | None:
    rule = PasswordMustBeStrong(password, username)
    return rule.get_message() if rule.is_broken() else None


@attrs.define
class User:
    id: int | None
    username: str
    full_name: str
    password_hash: str
    role: Role
    scope_ref: str | None = None
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        check_rule(UsernameMustBeValid(self.username))
        check_rule(FullNameRequired(self.full_name))
        try:
            Scope(self.role, self.scope_ref)
        except ValueError as exc:
            raise ValidationError(
                f"El rol {self.role.value} requiere un ámbito (unidad, entidad o institución).",
                log_message=str(exc),
            ) from exc

    @property
    def scope(self) -> Scope:
        return Scope(self.role, self.scope_ref if self.role.scope_kind.value != "global" else None)

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def register_failure(self, now: datetime) -> bool:
        """Count a failed login; returns True when this failure locks the account."""
        if self.locked_until is not None and now >= self.locked_until:
            # the previous lock ran out: the window starts again
            self.failed_attempts = 0
            self.locked_until = None
        self.failed_attempts += 1
        if self.failed_attempts >= MAX_FAILED_ATTEMPTS:
            self.locked_until = now + LOCKOUT_WINDOW
            self.failed_attempts = 0
            return True
        return False

    def register_success(self, now: datetime) -> None:
        self.failed_attempts = 0
        self.locked_until = None
        self.last_login_at = now

    def snapshot(self) -> dict[str, object]:
        """What the audit trail records (never the hash)."""
        return {
            "username": self.username,
            "full_name": self.full_name,
            "role": self.role.value,
            "scope_ref": self.scope_ref,
            "active": self.active,
        }


@attrs.frozen
class DemoUser:
    """A user that a demo loader wants created (printed by ``make run``)."""

    username: str
    full_name: str
    role: Role
    scope_ref: str | None
    password: str
    note: str = ""


class LoginThrottled(DomainError):
    """Too many failed logins from one client address: it waits ``retry_after`` seconds."""

    code = "login_throttled"
    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(f"Demasiados intentos fallidos de inicio de sesión desde esta dirección. "
                         f"Intente de nuevo en {minutes} minuto{'s' if minutes != 1 else ''}.")
        self.retry_after = retry_after


@attrs.define
class AddressThrottle:
    """Failed logins counted per client address in a fixed window (spraying many accounts)."""

    address: str
    failures: int = 0
    window_start: datetime | None = None
    blocked_until: datetime | None = None

    def retry_after(self, now: datetime) -> int:
        """Seconds this address must still wait (0 when it may try)."""
        if self.blocked_until is None or now >= self.blocked_until:
            return 0
        return max(1, int((self.blocked_until - now).total_seconds() + 0.999))

    def register_failure(self, now: datetime, max_failures: int = ADDRESS_MAX_FAILURES) -> bool:
        """Count one failure; True when it blocks the address."""
        if self.window_start is None or now - self.window_start >= ADDRESS_WINDOW:
            self.failures = 0
            self.window_start = now
        self.failures += 1
        if self.failures >= max_failures:
            self.blocked_until = now + ADDRESS_WINDOW
            self.failures = 0
            self.window_start = None
            return True
        return False


@attrs.frozen
class SessionRecord:
    """One live web session of a user (the index that lets sessions be listed and ended).

    ``key`` is the session store's key: a hash of the cookie, never the cookie itself.
    """

    key: str
    user_id: int
    started_at: datetime
    address: str | None = None
    user_agent: str | None = None
