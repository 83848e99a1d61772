"""Every query on `clients` (always with their user, in the same query)."""

from __future__ import annotations

import sqlalchemy as sa
from shared.db import equal_filters
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from auth.clients.models import Client
from auth.models import NiveauService, TypeClient
from auth.paging import after_id
from auth.users.models import User


def _with_user() -> sa.Select[Client]:
    return sa.select(Client).join(Client.user).options(contains_eager(Client.user))


async def get(session: AsyncSession, client_id: int, *, for_update: bool = False) -> Client | None:
    statement = _with_user().where(Client.id == client_id)
    if for_update:
        statement = statement.with_for_update(of=Client)
    return (await session.execute(statement)).scalar_one_or_none()


async def get_by_user_id(session: AsyncSession, user_id: int) -> Client | None:
    statement = _with_user().where(Client.user_id == user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_page(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    type_client: TypeClient | None = None,
    niveau_service: NiveauService | None = None,
    ville: str | None = None,
    is_active: bool | None = None,
) -> list[Client]:
    """`limit + 1` clients by id after the cursor, filtered (keyset)."""
    statement = _with_user().order_by(Client.id).limit(limit + 1)
    after = after_id(cursor)
    if after is not None:
        statement = statement.where(Client.id > after)
    statement = statement.where(
        *equal_filters(
            (Client.type_client, type_client),
            (Client.niveau_service, niveau_service),
            (Client.ville, ville),
            (User.is_active, is_active),
        )
    )
    return list((await session.execute(statement)).scalars())
