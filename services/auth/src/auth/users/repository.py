"""Every query on `users`, including the principal (user + profile ids) used by tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shared.db import equal_filters
from shared.security import Role
from sqlalchemy.ext.asyncio import AsyncSession

from auth.clients.models import Client
from auth.paging import after_id
from auth.techniciens.models import Technicien
from auth.users.models import User


@dataclass(frozen=True, slots=True)
class Principal:
    """A user as tokens see it: identity, role, profile ids, password hash."""

    id: int
    username: str
    email: str
    full_name: str
    role: Role
    is_active: bool
    hashed_password: str
    technicien_id: int | None
    client_id: int | None
    created_at: Any
    updated_at: Any
    version: int


_PRINCIPAL = (
    sa.select(
        User.id,
        User.username,
        User.email,
        User.full_name,
        User.role,
        User.is_active,
        User.hashed_password,
        Technicien.id.label("technicien_id"),
        Client.id.label("client_id"),
        User.created_at,
        User.updated_at,
        User.version,
    )
    .select_from(User)
    .outerjoin(Technicien, Technicien.user_id == User.id)
    .outerjoin(Client, Client.user_id == User.id)
)


async def principal_by_id(session: AsyncSession, user_id: int) -> Principal | None:
    """One indexed round trip (PK + the profiles' unique user_id): the /auth/me hot path."""
    row = (await session.execute(_PRINCIPAL.where(User.id == user_id))).one_or_none()
    return Principal(**row._mapping) if row is not None else None


async def principal_by_username(session: AsyncSession, username: str) -> Principal | None:
    """Usernames are unique ignoring case, so `Admin` signs in as `admin`."""
    statement = _PRINCIPAL.where(sa.func.lower(User.username) == username.lower())
    row = (await session.execute(statement)).one_or_none()
    return Principal(**row._mapping) if row is not None else None


async def get(session: AsyncSession, user_id: int, *, for_update: bool = False) -> User | None:
    statement = sa.select(User).where(User.id == user_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    statement = sa.select(User).where(sa.func.lower(User.username) == username.lower())
    return (await session.execute(statement)).scalar_one_or_none()


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def list_page(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> list[User]:
    """`limit + 1` users by id after the cursor (keyset)."""
    statement = sa.select(User).order_by(User.id).limit(limit + 1)
    after = after_id(cursor)
    if after is not None:
        statement = statement.where(User.id > after)
    statement = statement.where(*equal_filters((User.role, role), (User.is_active, is_active)))
    return list((await session.execute(statement)).scalars())
