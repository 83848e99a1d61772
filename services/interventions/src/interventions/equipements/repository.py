"""Every query of the equipment feature."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from shared.db import equal_filters
from shared.repository import Keyset, Repository
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.equipements.models import CriticiteEquipement, Equipement, StatutEquipement
from interventions.interventions.models import Intervention


@dataclass(frozen=True, slots=True)
class EquipementFilters:
    client_id: int | None = None
    statut: StatutEquipement | None = None
    criticite: CriticiteEquipement | None = None
    maintenance_avant: dt.date | None = None


class Equipements(Repository[Equipement]):
    """Equipment in id order (keyset)."""

    model = Equipement
    keyset = Keyset(Equipement.id)


async def get(
    session: AsyncSession, equipement_id: int, *, for_update: bool = False
) -> Equipement | None:
    query = sa.select(Equipement).where(Equipement.id == equipement_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).one_or_none()


def conditions(filters: EquipementFilters) -> list[sa.ColumnElement[bool]]:
    """The list's filters as WHERE conditions."""
    where = equal_filters(
        (Equipement.client_id, filters.client_id),
        (Equipement.statut, filters.statut),
        (Equipement.criticite, filters.criticite),
    )
    if filters.maintenance_avant is not None:
        where.append(Equipement.prochaine_maintenance <= filters.maintenance_avant)
    return where


async def has_interventions(session: AsyncSession, equipement_id: int) -> bool:
    found = await session.execute(
        sa.select(sa.exists().where(Intervention.equipement_id == equipement_id))
    )
    return bool(found.scalar())
