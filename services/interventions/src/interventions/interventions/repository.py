"""Every query of the interventions feature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shared.security import CurrentUser
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.equipements.models import Equipement, StatutEquipement
from interventions.interventions.access import visible_to
from interventions.interventions.models import (
    PRIORITE_TYPE,
    Intervention,
    PrioriteIntervention,
    StatutIntervention,
    TypeIntervention,
)

# The hot paths (create, get by id) use Core on the table, not ORM objects: one row in,
# one row out, no identity map or unit of work (about half the CPU of a request).
TABLE: sa.Table = Intervention.__table__  # type: ignore[assignment]
_INSERT = sa.insert(TABLE).returning(*TABLE.c)
_EQUIPEMENT = sa.select(Equipement.client_id, Equipement.active, Equipement.statut)


@dataclass(frozen=True, slots=True)
class InterventionFilters:
    statut: StatutIntervention | None = None
    priorite: PrioriteIntervention | None = None
    type_intervention: TypeIntervention | None = None
    technicien_id: int | None = None
    client_id: int | None = None
    equipement_id: int | None = None
    urgence: bool | None = None
    cree_apres: dt.datetime | None = None
    cree_avant: dt.datetime | None = None


SortKey = tuple[PrioriteIntervention, dt.datetime, int]


def list_query(
    user: CurrentUser, filters: InterventionFilters, after: SortKey | None, limit: int
) -> sa.Select[Intervention]:
    """The page query: role filter, filters, keyset on (priorite, date_creation, id), which
    the indexes idx_intervention_*keyset serve in that order."""
    i = Intervention
    conditions: list[sa.ColumnElement[bool]] = [visible_to(user)]
    if filters.statut is not None:
        conditions.append(i.statut == filters.statut)
    if filters.priorite is not None:
        conditions.append(i.priorite == filters.priorite)
    if filters.type_intervention is not None:
        conditions.append(i.type_intervention == filters.type_intervention)
    if filters.technicien_id is not None:
        conditions.append(i.technicien_id == filters.technicien_id)
    if filters.client_id is not None:
        conditions.append(i.client_id == filters.client_id)
    if filters.equipement_id is not None:
        conditions.append(i.equipement_id == filters.equipement_id)
    if filters.urgence is not None:
        conditions.append(i.urgence == filters.urgence)
    if filters.cree_apres is not None:
        conditions.append(i.date_creation >= filters.cree_apres)
    if filters.cree_avant is not None:
        conditions.append(i.date_creation < filters.cree_avant)
    if after is not None:
        priorite, date_creation, last_id = after
        conditions.append(
            sa.tuple_(i.priorite, i.date_creation, i.id)
            > sa.tuple_(
                sa.cast(sa.literal(priorite.value), PRIORITE_TYPE),
                sa.literal(date_creation, sa.DateTime(timezone=True)),
                sa.literal(last_id, sa.Integer),
            )
        )
    return sa.select(i).where(*conditions).order_by(i.priorite, i.date_creation, i.id).limit(limit)


async def page(
    session: AsyncSession,
    user: CurrentUser,
    filters: InterventionFilters,
    after: SortKey | None,
    limit: int,
) -> Sequence[Intervention]:
    return (await session.scalars(list_query(user, filters, after, limit))).all()


async def equipement_state(
    session: AsyncSession, equipement_id: int
) -> sa.Row[int, bool, StatutEquipement] | None:
    """What creating an intervention needs to know of its equipment: owner, active, statut."""
    conn = await session.connection()
    result = await conn.execute(_EQUIPEMENT.where(Equipement.id == equipement_id))
    return result.one_or_none()


async def insert(session: AsyncSession, values: dict[str, Any]) -> sa.Row[Any]:
    """Insert one intervention; the whole row comes back (ids and server defaults)."""
    conn = await session.connection()
    return (await conn.execute(_INSERT, values)).one()


async def get_visible(
    session: AsyncSession, user: CurrentUser, intervention_id: int
) -> sa.Row[Any] | None:
    """The row if `user` may see it."""
    conn = await session.connection()
    result = await conn.execute(
        sa.select(*TABLE.c).where(TABLE.c.id == intervention_id, visible_to(user))
    )
    return result.one_or_none()
