"""Periodic work on interventions: preventive generation, archival, audit retention.

Each runs in batches, each batch its own short transaction that locks what it takes with
FOR UPDATE SKIP LOCKED, so two workers running at once share the work instead of doing it
twice, and a run killed midway leaves only whole batches done.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from shared.db import Database
from shared.logging import get_logger
from shared.uow import UnitOfWork, unit_of_work

from interventions.database import SCHEMA
from interventions.equipements.models import Equipement, StatutEquipement
from interventions.historique import service as historique
from interventions.historique.models import ActionHistorique
from interventions.interventions.models import (
    Intervention,
    PrioriteIntervention,
    StatutIntervention,
    TypeIntervention,
)
from interventions.interventions.service import archiver, read, sous_garantie
from shared import clock

log = get_logger(__name__)
MAX_BATCHES = 10_000  # a bound, so a bug can never loop forever


async def _preventive_batch(uow: UnitOfWork, until: dt.date, batch: int, now: dt.datetime) -> int:
    session = uow.session
    already = sa.exists().where(
        Intervention.equipement_id == Equipement.id,
        Intervention.type_intervention == TypeIntervention.preventive,
        Intervention.date_echeance_maintenance == Equipement.prochaine_maintenance,
    )
    due = (
        await session.scalars(
            sa.select(Equipement)
            .where(
                Equipement.active,
                Equipement.statut != StatutEquipement.retire,
                Equipement.prochaine_maintenance.is_not(None),
                Equipement.prochaine_maintenance <= until,
                ~already,
            )
            .order_by(Equipement.prochaine_maintenance, Equipement.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for equipement in due:
        echeance = equipement.prochaine_maintenance
        assert echeance is not None
        # the due date is a local day: it ends at 23:59:59 in Casablanca
        fin_echeance = clock.end_of_local_day(echeance)
        intervention = Intervention(
            equipement_id=equipement.id,
            client_id=equipement.client_id,
            type_intervention=TypeIntervention.preventive,
            priorite=PrioriteIntervention.programmee,
            statut=StatutIntervention.ouverte,
            urgence=False,
            titre=f"Maintenance préventive — {equipement.nom} ({echeance.isoformat()})",
            description="Générée automatiquement: échéance de maintenance préventive.",
            date_creation=now,
            date_limite=fin_echeance if fin_echeance >= now else None,
            date_echeance_maintenance=echeance,
            sous_garantie=sous_garantie(equipement.date_fin_garantie, now),
        )
        session.add(intervention)
        await session.flush()
        after = read(intervention)
        await historique.record(
            uow,
            intervention_id=intervention.id,
            action=ActionHistorique.creation,
            description="Création automatique (maintenance préventive)",
            ancienne_valeur=None,
            nouvelle_valeur=after,
            user_id=None,
        )
        uow.emit("intervention.created", intervention.id, after)
    return len(due)


async def generate_preventive(
    db: Database, *, horizon_days: int, batch: int = 200, now: dt.datetime | None = None
) -> int:
    """One preventive intervention per equipment due within the horizon (never two for the
    same due date), counted in local days from today in Casablanca; returns how many."""
    now = now or clock.utcnow()
    until = horizon_end(now, horizon_days)
    total = 0
    for _ in range(MAX_BATCHES):
        async with unit_of_work(db, schema=SCHEMA) as uow:
            done = await _preventive_batch(uow, until, batch, now)
        total += done
        if done < batch:
            break
    log.info("interventions.preventive.generated", count=total)
    return total


def horizon_end(now: dt.datetime, horizon_days: int) -> dt.date:
    """The last due date the preventive generator opens at `now`: the local day."""
    return clock.local_date(now) + dt.timedelta(days=horizon_days)


def archive_cutoff(now: dt.datetime, after_days: int) -> dt.datetime:
    """Interventions closed before this instant are archived: local midnight,
    `after_days` days before today in Casablanca (a whole local day at a time)."""
    return clock.start_of_local_day(clock.local_date(now) - dt.timedelta(days=after_days))


async def _archive_batch(uow: UnitOfWork, before: dt.datetime, batch: int) -> int:
    rows = (
        await uow.session.scalars(
            sa.select(Intervention)
            .where(
                Intervention.statut == StatutIntervention.cloturee, Intervention.date_fin < before
            )
            .order_by(Intervention.date_fin, Intervention.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for intervention in rows:
        await archiver(uow, intervention)
    return len(rows)


async def archive(
    db: Database, *, after_days: int, batch: int = 200, now: dt.datetime | None = None
) -> int:
    """cloturee with date_fin before `archive_cutoff` -> archivee (history and event each)."""
    before = archive_cutoff(now or clock.utcnow(), after_days)
    total = 0
    for _ in range(MAX_BATCHES):
        async with unit_of_work(db, schema=SCHEMA) as uow:
            done = await _archive_batch(uow, before, batch)
        total += done
        if done < batch:
            break
    log.info("interventions.archival.archived", count=total)
    return total


async def purge_historique(db: Database, *, retention_days: int, batch: int = 1000) -> int:
    """Audit rows older than the retention deleted through the database's purge function
    (the only path the append-only trigger lets through)."""
    before = clock.utcnow() - dt.timedelta(days=retention_days)
    total = 0
    for _ in range(MAX_BATCHES):
        async with unit_of_work(db, schema=SCHEMA) as uow:
            result = await uow.session.execute(
                sa.text("SELECT interventions.purge_historique(:before, :batch)"),
                {"before": before, "batch": batch},
            )
            done = int(result.scalar_one())
        total += done
        if done < batch:
            break
    log.info("interventions.retention.purged", count=total)
    return total
