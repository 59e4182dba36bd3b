from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from shared.adapters.sql.database import SqlUnitOfWork, UtcDateTime, metadata
from shared.identity.domain import User
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

    def list(self, *, role: Role | None = None, active: bool | None = None) -> Sequence[User]:
        q = sa.select(users).order_by(users.c.username)
        if role is not None:
            q = q.where(users.c.role == role.value)
        if active is not None:
            q = q.where(users.c.active == active)
        return [_to_user(r) for r in self._s.execute(q).mappings()]


class SqlIdentityUnitOfWork(SqlUnitOfWork):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions)

    def _attach(self, session: Session) -> None:
        super()._attach(session)
        self.users = SqlUserRepository(session)
