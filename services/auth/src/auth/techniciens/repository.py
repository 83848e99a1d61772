"""Every query on `techniciens` (always with their user, in the same query)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from shared.db import equal_filters
from shared.pagination import Page
from shared.repository import Keyset, Repository
from shared.security import CurrentUser
from sqlalchemy.orm import contains_eager

from auth.competences.models import TechnicienCompetence
from auth.models import Disponibilite
from auth.techniciens.models import Technicien
from auth.users.models import User


class Techniciens(Repository[Technicien]):
    model = Technicien
    keyset = Keyset(Technicien.id)

    def select(self) -> sa.Select[Any]:
        return sa.select(Technicien).join(Technicien.user).options(contains_eager(Technicien.user))

    def visible(self, statement: sa.Select[Any], user: CurrentUser | None) -> sa.Select[Any]:
        """Staff see every technician; a technician only itself."""
        if user is None or user.is_staff:
            return statement
        return statement.where(Technicien.user_id == user.id)

    async def by_user_id(self, user_id: int) -> Technicien | None:
        statement = self.select().where(Technicien.user_id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def search(
        self,
        *,
        cursor: str | None,
        limit: int,
        item: Callable[[Technicien], Any],
        disponibilite: Disponibilite | None = None,
        specialite: str | None = None,
        equipe: str | None = None,
        zone_geographique: str | None = None,
        competence_id: int | None = None,
        is_active: bool | None = None,
    ) -> Page[Any]:
        """A page of technicians by id, filtered (None: no filter)."""
        where = equal_filters(
            (Technicien.disponibilite, disponibilite),
            (Technicien.specialite, specialite),
            (Technicien.equipe, equipe),
            (Technicien.zone_geographique, zone_geographique),
            (User.is_active, is_active),
        )
        if competence_id is not None:
            where.append(
                sa.exists().where(
                    TechnicienCompetence.technicien_id == Technicien.id,
                    TechnicienCompetence.competence_id == competence_id,
                )
            )
        return await self.page(cursor=cursor, limit=limit, where=where, item=item)
