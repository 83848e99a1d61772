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

from shared.db import Database
from shared.errors import Problem, conflict, forbidden, not_found
from shared.logging import get_logger
from shared.pagination import Page
from shared.security import CurrentUser, Role
from shared.uow import UnitOfWork, unit_of_work
from shared.versioning import check_version
from sqlalchemy.exc import IntegrityError

from interventions.database import SCHEMA
from interventions.historique.service import record
from interventions.interventions.models import Intervention, StatutIntervention
from interventions.interventions.service import get_for_user
from interventions.planning import repository
from interventions.planning.models import Planning
from interventions.planning.schemas import PlanningPut, PlanningRead
from shared import clock

log = get_logger(__name__)
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


def snapshot(planning: Planning | dict[str, Any]) -> dict[str, Any]:
    """The slot as JSON-ready values, for audit rows and events."""
    get = planning.get if isinstance(planning, dict) else planning.__getattribute__
    return {
        "id": get("id"),
        "intervention_id": get("intervention_id"),
        "technicien_id": get("technicien_id"),
        "date_debut": get("date_debut").isoformat(),
        "date_fin": get("date_fin").isoformat(),
        "creneau": get("creneau"),
        "notes_planning": get("notes_planning"),
        "confirme": get("confirme"),
        "rappel_envoye": get("rappel_envoye"),
        "statut": get("statut"),
    }


async def liberer(uow: UnitOfWork, intervention: Intervention, *, annule: bool) -> None:
    """Cancelling an intervention cancels its slot: unconfirmed, never reminded, the
    technician free for another booking at once; audited and published (`planning.annule`).
    (Sent back to ouverte, the slot loses its technician through the planning trigger.)"""
    if not annule:
        return
    row = await repository.release(uow.session, intervention.id)
    if row is None:
        return
    after = snapshot(row)
    await record(
        uow,
        intervention_id=intervention.id,
        action="planification",
        description="Planification annulée (intervention annulée)",
        ancienne_valeur={"statut": "planifie", "confirme": row["confirme"]},
        nouvelle_valeur=after,
        user_id=None,
    )
    uow.emit("planning.annule", row["id"], {**after, "client_id": intervention.client_id})


async def reaffecter(uow: UnitOfWork, intervention: Intervention) -> None:
    """After a reassignment (flushed): the slot now names the new technician, unconfirmed
    (the planning trigger moved it, so the old technician is free); published as
    `planning.planifie` so that calendars follow."""
    planning = await repository.get_by_intervention(uow.session, intervention.id)
    if planning is None or planning.statut == "annule":
        return
    await uow.session.refresh(planning)
    uow.emit(
        "planning.planifie",
        planning.id,
        {**snapshot(planning), "client_id": intervention.client_id},
    )


def _check_planifiable(intervention: Intervention) -> None:
    if intervention.statut not in PLANIFIABLES:
        raise conflict(f"an intervention in statut {intervention.statut} cannot be planned")


async def get(uow: UnitOfWork, user: CurrentUser, intervention_id: int) -> Planning:
    """The slot of an intervention the user can see (404 otherwise, or when not planned)."""
    await get_for_user(uow, user, intervention_id)
    planning = await repository.get_by_intervention(uow.session, intervention_id)
    if planning is None:
        raise not_found("planning")
    return planning


async def planifier(
    uow: UnitOfWork,
    user: CurrentUser,
    intervention_id: int,
    data: PlanningPut,
    *,
    if_match: str | None = None,
) -> tuple[Planning, bool]:
    """Create or replace the slot of an intervention; True when it was created."""
    # The intervention's row lock serialises every planning change of this intervention.
    intervention = await get_for_user(uow, user, intervention_id, for_update=True)
    _check_planifiable(intervention)
    planning = await repository.get_by_intervention(uow.session, intervention_id, for_update=True)
    if planning is not None:
        check_version(if_match, planning.version)
    if intervention.technicien_id is not None and await repository.confirmed_overlap_exists(
        uow.session,
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
        uow.session.add(planning)
    elif planning.date_debut != data.date_debut or planning.date_fin != data.date_fin:
        planning.confirme = False
        planning.rappel_envoye = False
    planning.technicien_id = intervention.technicien_id
    planning.date_debut = data.date_debut
    planning.date_fin = data.date_fin
    planning.creneau = data.creneau
    planning.notes_planning = data.notes_planning
    intervention.date_planifiee = data.date_debut
    await _flush(uow)
    after = snapshot(planning)
    await record(
        uow,
        intervention_id=intervention_id,
        action="planification",
        description="Planification créée" if created else "Planification modifiée",
        ancienne_valeur=before,
        nouvelle_valeur=after,
        user_id=user.id,
    )
    uow.emit("planning.planifie", planning.id, {**after, "client_id": intervention.client_id})
    return planning, created


async def confirmer(uow: UnitOfWork, user: CurrentUser, intervention_id: int) -> Planning:
    """Confirm the slot (staff, or the assigned technician); confirming twice is a no-op."""
    if user.role not in (Role.admin, Role.responsable, Role.technicien):
        raise forbidden()
    # For a technician, get_for_user answers 404 unless the intervention is assigned to it.
    intervention = await get_for_user(uow, user, intervention_id, for_update=True)
    planning = await repository.get_by_intervention(uow.session, intervention_id, for_update=True)
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
    await _flush(uow)
    after = snapshot(planning)
    await record(
        uow,
        intervention_id=intervention_id,
        action="planification",
        description="Planification confirmée",
        ancienne_valeur=before,
        nouvelle_valeur=after,
        user_id=user.id,
    )
    uow.emit("planning.confirme", planning.id, {**after, "client_id": intervention.client_id})
    return planning


async def _flush(uow: UnitOfWork) -> None:
    """Flush, turning the exclusion constraint's refusal into a clear 409."""
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == "23P01":
            raise conflict(OVERLAP_DETAIL) from exc
        raise


async def calendrier(
    uow: UnitOfWork,
    user: CurrentUser,
    *,
    technicien_id: int | None,
    du: dt.datetime | None,
    au: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
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
    return await repository.Calendrier(uow).page(
        cursor=cursor,
        limit=limit,
        where=repository.calendar_conditions(technicien_id=technicien_id, du=du, au=au),
        item=PlanningRead.model_validate,
    )


def _rappel_data(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "planning_id": row["id"],
        "intervention_id": row["intervention_id"],
        "technicien_id": row["technicien_id"],
        "technicien_user_id": row["technicien_user_id"],
        "client_id": row["client_id"],
        "date_debut": row["date_debut"].isoformat(),
        "date_fin": row["date_fin"].isoformat(),
        # shown to people: the day and time in the company's time zone
        "date_debut_locale": row["date_debut"].astimezone(clock.timezone()).isoformat(),
        # who must be told: the technician (its user) and the client (its users)
        "destinataires": ["technicien", "client"],
    }


async def envoyer_rappels(db: Database, *, batch_size: int) -> int:
    """Remind every confirmed slot starting within 24 h exactly once; returns how many.

    Each batch is one short transaction that both marks its slots `rappel_envoye` and
    writes their `planning.rappel` events to the outbox: a worker killed mid-run leaves
    every slot either reminded with its event committed, or untouched for the next run.
    """
    total = 0
    while True:
        async with unit_of_work(db, schema=SCHEMA) as uow:
            rows = await repository.claim_due_reminders(
                uow.session, now=clock.utcnow(), horizon=RAPPEL_HORIZON, limit=batch_size
            )
            for row in rows:
                uow.emit("planning.rappel", row["id"], _rappel_data(row))
        total += len(rows)
        if len(rows) < batch_size:
            if total:
                log.info("planning.rappels_envoyes", count=total)
            return total
