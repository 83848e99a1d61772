"""Every query of the planning feature."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from shared.repository import Keyset, Repository
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.interventions.models import Intervention, StatutIntervention
from interventions.planning.models import Planning
from interventions.techniciens.models import TechnicienReplica

REMINDED_STATUTS = (
    StatutIntervention.ouverte,
    StatutIntervention.affectee,
    StatutIntervention.en_cours,
    StatutIntervention.en_attente,
)


async def release(session: AsyncSession, intervention_id: int) -> dict[str, Any] | None:
    """The slot of a cancelled intervention becomes `annule` and unconfirmed (its
    technician is free again); the row as it is now, or None (no slot, or already)."""
    table = cast(sa.Table, Planning.__table__)
    row = (
        await session.execute(
            sa.update(table)
            .where(table.c.intervention_id == intervention_id, table.c.statut != "annule")
            .values(
                statut="annule",
                confirme=False,
                version=table.c.version + 1,
                date_modification=sa.func.now(),
            )
            .returning(*table.c)
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def get_by_intervention(
    session: AsyncSession, intervention_id: int, *, for_update: bool = False
) -> Planning | None:
    query = sa.select(Planning).where(Planning.intervention_id == intervention_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def confirmed_overlap_exists(
    session: AsyncSession,
    *,
    technicien_id: int,
    date_debut: dt.datetime,
    date_fin: dt.datetime,
    exclude_intervention_id: int,
) -> bool:
    """Whether the technician already has a confirmed slot overlapping [debut, fin)."""
    query = sa.select(
        sa.exists().where(
            Planning.technicien_id == technicien_id,
            Planning.confirme.is_(True),
            Planning.intervention_id != exclude_intervention_id,
            Planning.date_debut < date_fin,
            Planning.date_fin > date_debut,
        )
    )
    return bool((await session.execute(query)).scalar())


class Calendrier(Repository[Planning]):
    """Slots in (date_debut, id) order (keyset)."""

    model = Planning
    keyset = Keyset(Planning.date_debut, Planning.id)


def calendar_conditions(
    *, technicien_id: int | None, du: dt.datetime | None, au: dt.datetime | None
) -> list[sa.ColumnElement[bool]]:
    """Slots overlapping [du, au), of one technician when given."""
    where: list[sa.ColumnElement[bool]] = []
    if technicien_id is not None:
        where.append(Planning.technicien_id == technicien_id)
    if du is not None:
        where.append(Planning.date_fin > du)
    if au is not None:
        where.append(Planning.date_debut < au)
    return where


async def claim_due_reminders(
    session: AsyncSession, *, now: dt.datetime, horizon: dt.timedelta, limit: int
) -> list[dict[str, Any]]:
    """Mark up to `limit` due, unreminded confirmed slots as reminded and return them with
    their client and the technician's user id. Rows locked by another worker are skipped,
    so two workers never claim the same slot."""
    table = cast(sa.Table, Planning.__table__)
    interventions = cast(sa.Table, Intervention.__table__)
    # a cancelled slot, or a slot of an intervention no longer to be done, is never reminded
    still_to_do = sa.exists().where(
        interventions.c.id == table.c.intervention_id,
        interventions.c.statut.in_(REMINDED_STATUTS),
    )
    due = (
        sa.select(table.c.id)
        .where(
            table.c.confirme.is_(True),
            table.c.statut == "planifie",
            still_to_do,
            table.c.rappel_envoye.is_(False),
            table.c.date_debut <= now + horizon,
            table.c.date_fin > now,
        )
        .order_by(table.c.date_debut)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = (
        sa.update(table)
        .where(table.c.id.in_(due))
        .values(
            rappel_envoye=True,
            version=table.c.version + 1,
            date_modification=sa.func.now(),
        )
        .returning(
            table.c.id,
            table.c.intervention_id,
            table.c.technicien_id,
            table.c.date_debut,
            table.c.date_fin,
        )
        .cte("claimed")
    )
    replicas = cast(sa.Table, TechnicienReplica.__table__)
    query = (
        sa.select(
            claimed.c.id,
            claimed.c.intervention_id,
            claimed.c.technicien_id,
            claimed.c.date_debut,
            claimed.c.date_fin,
            interventions.c.client_id,
            replicas.c.user_id.label("technicien_user_id"),
        )
        .select_from(claimed)
        .join(interventions, interventions.c.id == claimed.c.intervention_id)
        .outerjoin(replicas, replicas.c.id == claimed.c.technicien_id)
        .order_by(claimed.c.date_debut, claimed.c.id)
    )
    return [dict(row._mapping) for row in await session.execute(query)]
