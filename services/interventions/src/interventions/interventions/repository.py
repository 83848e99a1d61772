"""Every query of the interventions feature."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shared.db import equal_filters
from shared.driver import driver_connection, driver_sql
from shared.repository import Keyset, Repository
from shared.security import CurrentUser
from shared.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.equipements.models import Equipement, StatutEquipement
from interventions.interventions.access import Scope, scope, visible_to
from interventions.interventions.models import (
    Intervention,
    PrioriteIntervention,
    StatutIntervention,
    TypeIntervention,
)

# The hot paths (create, get by id) run SQL compiled once from Core statements on the
# driver connection: no ORM objects (identity map, unit of work) and no SQLAlchemy
# execution per statement, which together were most of a request's CPU.
TABLE: sa.Table = Intervention.__table__  # type: ignore[assignment]
COLUMNS = tuple(c.name for c in TABLE.c)
_EQUIPEMENT = driver_sql(
    sa.select(
        Equipement.client_id, Equipement.active, Equipement.statut, Equipement.date_fin_garantie
    ).where(Equipement.id == sa.bindparam("id"))
)
_by_id = sa.select(*TABLE.c).where(TABLE.c.id == sa.bindparam("id"))
_GET: dict[Scope, str] = {
    "all": driver_sql(_by_id),
    "none": driver_sql(_by_id.where(sa.false())),
    "client_id": driver_sql(_by_id.where(TABLE.c.client_id == sa.bindparam("who"))),
    "technicien_id": driver_sql(_by_id.where(TABLE.c.technicien_id == sa.bindparam("who"))),
}


@functools.cache
def _insert_sql(keys: tuple[str, ...]) -> str:
    values: dict[str, Any] = {key: sa.bindparam(key) for key in keys}
    return driver_sql(sa.insert(TABLE).values(values).returning(*TABLE.c))


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


class Interventions(Repository[Intervention]):
    """The list: keyset on (priorite, date_creation, id), which the indexes
    idx_intervention_*keyset serve in that order; each role sees its own rows."""

    model = Intervention
    keyset = Keyset(Intervention.priorite, Intervention.date_creation, Intervention.id)

    def visible(self, statement: sa.Select[Any], user: CurrentUser | None) -> sa.Select[Any]:
        return statement if user is None else statement.where(visible_to(user))


def conditions(filters: InterventionFilters) -> list[sa.ColumnElement[bool]]:
    """The list's filters as WHERE conditions."""
    i = Intervention
    where = equal_filters(
        (i.statut, filters.statut),
        (i.priorite, filters.priorite),
        (i.type_intervention, filters.type_intervention),
        (i.technicien_id, filters.technicien_id),
        (i.client_id, filters.client_id),
        (i.equipement_id, filters.equipement_id),
        (i.urgence, filters.urgence),
    )
    if filters.cree_apres is not None:
        where.append(i.date_creation >= filters.cree_apres)
    if filters.cree_avant is not None:
        where.append(i.date_creation < filters.cree_avant)
    return where


@dataclass(frozen=True, slots=True)
class EquipementState:
    client_id: int
    active: bool
    statut: StatutEquipement
    date_fin_garantie: dt.date | None


async def equipement_state(session: AsyncSession, equipement_id: int) -> EquipementState | None:
    """What creating an intervention needs to know of its equipment: owner, active, statut."""
    conn = await driver_connection(session)
    row = await (await conn.execute(_EQUIPEMENT, {"id": equipement_id})).fetchone()
    if row is None:
        return None
    return EquipementState(row[0], row[1], StatutEquipement(row[2]), row[3])


async def insert(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    """Insert one intervention; the whole row comes back (ids and server defaults)."""
    conn = await driver_connection(session)
    cursor = await conn.execute(_insert_sql(tuple(values)), values)
    row = await cursor.fetchone()
    assert row is not None  # INSERT ... RETURNING of one row
    return dict(zip(COLUMNS, row, strict=True))


async def get_visible(
    uow: UnitOfWork, user: CurrentUser, intervention_id: int
) -> dict[str, Any] | None:
    """The row (column -> value) if `user` may see it: one statement, `uow.fetch_one`."""
    column, who = scope(user)
    return await uow.fetch_one(_GET[column], {"id": intervention_id, "who": who})


def list_query(
    user: CurrentUser,
    filters: InterventionFilters,
    after: tuple[Any, ...] | None,
    limit: int,
) -> sa.Select[Any]:
    """The statement `Interventions.page` runs for one page (for EXPLAIN in the plan test)."""
    keyset = Interventions.keyset
    assert keyset is not None
    query = (
        Interventions.visible(Interventions, sa.select(Intervention), user)  # type: ignore[arg-type]
        .where(*conditions(filters))
        .order_by(*keyset.order_by())
    )
    if after is not None:
        query = query.where(keyset.after(after))
    return query.limit(limit)
