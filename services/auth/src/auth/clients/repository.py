"""Every query on `clients` (always with their user, in the same query)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from shared.db import equal_filters
from shared.pagination import Page
from shared.repository import Keyset, Repository
from shared.security import CurrentUser
from sqlalchemy.orm import contains_eager

from auth.clients.models import Client
from auth.models import NiveauService, TypeClient
from auth.users.models import User


class Clients(Repository[Client]):
    model = Client
    keyset = Keyset(Client.id)

    def select(self) -> sa.Select[Any]:
        return sa.select(Client).join(Client.user).options(contains_eager(Client.user))

    def visible(self, statement: sa.Select[Any], user: CurrentUser | None) -> sa.Select[Any]:
        """Staff see every client; a client only itself."""
        if user is None or user.is_staff:
            return statement
        return statement.where(Client.user_id == user.id)

    async def by_user_id(self, user_id: int) -> Client | None:
        statement = self.select().where(Client.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def search(
        self,
        *,
        cursor: str | None,
        limit: int,
        item: Callable[[Client], Any],
        type_client: TypeClient | None = None,
        niveau_service: NiveauService | None = None,
        ville: str | None = None,
        is_active: bool | None = None,
    ) -> Page[Any]:
        """A page of clients by id, filtered (None: no filter)."""
        where = equal_filters(
            (Client.type_client, type_client),
            (Client.niveau_service, niveau_service),
            (Client.ville, ville),
            (User.is_active, is_active),
        )
        return await self.page(cursor=cursor, limit=limit, where=where, item=item)
