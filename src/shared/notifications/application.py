"""Notifications: the ports, the projector and the inbox's use cases.

``ProjectNotifications`` reads the audit entries after its cursor (read side, no lock), asks
every registered ``NotificationSource`` what they mean (each context knows its own actions and
who is concerned), and then, in one transaction that holds the cursor, stores one notification
per recipient and draft (idempotent on ``(user, key)``) and advances the cursor. If another
process advanced the cursor meanwhile, the transaction stores nothing (that process did the
work). The time-based kinds (a folio about to expire, a request past its target) come from
each source's ``due`` and are swept at most every ``sweep_every`` by the same projector.

The inbox's use cases see only the caller's own notifications: another user's answers like a
missing one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Iterable, Protocol, Sequence

import attrs

from shared.kernel.clock import Clock
from shared.kernel.errors import NotFound, ValidationError
from shared.notifications.domain import (
    Audience,
    Draft,
    Event,
    Notification,
    Recipient,
    email_text,
)

log = logging.getLogger("sanece.notifications")

NOTIFICATION_NOT_FOUND = "El aviso no existe."
BATCH = 500  # audit entries per projection step
MAX_BATCHES = 20  # per call: a long backlog is caught up by the next calls
INBOX_LIMIT = 200


# --- ports ----------------------------------------------------------------------------------
class NotificationSource(Protocol):
    """A context's reading of its own audit entries and of its own time-based conditions."""

    def drafts_for(self, events: Sequence[Event]) -> Sequence[Draft]: ...

    def due(self, now: datetime) -> Sequence[Draft]: ...


@attrs.frozen
class FeedState:
    """All the badge needs, read in one statement: the user's unread count, whether audit
    entries wait after the cursor, and when the last sweep ran."""

    unread: int
    cursor: int
    last_entry: int
    swept_at: datetime | None

    @property
    def backlog(self) -> bool:
        return self.last_entry > self.cursor


class NotificationRepository(Protocol):
    def state(self, user_id: int) -> FeedState: ...

    def events_after(self, cursor: int, limit: int) -> Sequence[Event]: ...

    def lock_cursor(self) -> tuple[int, datetime | None]:
        """The cursor and last sweep, locked until the transaction ends."""
        ...

    def save_cursor(self, cursor: int, swept_at: datetime | None) -> None: ...

    def recipients(self, audience: Audience) -> Sequence[Recipient]: ...

    def existing(self, keys: Iterable[str]) -> set[tuple[int, str]]:
        """The (user, key) pairs already stored among ``keys`` (one look-up per batch: the
        hourly sweep re-finds the same warnings)."""
        ...

    def add(self, recipient: Recipient, draft: Draft, now: datetime) -> bool:
        """Store ``draft`` for ``recipient`` unless its key is already there; True if new."""
        ...

    def for_user(self, user_id: int, *, unread_only: bool = False,
                 limit: int = INBOX_LIMIT) -> Sequence[Notification]: ...

    def mark_read(self, user_id: int, notification_id: int, now: datetime) -> Notification | None: ...

    def mark_all_read(self, user_id: int, now: datetime) -> int: ...

    def set_email(self, username: str, email: str | None) -> bool: ...

    def user_id_of(self, username: str) -> int | None: ...


class NotificationsUnitOfWork(Protocol):
    notifications: NotificationRepository

    def __enter__(self) -> "NotificationsUnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> NotificationsUnitOfWork: ...


class Mailer(Protocol):
    """Sends one e-mail; the address comes from the recipient's record, never from input."""

    def send(self, to: str, subject: str, body: str) -> None: ...


# --- the projector --------------------------------------------------------------------------
@attrs.define
class ProjectNotifications:
    uow_factory: UnitOfWorkFactory
    read_uow_factory: UnitOfWorkFactory
    sources: Sequence[NotificationSource]
    clock: Clock
    mailer: Mailer | None = None
    base_url: str | None = None
    sweep_every: timedelta = timedelta(hours=1)

    def __call__(self, *, sweep: bool | None = None) -> int:
        """Project the backlog (and sweep when due, or when ``sweep`` says); the number of
        notifications stored."""
        stored = 0
        for _ in range(MAX_BATCHES):
            with self.read_uow_factory() as ruow:
                cursor, swept_at = _peek(ruow)
                events = ruow.notifications.events_after(cursor, BATCH)
            now = self.clock.now()
            do_sweep = sweep if sweep is not None else (
                swept_at is None or now - swept_at >= self.sweep_every)
            drafts = [d for s in self.sources for d in s.drafts_for(events)] if events else []
            if do_sweep:
                drafts += [d for s in self.sources for d in s.due(now)]
            if not events and not do_sweep:
                break
            new_cursor = events[-1].id if events else cursor
            added = self._store(cursor, new_cursor, drafts, now, swept=now if do_sweep else swept_at)
            if added is None:
                break  # another process projected this batch
            stored += len(added)
            self._mail(added)
            sweep = False
            if len(events) < BATCH:
                break
        return stored

    def _store(self, expected: int, cursor: int, drafts: Iterable[Draft], now: datetime,
               swept: datetime | None) -> list[tuple[Recipient, Draft]] | None:
        added: list[tuple[Recipient, Draft]] = []
        with self.uow_factory() as uow:
            repo = uow.notifications
            current, _ = repo.lock_cursor()
            if current != expected:
                return None
            drafts = list(drafts)
            stored = repo.existing({d.key for d in drafts})
            audiences: dict[Audience, Sequence[Recipient]] = {}
            for draft in drafts:
                key = attrs.evolve(draft.audience, exclude=None)
                if key not in audiences:
                    audiences[key] = repo.recipients(key)
                for recipient in audiences[key]:
                    if (recipient.username == draft.audience.exclude
                            or (recipient.user_id, draft.key) in stored):
                        continue
                    if repo.add(recipient, draft, now):
                        stored.add((recipient.user_id, draft.key))
                        added.append((recipient, draft))
            repo.save_cursor(cursor, swept)
            uow.commit()
        return added

    def _mail(self, added: Sequence[tuple[Recipient, Draft]]) -> None:
        if self.mailer is None:
            return
        for recipient, draft in added:
            if not recipient.email:
                continue
            subject, body = email_text(draft.title, draft.link, self.base_url)
            try:
                self.mailer.send(recipient.email, subject, body)
            except Exception:  # noqa: BLE001 - the inbox holds it; mail is a courtesy copy
                log.exception("notification e-mail to user %s failed", recipient.user_id)


def _peek(uow: NotificationsUnitOfWork) -> tuple[int, datetime | None]:
    state = uow.notifications.state(0)
    return state.cursor, state.swept_at


# --- the inbox ------------------------------------------------------------------------------
@attrs.define
class InboxBadge:
    """The header's count: one statement; only when the audit trail moved past the cursor (or
    a sweep is due) does it project first, then count again."""

    read_uow_factory: UnitOfWorkFactory
    project: ProjectNotifications
    clock: Clock

    def __call__(self, user_id: int) -> int:
        with self.read_uow_factory() as uow:
            state = uow.notifications.state(user_id)
        sweep_due = (state.swept_at is None
                     or self.clock.now() - state.swept_at >= self.project.sweep_every)
        if not state.backlog and not sweep_due:
            return state.unread
        try:
            self.project()
        except Exception:  # noqa: BLE001 - a page never fails because of its badge
            log.exception("notification projection failed")
            return state.unread
        with self.read_uow_factory() as uow:
            return uow.notifications.state(user_id).unread


@attrs.define
class ListInbox:
    uow_factory: UnitOfWorkFactory
    project: ProjectNotifications

    def __call__(self, user_id: int, *, unread_only: bool = False) -> Sequence[Notification]:
        self.project()
        with self.uow_factory() as uow:
            return uow.notifications.for_user(user_id, unread_only=unread_only)


@attrs.define
class OperatorInbox:
    """The operator's look at one user's inbox (CLI), by username."""

    uow_factory: UnitOfWorkFactory
    project: ProjectNotifications

    def __call__(self, username: str, *, unread_only: bool = False) -> Sequence[Notification]:
        self.project()
        with self.uow_factory() as uow:
            user_id = uow.notifications.user_id_of(username)
            if user_id is None:
                raise NotFound(f"El usuario {username} no existe.")
            return uow.notifications.for_user(user_id, unread_only=unread_only)


@attrs.define
class MarkRead:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    def __call__(self, user_id: int, notification_id: int) -> Notification:
        with self.uow_factory() as uow:
            found = uow.notifications.mark_read(user_id, int(notification_id), self.clock.now())
            if found is None:
                raise NotFound(NOTIFICATION_NOT_FOUND)
            uow.commit()
            return found


@attrs.define
class MarkAllRead:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    def __call__(self, user_id: int) -> int:
        with self.uow_factory() as uow:
            n = uow.notifications.mark_all_read(user_id, self.clock.now())
            uow.commit()
            return n


def clean_email(value: str | None) -> str | None:
    """An address as the operator typed it, checked only for its shape."""
    text = (value or "").strip()
    if not text:
        return None
    local, at, domain = text.partition("@")
    if (not at or not local or "." not in domain or any(c.isspace() for c in text)
            or len(text) > 254 or "," in text or ";" in text):
        raise ValidationError(f"Correo electrónico no válido: {text}")
    return text


@attrs.define
class SetNotificationEmail:
    """The operator keeps each user's address (CLI); no address ever comes from a form."""

    uow_factory: UnitOfWorkFactory

    def __call__(self, username: str, email: str | None) -> str | None:
        address = clean_email(email)
        with self.uow_factory() as uow:
            if not uow.notifications.set_email(username, address):
                raise NotFound(f"El usuario {username} no existe.")
            uow.commit()
        return address
