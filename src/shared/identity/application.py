"""Identity use cases: login with lockout and per-address throttling, password change, the
index of live web sessions (listed, ended by remedies), user administration.

Each use case is one transaction of an ``IdentityUnitOfWork`` and records its audit entry
inside it, so that a state change and its trace are never separated.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Protocol, Sequence

import attrs

from shared.audit.domain import AuditEntry, AuditLog
from shared.identity.domain import (ADDRESS_MAX_FAILURES, MAX_FAILED_ATTEMPTS, SESSION_MAX_LIFETIME,
                                    AddressThrottle, LoginThrottled, PasswordMustBeStrong, SessionRecord, User)
from shared.kernel.clock import Clock
from shared.kernel.errors import AuthenticationFailed, Conflict, NotFound, ValidationError
from shared.kernel.rules import check_rule
from shared.kernel.scope import Role, Scope

LOGIN_FAILED_MESSAGE = (
    "Nombre de usuario o contraseña incorrectos. Después de 5 intentos fallidos la cuenta "
    "se bloquea durante 15 minutos."
)


class UserRepository(Protocol):
    def get(self, user_id: int) -> User | None: ...
    def get_by_username(self, username: str) -> User | None: ...
    def add(self, user: User) -> User: ...
    def update(self, user: User) -> None: ...
    def get_with_session(self, user_id: int, session_key: str) -> User | None: ...
    def list(self, *, role: Role | None = None, active: bool | None = None) -> Sequence[User]: ...


class SessionIndex(Protocol):
    """Which sessions each user has: what lets them be listed and ended on every worker."""

    def add(self, record: SessionRecord) -> None: ...
    def list_for(self, user_id: int) -> list[SessionRecord]: ...
    def delete(self, keys: Sequence[str]) -> None: ...
    def delete_for(self, user_id: int, keep: str | None = None) -> list[str]: ...
    def delete_started_before(self, user_id: int, cutoff: datetime) -> None: ...


class LoginThrottleRepository(Protocol):
    def get(self, address: str) -> AddressThrottle: ...
    def save(self, throttle: AddressThrottle) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class IdentityUnitOfWork(Protocol):
    users: UserRepository
    sessions: SessionIndex
    throttle: LoginThrottleRepository
    audit: AuditLog

    def __enter__(self) -> "IdentityUnitOfWork": ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class ScopeDirectory(Protocol):
    """Implemented by the contexts (bridged in entrypoints): names what a scope points to.

    ``describe`` returns None when the reference does not exist.
    """

    def describe(self, scope: Scope) -> str | None: ...


UowFactory = Callable[[], IdentityUnitOfWork]


@attrs.frozen
class UserView:
    id: int
    username: str
    full_name: str
    role: Role
    scope_ref: str | None
    active: bool
    locked: bool

    @classmethod
    def of(cls, user: User, locked: bool = False) -> "UserView":
        assert user.id is not None
        return cls(user.id, user.username, user.full_name, user.role, user.scope_ref,
                   user.active, locked)


@attrs.define
class IdentityService:
    uow_factory: UowFactory
    hasher: PasswordHasher
    clock: Clock
    scopes: ScopeDirectory | None = None
    _dummy_hash: str | None = None
    # Units of work for look-ups that never write (every request's ``current_user``): on
    # SQLite they do not take the write lock. Defaults to ``uow_factory``.
    read_uow_factory: UowFactory | None = None
    session_max: timedelta = SESSION_MAX_LIFETIME  # absolute lifetime of a web session
    address_max_failures: int = ADDRESS_MAX_FAILURES

    # --- login -----------------------------------------------------------------------
    def authenticate(self, username: str, password: str, *, source: str = "",
                     address: str | None = None) -> UserView:
        """Check a login. Failures count per account (5 lock the account's *new* logins for
        15 minutes; its open sessions keep working) and per client ``address`` (too many
        refuse the address with ``LoginThrottled`` for the window)."""
        username = (username or "").strip().lower()
        now = self.clock.now()
        with self.uow_factory() as uow:
            throttle = uow.throttle.get(address) if address else None
            if throttle is not None and (wait := throttle.retry_after(now)):
                raise LoginThrottled(wait)
            user = uow.users.get_by_username(username) if username else None
            failure: str | None = None
            if user is None:
                # Spend the same time as a real check so that timing does not tell users apart.
                self.hasher.verify(self._dummy(), password or "")
                failure = "unknown user"
            elif not user.active or user.is_locked(now):
                self.hasher.verify(self._dummy(), password or "")
                failure = "inactive" if not user.active else "locked"
            elif not self.hasher.verify(user.password_hash, password or ""):
                failure = "wrong password"
                if user.register_failure(now):
                    uow.audit.record(AuditEntry(
                        now, "system", "identity.account_locked", "user", str(user.id),
                        after={"locked_until": user.locked_until.isoformat() if user.locked_until else None},
                        reason=f"{MAX_FAILED_ATTEMPTS} failed login attempts {source}".strip()))
                uow.users.update(user)
            if failure is not None:
                target = str(user.id) if user is not None else (username or "-")
                uow.audit.record(AuditEntry(now, username or "-", "identity.login_failed", "user", target,
                                            reason=f"{failure} {source}".strip()))
                if throttle is not None and throttle.register_failure(now, self.address_max_failures):
                    uow.audit.record(AuditEntry(
                        now, "system", "identity.address_throttled", "address", throttle.address,
                        after={"blocked_until": throttle.blocked_until.isoformat()
                               if throttle.blocked_until else None},
                        reason=f"{self.address_max_failures} failed login attempts"))
                if throttle is not None:
                    uow.throttle.save(throttle)
                uow.commit()
                raise AuthenticationFailed(LOGIN_FAILED_MESSAGE)
            assert user is not None
            user.register_success(now)
            if self.hasher.needs_rehash(user.password_hash):
                user.password_hash = self.hasher.hash(password)
            uow.users.update(user)
            uow.audit.record(AuditEntry(now, username, "identity.login", "user", str(user.id),
                                        reason=source or None))
            uow.commit()
            return UserView.of(user)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("dummy-password-0")
        return self._dummy_hash

    def record_logout(self, user_id: int, session_key: str | None = None) -> None:
        with self.uow_factory() as uow:
            user = uow.users.get(user_id)
            if session_key:
                uow.sessions.delete([session_key])
            if user is not None:
                uow.audit.record(AuditEntry(self.clock.now(), user.username, "identity.logout",
                                            "user", str(user_id)))
            uow.commit()

    def current_user(self, user_id: int) -> UserView | None:
        """The user behind a session, or None when it was disabled meanwhile."""
        with (self.read_uow_factory or self.uow_factory)() as uow:
            user = uow.users.get(user_id)
            if user is None or not user.active:
                return None
            return UserView.of(user, user.is_locked(self.clock.now()))

    # --- sessions (the index of live web sessions; their data lives in the session store) ---
    def session_user(self, user_id: int, session_key: str) -> UserView | None:
        """The user behind a session while it is still indexed (not ended by a password change,
        an admin action or "Cerrar las demás") and the user is active; None otherwise."""
        with (self.read_uow_factory or self.uow_factory)() as uow:
            user = uow.users.get_with_session(user_id, session_key)
            if user is None or not user.active:
                return None
            return UserView.of(user, user.is_locked(self.clock.now()))

    def register_session(self, user_id: int, session_key: str, *, address: str | None = None,
                         user_agent: str | None = None) -> None:
        now = self.clock.now()
        with self.uow_factory() as uow:
            # sessions past the absolute lifetime are dead in the store already: drop their entries
            uow.sessions.delete_started_before(user_id, now - self.session_max)
            uow.sessions.add(SessionRecord(session_key, user_id, now, (address or "")[:64] or None,
                                           (user_agent or "")[:200] or None))
            uow.commit()

    def list_sessions(self, user_id: int) -> list[SessionRecord]:
        cutoff = self.clock.now() - self.session_max
        with (self.read_uow_factory or self.uow_factory)() as uow:
            return [r for r in uow.sessions.list_for(user_id) if r.started_at >= cutoff]

    def forget_sessions(self, keys: Sequence[str]) -> None:
        """Drop index entries whose session is gone from the store (logout, expiry)."""
        if not keys:
            return
        with self.uow_factory() as uow:
            uow.sessions.delete(keys)
            uow.commit()

    def end_other_sessions(self, user_id: int, keep: str) -> list[str]:
        """"Cerrar las demás": every session of the user but ``keep`` ends; returns their keys."""
        with self.uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise NotFound("El usuario no existe.")
            ended = uow.sessions.delete_for(user_id, keep=keep)
            uow.audit.record(AuditEntry(self.clock.now(), user.username, "identity.sessions_ended", "user",
                                        str(user_id), after={"ended": len(ended)},
                                        reason="closed by the user"))
            uow.commit()
            return ended

    def describe_scope(self, view: UserView) -> str | None:
        if self.scopes is None or view.role.scope_kind.value == "global":
            return None
        return self.scopes.describe(Scope(view.role, view.scope_ref))

    # --- passwords ---------------------------------------------------------------------
    def change_password(self, user_id: int, current: str, new: str, confirm: str,
                        keep_session: str | None = None) -> list[str]:
        """Change the password; every other session of the user ends (``keep_session``, the
        one making the change, continues). Returns the keys of the ended sessions."""
        with self.uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None or not user.active:
                raise NotFound("El usuario no existe.")
            if not self.hasher.verify(user.password_hash, current or ""):
                raise ValidationError("La contraseña actual no es correcta.")
            if new != confirm:
                raise ValidationError("La nueva contraseña y su confirmación no coinciden.")
            if new == current:
                raise ValidationError("La nueva contraseña debe ser distinta de la actual.")
            check_rule(PasswordMustBeStrong(new, user.username))
            user.password_hash = self.hasher.hash(new)
            uow.users.update(user)
            ended = uow.sessions.delete_for(user.id, keep=keep_session)  # type: ignore[arg-type]
            uow.audit.record(AuditEntry(self.clock.now(), user.username, "identity.password_changed",
                                        "user", str(user.id), after={"sessions_ended": len(ended)}))
            uow.commit()
            return ended

    def verify_password(self, user_id: int, password: str) -> bool:
        """Re-authentication for sensitive steps (e.g. finalizing an entity)."""
        with self.uow_factory() as uow:
            user = uow.users.get(user_id)
            return bool(user and user.active and self.hasher.verify(user.password_hash, password or ""))

    # --- administration ----------------------------------------------------------------
    def create_user(self, actor: str, username: str, full_name: str, role: Role,
                    scope_ref: str | None, password: str) -> UserView:
        username = username.strip().lower()
        check_rule(PasswordMustBeStrong(password, username))
        scope_ref = self._checked_scope(role, scope_ref)
        with self.uow_factory() as uow:
            if uow.users.get_by_username(username) is not None:
                raise Conflict(f"El usuario «{username}» ya existe.")
            user = User(None, username, full_name.strip(), self.hasher.hash(password), role,
                        scope_ref, created_at=self.clock.now())
            user = uow.users.add(user)
            uow.audit.record(AuditEntry(self.clock.now(), actor, "identity.user_created", "user",
                                        str(user.id), after=user.snapshot()))
            uow.commit()
            return UserView.of(user)

    def list_users(self, role: Role | None = None, active: bool | None = None) -> list[UserView]:
        now = self.clock.now()
        with self.uow_factory() as uow:
            return [UserView.of(u, u.is_locked(now)) for u in uow.users.list(role=role, active=active)]

    def set_active(self, actor: str, username: str, active: bool, reason: str | None = None) -> UserView:
        return self._change(actor, username, "identity.user_enabled" if active else "identity.user_disabled",
                            lambda u: setattr(u, "active", active), reason, end_sessions=not active)

    def unlock(self, actor: str, username: str) -> UserView:
        """Lift a login lockout now (the account's failed-attempt count starts again)."""
        def apply(u: User) -> None:
            u.failed_attempts = 0
            u.locked_until = None
        return self._change(actor, username, "identity.account_unlocked", apply, None, end_sessions=False)

    def reset_password(self, actor: str, username: str, new_password: str) -> UserView:
        def apply(u: User) -> None:
            check_rule(PasswordMustBeStrong(new_password, u.username))
            u.password_hash = self.hasher.hash(new_password)
            u.failed_attempts = 0
            u.locked_until = None
        return self._change(actor, username, "identity.password_reset", apply, None, end_sessions=True)

    def grant(self, actor: str, username: str, role: Role, scope_ref: str | None) -> UserView:
        scope_ref = self._checked_scope(role, scope_ref)

        def apply(u: User) -> None:
            u.role = role
            u.scope_ref = scope_ref
            u.__attrs_post_init__()  # re-check the role/scope pair
        return self._change(actor, username, "identity.role_granted", apply, None, end_sessions=True)

    def _change(self, actor: str, username: str, action: str, apply: Callable[[User], None],
                reason: str | None, *, end_sessions: bool) -> UserView:
        username = username.strip().lower()
        with self.uow_factory() as uow:
            user = uow.users.get_by_username(username)
            if user is None:
                raise NotFound(f"El usuario «{username}» no existe.")
            before = user.snapshot()
            locked_before = user.is_locked(self.clock.now())
            apply(user)
            uow.users.update(user)
            after = user.snapshot()
            if end_sessions:
                # the remedy must reach sessions already open, on every worker
                after["sessions_ended"] = len(uow.sessions.delete_for(user.id))  # type: ignore[arg-type]
            before["locked"] = locked_before
            after["locked"] = user.is_locked(self.clock.now())
            uow.audit.record(AuditEntry(self.clock.now(), actor, action, "user", str(user.id),
                                        before=before, after=after, reason=reason))
            uow.commit()
            return UserView.of(user, user.is_locked(self.clock.now()))

    def _checked_scope(self, role: Role, scope_ref: str | None) -> str | None:
        if role.scope_kind.value == "global":
            return None
        if not scope_ref:
            raise ValidationError(f"El rol {role.value} requiere un ámbito (--scope).")
        if self.scopes is not None and self.scopes.describe(Scope(role, scope_ref)) is None:
            raise ValidationError(f"El ámbito «{scope_ref}» no existe para el rol {role.value}.")
        return scope_ref


