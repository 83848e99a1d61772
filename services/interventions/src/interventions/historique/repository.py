"""Queries of the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from shared.driver import driver_connection, driver_sql
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.historique.models import HistoriqueAncre, HistoriqueIntervention
from interventions.interventions.models import Intervention

_TABLE: sa.Table = HistoriqueIntervention.__table__  # type: ignore[assignment]
_JSON = frozenset({"ancienne_valeur", "nouvelle_valeur"})


def _dumps(value: Any) -> str:
    # the values are chain.jsonable's output (orjson-made), so orjson writes them as is
    return orjson.dumps(value).decode()


# compiled once; run on the driver connection (the hot path of every write)
_INSERT = driver_sql(
    sa.insert(_TABLE)
    .values({c.name: sa.bindparam(c.name) for c in _TABLE.c if c.name not in ("id", "origine")})
    .inline()
)


async def lock_intervention(session: AsyncSession, intervention_id: int) -> bool:
    """Row-lock the intervention: audit rows of one intervention are written one at a time."""
    locked = await session.execute(
        sa.select(Intervention.id).where(Intervention.id == intervention_id).with_for_update()
    )
    return locked.scalar_one_or_none() is not None


async def last_hash(session: AsyncSession, intervention_id: int) -> str | None:
    """The chain's head: the last row's hash, else the purge anchor, in one query."""
    h, a = HistoriqueIntervention, HistoriqueAncre
    last = (
        sa.select(h.hash)
        .where(h.intervention_id == intervention_id)
        .order_by(h.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    anchored = sa.select(a.dernier_hash).where(a.intervention_id == intervention_id)
    row = await session.execute(sa.select(sa.func.coalesce(last, anchored.scalar_subquery())))
    return row.scalar_one()


async def insert(session: AsyncSession, values: dict[str, Any]) -> None:
    """Append one audit row (nothing to load back)."""
    conn = await driver_connection(session)
    params = {
        k: Jsonb(v, dumps=_dumps) if k in _JSON and v is not None else v for k, v in values.items()
    }
    await conn.execute(_INSERT, params)


async def anchor(session: AsyncSession, intervention_id: int) -> str | None:
    row = await session.execute(
        sa.select(HistoriqueAncre.dernier_hash).where(
            HistoriqueAncre.intervention_id == intervention_id
        )
    )
    return row.scalar_one_or_none()


async def list_for(session: AsyncSession, intervention_id: int) -> Sequence[HistoriqueIntervention]:
    rows = await session.scalars(
        sa.select(HistoriqueIntervention)
        .where(HistoriqueIntervention.intervention_id == intervention_id)
        .order_by(HistoriqueIntervention.id)
    )
    return rows.all()
