"""Planning rules: one slot per intervention, confirmation by staff or the assigned
technician, no technician on two overlapping confirmed slots, reminders exactly once.

Decisions:
- An intervention can be planned without a technician (an `ouverte` one, to reserve a date
  with the client), but such a slot stays unconfirmed: confirmation needs a technician,
  because a confirmed slot is a booking of that technician (409 otherwise).
- `PUT` replaces the slot. New dates make it unconfirmed and not reminded again: whoever
  confirmed the old dates has not agreed to the new ones. Changing only `creneau` or
  `notes_planning` keeps the confirmation.
- The slot's technician is a copy of the intervention's (a trigger keeps it in step on
  reassignment), so the exclusion constraint can refuse overlapping confirmed slots even
  when two confirmations race; the check in `planifier` only gives an early, clear 409.
- The intervention's `date_planifiee` follows the slot's `date_debut`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import sqlalchemy as sa
from shared.db import Database, utcnow
from shared.errors import Problem, conflict, forbidden, not_found
from shared.events import Event, add_event
from shared.events.outbox import outbox_table
from shared.logging import get_logger
from shared.security import CurrentUser, Role
from shared.versioning import check_version
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.database import SCHEMA
from interventions.historique.service import record
from interventions.interventions.models import Intervention, StatutIntervention
from interventions.interventions.service import get_for_user
from interventions.planning import repository
from interventions.planning.models import Planning
from interventions.planning.schemas import PlanningPut

log = get_logger(__name__)
PRODUCER = "interventions"
PLANIFIABLES = frozenset(
    {
        StatutIntervention.ouverte,
        StatutIntervention.affectee,
        StatutIntervention.en_cours,
        StatutIntervention.en_attente,
    }
)
RAPPEL_HORIZON = dt.timedelta(hours=24)
OVERLAP_DETAIL = "the technician is already booked on an overlapping confirmed slot"


def snapshot(planning: Planning) -> dict[str, Any]:
    """The slot as JSON-ready values, for audit rows and events."""
    return {
        "id": planning.id,
        "intervention_id": planning.intervention_id,
        "technicien_id": planning.technicien_id,
        "date_debut": planning.date_debut.isoformat(),
        "date_fin": planning.date_fin.isoformat(),
        "creneau": planning.creneau,
        "notes_planning": planning.notes_planning,
        "confirme": planning.confirme,
        "rappel_envoye": planning.rappel_envoye,
    }


def _check_planifiable(intervention: Intervention) -> None:
    if intervention.statut not in PLANIFIABLES:
        raise conflict(f"an intervention in statut {intervention.statut} cannot be planned")


async def get(session: AsyncSession, user: CurrentUser, intervention_id: int) -> Planning:
    """The slot of an intervention the user can see (404 otherwise, or when not planned)."""
    await get_for_user(session, user, intervention_id)
    planning = await repository.get_by_intervention(session, intervention_id)
    if planning is None:
        raise not_found("planning")
    return planning


async def planifier(
    session: AsyncSession,
    user: CurrentUser,
    intervention_id: int,
    data: PlanningPut,
    *,
    if_match: str | None = None,
) -> tuple[Planning, bool]:
    """Create or replace the slot of an intervention; True when it was created."""
    # The intervention's row lock serialises every planning change of this intervention.
    intervention = await get_for_user(session, user, intervention_id, for_update=True)
    _check_planifiable(intervention)
    planning = await repository.get_by_intervention(session, intervention_id, for_update=True)
    if planning is not None:
        check_version(if_match, planning.version)
    if intervention.technicien_id is not None and await repository.confirmed_overlap_exists(
        session,
        technicien_id=intervention.technicien_id,
        date_debut=data.date_debut,
        date_fin=data.date_fin,
        exclude_intervention_id=intervention_id,
    ):
        raise conflict(OVERLAP_DETAIL)
    before = snapshot(planning) if planning is not None else None
    created = planning is None
    if planning is None:
        planning = Planning(intervention_id=intervention_id, confirme=False, rappel_envoye=False)
        session.add(planning)
    elif planning.date_debut != data.date_debut or planning.date_fin != data.date_fin:
        planning.confirme = False
        planning.rappel_envoye = False
    planning.technicien_id = intervention.technicien_id
    planning.date_debut = data.date_debut
    planning.date_fin = data.date_fin
    planning.creneau = data.creneau
    planning.notes_planning = data.notes_planning
    intervention.date_planifiee = data.date_debut
    await _flush(session)
    after = snapshot(planning)
    await record(
        session,
        intervention_id=intervention_id,
        action="planification",
        description="Planification créée" if created else "Planification modifiée",
        ancienne_valeur=before,
        nouvelle_valeur=after,
        user_id=user.id,
    )
    await add_event(
        session,
        SCHEMA,
        Event.new(
            "planning.planifie",
            producer=PRODUCER,
            aggregate_id=planning.id,
            data={**after, "client_id": intervention.client_id},
        ),
    )
    return planning, created


async def confirmer(session: AsyncSession, user: CurrentUser, intervention_id: int) -> Planning:
    """Confirm the slot (staff, or the assigned technician); confirming twice is a no-op."""
    if user.role not in (Role.admin, Role.responsable, Role.technicien):
        raise forbidden()
    # For a technician, get_for_user answers 404 unless the intervention is assigned to it.
    intervention = await get_for_user(session, user, intervention_id, for_update=True)
    planning = await repository.get_by_intervention(session, intervention_id, for_update=True)
    if planning is None:
        raise not_found("planning")
    _check_planifiable(intervention)
    if intervention.technicien_id is None:
        raise conflict("assign a technician to the intervention before confirming its planning")
    if planning.confirme and planning.technicien_id == intervention.technicien_id:
        return planning
    before = snapshot(planning)
    planning.technicien_id = intervention.technicien_id
    planning.confirme = True
    await _flush(session)
    after = snapshot(planning)
    await record(
        session,
        intervention_id=intervention_id,
        action="planification",
        description="Planification confirmée",
        ancienne_valeur=before,
        nouvelle_valeur=after,
        user_id=user.id,
    )
    await add_event(
        session,
        SCHEMA,
        Event.new(
            "planning.confirme",
            producer=PRODUCER,
            aggregate_id=planning.id,
            data={**after, "client_id": intervention.client_id},
        ),
    )
    return planning


async def _flush(session: AsyncSession) -> None:
    """Flush, turning the exclusion constraint's refusal into a clear 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == "23P01":
            raise conflict(OVERLAP_DETAIL) from exc
        raise


async def calendrier(
    session: AsyncSession,
    user: CurrentUser,
    *,
    technicien_id: int | None,
    du: dt.datetime | None,
    au: dt.datetime | None,
    after: tuple[dt.datetime, int] | None,
    limit: int,
) -> list[Planning]:
    """Slots overlapping [du, au); a technician sees only its own."""
    if user.role == Role.technicien:
        if user.technicien_id is None:
            raise forbidden("this account is not linked to a technician")
        if technicien_id is not None and technicien_id != user.technicien_id:
            raise forbidden("a technician sees only its own planning")
        technicien_id = user.technicien_id
    elif not user.is_staff:
        raise forbidden()
    if du is not None and au is not None and au <= du:
        raise Problem(422, "au must be after du", errors=[{"field": "au", "message": "<= du"}])
    return await repository.calendar(
        session, technicien_id=technicien_id, du=du, au=au, after=after, limit=limit
    )


def _rappel_event(row: dict[str, Any]) -> Event:
    return Event.new(
        "planning.rappel",
        producer=PRODUCER,
        aggregate_id=row["id"],
        data={
            "planning_id": row["id"],
            "intervention_id": row["intervention_id"],
            "technicien_id": row["technicien_id"],
            "technicien_user_id": row["technicien_user_id"],
            "client_id": row["client_id"],
            "date_debut": row["date_debut"].isoformat(),
            "date_fin": row["date_fin"].isoformat(),
            # who must be told: the technician (its user) and the client (its users)
            "destinataires": ["technicien", "client"],
        },
    )


async def envoyer_rappels(db: Database, *, batch_size: int) -> int:
    """Remind every confirmed slot starting within 24 h exactly once; returns how many.

    Each batch is one short transaction that both marks its slots `rappel_envoye` and
    writes their `planning.rappel` events to the outbox: a worker killed mid-run leaves
    every slot either reminded with its event committed, or untouched for the next run.
    """
    total = 0
    outbox = outbox_table(SCHEMA)
    while True:
        async with db.sessionmaker() as session, session.begin():
            rows = await repository.claim_due_reminders(
                session, now=utcnow(), horizon=RAPPEL_HORIZON, limit=batch_size
            )
            if rows:
                events = [_rappel_event(row) for row in rows]
                await session.execute(
                    sa.insert(outbox),
                    [
                        {
                            "event_id": event.id,
                            "type": event.type,
                            "payload": orjson.loads(event.model_dump_json()),
                        }
                        for event in events
                    ],
                )
        total += len(rows)
        if len(rows) < batch_size:
            if total:
                log.info("planning.rappels_envoyes", count=total)
            return total
