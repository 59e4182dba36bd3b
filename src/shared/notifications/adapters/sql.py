"""The inbox, the projector's cursor and each user's e-mail address in SQL.

``notifications`` is unique on ``(user_id, key)``: a draft stored twice (a re-run after a
crash between the insert and the cursor's update cannot happen, since both are one
transaction, but the sweep re-finds the same expiring folio every hour) is kept once. The
cursor is one row (``name = 'audit'``) locked for update while a batch is stored; on SQLite
the unit of work's ``BEGIN IMMEDIATE`` already serializes writers. Same SQL on both databases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from shared.adapters.sql.database import SqlUnitOfWork, UtcDateTime, metadata
from shared.adapters.sql.queries import chunked, request_memo
from shared.audit.adapters.sql import audit_log
from shared.identity.adapters.sql import users
from shared.notifications.application import FeedState
from shared.notifications.domain import Audience, Draft, Event, Notification, Recipient

CURSOR = "audit"

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("key", sa.String(160), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("link", sa.String(300), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
    # the badge: a user's unread ones
    sa.Index("ix_notifications_user_read", "user_id", "read_at"),
    # the projector's look-up of the keys already stored
    sa.Index("ix_notifications_key", "key"),
)

notification_cursor = sa.Table(
    "notification_cursor",
    metadata,
    sa.Column("name", sa.String(16), primary_key=True),
    sa.Column("last_id", sa.Integer, nullable=False),
    sa.Column("swept_at", UtcDateTime, nullable=True),
)

notification_addresses = sa.Table(
    "notification_addresses",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
)

# Every page's badge runs it: built once. Three scalar subqueries, one round trip.
_STATE = sa.select(
    sa.select(sa.func.count()).select_from(notifications)
    .where(notifications.c.user_id == sa.bindparam("user_id"), notifications.c.read_at.is_(None))
    .scalar_subquery().label("unread"),
    sa.select(notification_cursor.c.last_id).where(notification_cursor.c.name == CURSOR)
    .scalar_subquery().label("cursor"),
    sa.select(notification_cursor.c.swept_at).where(notification_cursor.c.name == CURSOR)
    .scalar_subquery().label("swept_at"),
    sa.select(sa.func.max(audit_log.c.id)).scalar_subquery().label("last_entry"),
)


def _notification(r: Any) -> Notification:
    return Notification(r.id, r.user_id, r.kind, r.title, r.link, r.created_at, r.read_at)


class SqlNotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def state(self, user_id: int) -> FeedState:
        # Every page's badge asks: in the request's read session the answer is served again
        # by the process while the data version is unchanged (a notification read, a
        # projection, any audited write is a commit that raises it; see ``request_memo``).
        def load() -> FeedState:
            r = self.session.execute(_STATE, {"user_id": user_id}).one()
            return FeedState(int(r.unread or 0), int(r.cursor or 0), int(r.last_entry or 0),
                             r.swept_at)

        return request_memo(self.session, ("notification_state", int(user_id)), load)

    def events_after(self, cursor: int, limit: int) -> Sequence[Event]:
        q = (sa.select(audit_log.c.id, audit_log.c.at, audit_log.c.actor, audit_log.c.action,
                       audit_log.c.target_type, audit_log.c.target_id, audit_log.c.after,
                       audit_log.c.reason)
             .where(audit_log.c.id > cursor).order_by(audit_log.c.id).limit(limit))
        return [Event(r.id, r.at, r.actor, r.action, r.target_type, r.target_id, r.after,
                      r.reason) for r in self.session.execute(q)]

    def lock_cursor(self) -> tuple[int, datetime | None]:
        q = sa.select(notification_cursor).where(notification_cursor.c.name == CURSOR)
        row = self.session.execute(q.with_for_update()).first()
        if row is None:
            self.session.execute(sa.insert(notification_cursor).values(name=CURSOR, last_id=0))
            return 0, None
        return int(row.last_id), row.swept_at

    def save_cursor(self, cursor: int, swept_at: datetime | None) -> None:
        self.session.execute(sa.update(notification_cursor)
                             .where(notification_cursor.c.name == CURSOR)
                             .values(last_id=cursor, swept_at=swept_at))

    def recipients(self, audience: Audience) -> Sequence[Recipient]:
        q = (sa.select(users.c.id, users.c.username, notification_addresses.c.email)
             .select_from(users.outerjoin(notification_addresses,
                                          notification_addresses.c.user_id == users.c.id))
             .where(users.c.role == audience.role, users.c.active.is_(True))
             .order_by(users.c.id))
        if audience.scope_ref is not None:
            q = q.where(users.c.scope_ref == audience.scope_ref)
        return [Recipient(r.id, r.username, r.email) for r in self.session.execute(q)
                if r.username != audience.exclude]

    def existing(self, keys: Iterable[str]) -> set[tuple[int, str]]:
        found: set[tuple[int, str]] = set()
        for batch in chunked(sorted(set(keys))):
            q = sa.select(notifications.c.user_id, notifications.c.key).where(
                notifications.c.key.in_(batch))
            found.update((int(r.user_id), r.key) for r in self.session.execute(q))
        return found

    def add(self, recipient: Recipient, draft: Draft, now: datetime) -> bool:
        exists = self.session.execute(
            sa.select(notifications.c.id).where(notifications.c.user_id == recipient.user_id,
                                                notifications.c.key == draft.key)).first()
        if exists is not None:
            return False
        self.session.execute(sa.insert(notifications).values(
            user_id=recipient.user_id, kind=draft.kind.value, key=draft.key, title=draft.title,
            link=draft.link, created_at=draft.at or now))
        return True

    def for_user(self, user_id: int, *, unread_only: bool = False,
                 limit: int = 200) -> Sequence[Notification]:
        q = (sa.select(notifications).where(notifications.c.user_id == user_id)
             .order_by(notifications.c.created_at.desc(), notifications.c.id.desc()).limit(limit))
        if unread_only:
            q = q.where(notifications.c.read_at.is_(None))
        return [_notification(r) for r in self.session.execute(q)]

    def mark_read(self, user_id: int, notification_id: int, now: datetime) -> Notification | None:
        mine = sa.and_(notifications.c.id == notification_id, notifications.c.user_id == user_id)
        self.session.execute(sa.update(notifications)
                             .where(mine, notifications.c.read_at.is_(None)).values(read_at=now))
        row = self.session.execute(sa.select(notifications).where(mine)).first()
        return _notification(row) if row is not None else None

    def mark_all_read(self, user_id: int, now: datetime) -> int:
        result = self.session.execute(
            sa.update(notifications)
            .where(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
            .values(read_at=now))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def user_id_of(self, username: str) -> int | None:
        found = self.session.execute(
            sa.select(users.c.id).where(users.c.username == username)).scalar()
        return int(found) if found is not None else None

    def set_email(self, username: str, email: str | None) -> bool:
        user_id = self.user_id_of(username)
        if user_id is None:
            return False
        self.session.execute(sa.delete(notification_addresses)
                             .where(notification_addresses.c.user_id == user_id))
        if email:
            self.session.execute(sa.insert(notification_addresses)
                                 .values(user_id=user_id, email=email))
        return True


class SqlNotificationsUnitOfWork(SqlUnitOfWork):
    """One transaction over the inbox (projections record no audit entry of their own: an
    audit entry would itself be projected)."""

    notifications: SqlNotificationRepository

    def __init__(self, sessions: sessionmaker[Session], *, read_only: bool = False) -> None:
        super().__init__(sessions, audit=lambda session: None, read_only=read_only)

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.notifications = SqlNotificationRepository(session)
