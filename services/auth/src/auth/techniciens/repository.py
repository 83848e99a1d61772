"""Every query on `techniciens` (always with their user, in the same query)."""

from __future__ import annotations

import sqlalchemy as sa
from shared.db import equal_filters
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from auth.competences.models import TechnicienCompetence
from auth.models import Disponibilite
from auth.paging import after_id
from auth.techniciens.models import Technicien
from auth.users.models import User


def _with_user() -> sa.Select[Technicien]:
    return sa.select(Technicien).join(Technicien.user).options(contains_eager(Technicien.user))


async def get(
    session: AsyncSession, technicien_id: int, *, for_update: bool = False
) -> Technicien | None:
    statement = _with_user().where(Technicien.id == technicien_id)
    if for_update:
        statement = statement.with_for_update(of=Technicien)
    return (await session.execute(statement)).scalar_one_or_none()


async def get_by_user_id(session: AsyncSession, user_id: int) -> Technicien | None:
    statement = _with_user().where(Technicien.user_id == user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def add(session: AsyncSession, technicien: Technicien) -> Technicien:
    session.add(technicien)
    await session.flush()
    return technicien


async def list_page(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    disponibilite: Disponibilite | None = None,
    specialite: str | None = None,
    equipe: str | None = None,
    zone_geographique: str | None = None,
    competence_id: int | None = None,
    is_active: bool | None = None,
) -> list[Technicien]:
    """`limit + 1` technicians by id after the cursor, filtered (keyset)."""
    statement = _with_user().order_by(Technicien.id).limit(limit + 1)
    after = after_id(cursor)
    if after is not None:
        statement = statement.where(Technicien.id > after)
    statement = statement.where(
        *equal_filters(
            (Technicien.disponibilite, disponibilite),
            (Technicien.specialite, specialite),
            (Technicien.equipe, equipe),
            (Technicien.zone_geographique, zone_geographique),
            (User.is_active, is_active),
        )
    )
    if competence_id is not None:
        statement = statement.where(
            sa.exists().where(
                TechnicienCompetence.technicien_id == Technicien.id,
                TechnicienCompetence.competence_id == competence_id,
            )
        )
    return list((await session.execute(statement)).scalars())
