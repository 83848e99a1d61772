"""Queries of the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.historique.models import HistoriqueAncre, HistoriqueIntervention
from interventions.interventions.models import Intervention


async def lock_intervention(session: AsyncSession, intervention_id: int) -> bool:
    """Row-lock the intervention: audit rows of one intervention are written one at a time."""
    locked = await session.execute(
        sa.select(Intervention.id).where(Intervention.id == intervention_id).with_for_update()
    )
    return locked.scalar_one_or_none() is not None


async def last_hash(session: AsyncSession, intervention_id: int) -> str | None:
    row = await session.execute(
        sa.select(HistoriqueIntervention.hash)
        .where(HistoriqueIntervention.intervention_id == intervention_id)
        .order_by(HistoriqueIntervention.id.desc())
        .limit(1)
    )
    found = row.scalar_one_or_none()
    if found is not None:
        return found
    return await anchor(session, intervention_id)


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
