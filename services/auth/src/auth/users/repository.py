"""Every query on `users`, including the principal (user + profile ids) used by tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shared.db import equal_filters
from shared.pagination import Page
from shared.repository import Keyset, Repository
from shared.security import Role
from shared.uow import UnitOfWork

from auth.clients.models import Client
from auth.techniciens.models import Technicien
from auth.users.models import User


class Users(Repository[User]):
    model = User
    keyset = Keyset(User.id)

    async def search(
        self,
        *,
        cursor: str | None,
        limit: int,
        item: Callable[[User], Any],
        role: Role | None = None,
        is_active: bool | None = None,
    ) -> Page[Any]:
        """A page of users by id, filtered (None: no filter)."""
        where = equal_filters((User.role, role), (User.is_active, is_active))
        return await self.page(cursor=cursor, limit=limit, where=where, item=item)

    async def by_username(self, username: str) -> User | None:
        """Unique ignoring case (the `lower(username)` index)."""
        statement = sa.select(User).where(sa.func.lower(User.username) == username.lower())
        return (await self.session.execute(statement)).scalar_one_or_none()


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
_PRINCIPAL_BY_ID = _PRINCIPAL.where(User.id == sa.bindparam("id"))
_PRINCIPAL_BY_USERNAME = _PRINCIPAL.where(
    sa.func.lower(User.username) == sa.func.lower(sa.bindparam("username"))
)


def _principal(row: dict[str, Any] | None) -> Principal | None:
    if row is None:
        return None
    row["role"] = Role(row["role"])
    return Principal(**row)


async def principal_by_id(uow: UnitOfWork, user_id: int) -> Principal | None:
    """One indexed round trip (PK + the profiles' unique user_id): the /auth/me hot path."""
    return _principal(await uow.fetch_one(_PRINCIPAL_BY_ID, {"id": user_id}))


async def principal_by_username(uow: UnitOfWork, username: str) -> Principal | None:
    """Usernames are unique ignoring case, so `Admin` signs in as `admin`."""
    return _principal(await uow.fetch_one(_PRINCIPAL_BY_USERNAME, {"username": username}))
