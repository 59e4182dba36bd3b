from __future__ import annotations

from datetime import datetime
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shared.adapters.sql.database import SqlUnitOfWork, UtcDateTime, metadata
from shared.adapters.sql.queries import request_memo
from shared.identity.domain import AddressThrottle, SessionRecord, User
from shared.kernel.scope import Role

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("scope_ref", sa.String(64), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UtcDateTime, nullable=True),
    sa.Column("last_login_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=True),
)

# The index of live web sessions (the data itself lives in the session store): lets a user
# list theirs and lets password changes and admin actions end them on every worker.
platform_sessions = sa.Table(
    "platform_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # the store key (hash of the cookie)
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(200), nullable=True),
)

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("address", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("window_start", UtcDateTime, nullable=True),
    sa.Column("blocked_until", UtcDateTime, nullable=True),
)

# Every authenticated request runs it: the statement is built once.
_USER_WITH_SESSION = (sa.select(users).join(platform_sessions, platform_sessions.c.user_id == users.c.id)
                      .where(users.c.id == sa.bindparam("user_id"),
                             platform_sessions.c.id == sa.bindparam("key")))


def _to_user(row: sa.RowMapping) -> User:
    # Going through the constructor re-runs the domain's validation on load.
    return User(
        id=row["id"], username=row["username"], full_name=row["full_name"],
        password_hash=row["password_hash"], role=Role(row["role"]), scope_ref=row["scope_ref"],
        active=row["active"], failed_attempts=row["failed_attempts"],
        locked_until=row["locked_until"], last_login_at=row["last_login_at"],
        created_at=row["created_at"],
    )


def _values(user: User) -> dict[str, object]:
    return {
        "username": user.username, "full_name": user.full_name,
        "password_hash": user.password_hash, "role": user.role.value, "scope_ref": user.scope_ref,
        "active": user.active, "failed_attempts": user.failed_attempts,
        "locked_until": user.locked_until, "last_login_at": user.last_login_at,
        "created_at": user.created_at,
    }


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, user_id: int) -> User | None:
        row = self._s.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
        return _to_user(row) if row else None

    def get_by_username(self, username: str) -> User | None:
        row = self._s.execute(sa.select(users).where(users.c.username == username)).mappings().first()
        return _to_user(row) if row else None

    def add(self, user: User) -> User:
        new_id = self._s.execute(sa.insert(users).values(**_values(user)).returning(users.c.id)).scalar_one()
        user.id = new_id
        return user

    def update(self, user: User) -> None:
        self._s.execute(sa.update(users).where(users.c.id == user.id).values(**_values(user)))

    def get_with_session(self, user_id: int, session_key: str) -> User | None:
        """The user, only while the session is still in the index (one query per request)."""
        # Every request asks: in the request's read session the row is served again by the
        # process while nothing is written (ending a session, a lockout, a password change
        # are commits, which invalidate it; see ``request_memo``).
        row = request_memo(self._s, ("user_with_session", int(user_id), session_key),
                           lambda: self._s.execute(_USER_WITH_SESSION, {"user_id": user_id, "key": session_key})
                           .mappings().first())
        return _to_user(row) if row else None

    def list(self, *, role: Role | None = None, active: bool | None = None) -> Sequence[User]:
        q = sa.select(users).order_by(users.c.username)
        if role is not None:
            q = q.where(users.c.role == role.value)
        if active is not None:
            q = q.where(users.c.active == active)
        return [_to_user(r) for r in self._s.execute(q).mappings()]


class SqlSessionIndex:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, record: SessionRecord) -> None:
        self._s.execute(sa.insert(platform_sessions).values(
            id=record.key, user_id=record.user_id, started_at=record.started_at,
            address=record.address, user_agent=record.user_agent))

    def list_for(self, user_id: int) -> list[SessionRecord]:
        q = (sa.select(platform_sessions).where(platform_sessions.c.user_id == user_id)
             .order_by(platform_sessions.c.started_at.desc()))
        return [SessionRecord(r["id"], r["user_id"], r["started_at"], r["address"], r["user_agent"])
                for r in self._s.execute(q).mappings()]

    def delete(self, keys: Sequence[str]) -> None:
        if keys:
            self._s.execute(sa.delete(platform_sessions).where(platform_sessions.c.id.in_(list(keys))))

    def delete_for(self, user_id: int, keep: str | None = None) -> list[str]:
        q = sa.select(platform_sessions.c.id).where(platform_sessions.c.user_id == user_id)
        if keep is not None:
            q = q.where(platform_sessions.c.id != keep)
        keys = list(self._s.execute(q).scalars())
        self.delete(keys)
        return keys

    def delete_started_before(self, user_id: int, cutoff: datetime) -> None:
        self._s.execute(sa.delete(platform_sessions).where(platform_sessions.c.user_id == user_id,
                                                           platform_sessions.c.started_at < cutoff))


class SqlLoginThrottle:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, address: str) -> AddressThrottle:
        # FOR UPDATE on PostgreSQL: parallel failures from one address must all be counted.
        row = self._s.execute(sa.select(login_throttle).where(login_throttle.c.address == address)
                              .with_for_update()).mappings().first()
        if row is None:
            return AddressThrottle(address)
        return AddressThrottle(address, row["failures"], row["window_start"], row["blocked_until"])

    def save(self, t: AddressThrottle) -> None:
        values = {"failures": t.failures, "window_start": t.window_start, "blocked_until": t.blocked_until}
        done = self._s.execute(sa.update(login_throttle).where(login_throttle.c.address == t.address)
                               .values(**values)).rowcount
        if not done:
            try:
                with self._s.begin_nested():
                    self._s.execute(sa.insert(login_throttle).values(address=t.address, **values))
            except IntegrityError:  # another worker inserted it meanwhile
                self._s.execute(sa.update(login_throttle).where(login_throttle.c.address == t.address)
                                .values(**values))


class SqlIdentityUnitOfWork(SqlUnitOfWork):

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.users = SqlUserRepository(session)
        self.sessions = SqlSessionIndex(session)
        self.throttle = SqlLoginThrottle(session)
