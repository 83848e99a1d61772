"""The rules of interventions: creation, visibility, the state machine, evaluation."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shared.db import utcnow
from shared.driver import driver_add_event
from shared.errors import Problem, conflict, forbidden, not_found, unprocessable
from shared.events import Event
from shared.security import CurrentUser, Role
from shared.versioning import check_version
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.common import PRODUCER, changes, publish, snapshot
from interventions.database import SCHEMA
from interventions.equipements import repository as equipements_repo
from interventions.equipements import service as equipements
from interventions.equipements.models import StatutEquipement
from interventions.equipements.schemas import EquipementRead
from interventions.historique import service as historique
from interventions.historique.models import ActionHistorique as A
from interventions.interventions import repository
from interventions.interventions.access import visible_to
from interventions.interventions.models import Intervention
from interventions.interventions.models import StatutIntervention as St
from interventions.interventions.repository import InterventionFilters, SortKey
from interventions.interventions.schemas import (
    CLIENT_FIELDS,
    STAFF_FIELDS,
    TECHNICIEN_FIELDS,
    InterventionCreate,
    InterventionRead,
    InterventionUpdate,
    Transition,
)
from interventions.techniciens.service import technicien_affectable

STAFF = frozenset({Role.admin, Role.responsable})
STAFF_AND_TECHNICIEN = frozenset({Role.admin, Role.responsable, Role.technicien})


@dataclass(frozen=True, slots=True)
class Move:
    roles: frozenset[Role]
    action: A
    event: str


# API.md's state machine: (from, to) -> who may, the audit action, the event. Any pair
# missing here answers 409; ouverte -> affectee goes through `affecter`, cloturee ->
# archivee only through the archival task (`archiver`).
MOVES: dict[tuple[St, St], Move] = {
    (St.affectee, St.ouverte): Move(STAFF, A.affectation, "intervention.statut_change"),
    (St.affectee, St.en_cours): Move(
        STAFF_AND_TECHNICIEN, A.debut_intervention, "intervention.statut_change"
    ),
    (St.en_cours, St.en_attente): Move(
        STAFF_AND_TECHNICIEN, A.changement_statut, "intervention.statut_change"
    ),
    (St.en_attente, St.en_cours): Move(
        STAFF_AND_TECHNICIEN, A.changement_statut, "intervention.statut_change"
    ),
    (St.en_cours, St.cloturee): Move(
        STAFF_AND_TECHNICIEN, A.fin_intervention, "intervention.cloturee"
    ),
    (St.ouverte, St.annulee): Move(STAFF | {Role.client}, A.annulation, "intervention.annulee"),
    (St.affectee, St.annulee): Move(STAFF, A.annulation, "intervention.annulee"),
    (St.en_attente, St.annulee): Move(STAFF, A.annulation, "intervention.annulee"),
}
FINAL = frozenset({St.annulee, St.archivee})


async def get_for_user(
    session: AsyncSession, user: CurrentUser, intervention_id: int, *, for_update: bool = False
) -> Intervention:
    """The intervention if `user` may see it (404 otherwise); row-locked with for_update."""
    query = sa.select(Intervention).where(Intervention.id == intervention_id, visible_to(user))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = (await session.scalars(query)).one_or_none()
    if found is None:
        raise not_found("intervention")
    return found


def read(intervention: Intervention) -> dict[str, Any]:
    return snapshot(InterventionRead, intervention)


def read_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the table (column -> value) as the API shows it, like `read`."""
    return snapshot(InterventionRead, row)


async def get_read_for_user(
    session: AsyncSession, user: CurrentUser, intervention_id: int
) -> dict[str, Any]:
    """GET by id: the API representation if `user` may see it (404 otherwise)."""
    row = await repository.get_visible(session, user, intervention_id)
    if row is None:
        raise not_found("intervention")
    return read_row(row)


async def list_for_user(
    session: AsyncSession,
    user: CurrentUser,
    filters: InterventionFilters,
    after: SortKey | None,
    limit: int,
) -> Sequence[Intervention]:
    """A page of what `user` may see; naming someone else's client/equipment is 404."""
    if user.role == Role.client:
        if filters.client_id is not None and filters.client_id != user.client_id:
            raise not_found("client")
        if filters.equipement_id is not None:
            await equipements.get_for_user(session, user, filters.equipement_id)
    if user.role == Role.technicien and filters.technicien_id not in (None, user.technicien_id):
        raise not_found("technician")
    return await repository.page(session, user, filters, after, limit)


async def create(
    session: AsyncSession, user: CurrentUser, data: InterventionCreate
) -> dict[str, Any]:
    """Open an intervention; its API representation (JSON-ready), which is also the audit
    row's new value and the event's data."""
    if user.role not in (Role.admin, Role.responsable, Role.client):
        raise forbidden()
    equipement = await repository.equipement_state(session, data.equipement_id)
    # the visibility rule of equipements.service.get_for_user for the roles that create
    if equipement is None or (user.role == Role.client and equipement.client_id != user.client_id):
        raise not_found("equipment")
    if not equipement.active or equipement.statut == StatutEquipement.retire:
        raise conflict("this equipment is retired")
    client_id = data.client_id if data.client_id is not None else equipement.client_id
    if client_id != equipement.client_id:
        raise unprocessable("client_id must be the equipment's owner", field="client_id")
    now = utcnow()
    if data.date_limite is not None and data.date_limite < now:
        raise unprocessable("date_limite is in the past", field="date_limite")
    values = data.model_dump(exclude={"client_id"})
    values.update(client_id=client_id, statut=St.ouverte, date_creation=now, version=1)
    after = read_row(await repository.insert(session, values))
    await historique.record(
        session,
        intervention_id=after["id"],
        action=A.creation,
        description="Création intervention",
        ancienne_valeur=None,
        nouvelle_valeur=after,
        user_id=user.id,
        inserted_now=True,
    )
    # common.publish's event, written on the driver connection (same outbox row)
    event = Event.new(
        "intervention.created", producer=PRODUCER, aggregate_id=after["id"], data=after
    )
    await driver_add_event(session, SCHEMA, event)
    return after


async def update(
    session: AsyncSession,
    user: CurrentUser,
    intervention_id: int,
    data: InterventionUpdate,
    if_match: str | None,
) -> Intervention:
    """Descriptive fields only, by role; never `statut`."""
    intervention = await get_for_user(session, user, intervention_id, for_update=True)
    check_version(if_match, intervention.version)
    fields = data.model_dump(exclude_unset=True)
    allowed = {
        Role.admin: STAFF_FIELDS,
        Role.responsable: STAFF_FIELDS,
        Role.technicien: TECHNICIEN_FIELDS,
        Role.client: CLIENT_FIELDS,
    }[user.role]
    refused = sorted(set(fields) - allowed)
    if refused:
        raise Problem(403, f"your role may not edit: {', '.join(refused)}", fields=refused)
    if intervention.statut in FINAL or intervention.statut == St.cloturee:
        raise conflict(f"an intervention {intervention.statut.value} is read-only")
    if user.role == Role.client and intervention.statut != St.ouverte:
        raise conflict("a client may edit its request only while it is ouverte")
    before = read(intervention)
    for field, value in fields.items():
        setattr(intervention, field, value)
    await session.flush()
    after = read(intervention)
    old, new = changes(before, after)
    if new:
        await historique.record(
            session,
            intervention_id=intervention.id,
            action=A.modification,
            description="Modification intervention: " + ", ".join(sorted(new)),
            ancienne_valeur=old,
            nouvelle_valeur=new,
            user_id=user.id,
        )
        await publish(session, "intervention.updated", intervention.id, {**after, "changes": new})
    return intervention


async def _move(
    session: AsyncSession,
    intervention: Intervention,
    to: St,
    *,
    action: A,
    event: str,
    user_id: int | None,
    description: str,
    commentaire: str | None = None,
) -> Intervention:
    """Apply a checked move: one audit row and one event, in the caller's transaction."""
    before = read(intervention)
    intervention.statut = to
    await session.flush()
    after = read(intervention)
    old, new = changes(before, after)
    if commentaire:
        new["commentaire"] = commentaire
    await historique.record(
        session,
        intervention_id=intervention.id,
        action=action,
        description=description,
        ancienne_valeur=old,
        nouvelle_valeur=new,
        user_id=user_id,
    )
    await publish(
        session,
        event,
        intervention.id,
        {
            **after,
            "ancien_statut": before["statut"],
            **({"commentaire": commentaire} if commentaire else {}),
        },
    )
    return intervention


def _hours(start: dt.datetime, end: dt.datetime) -> decimal.Decimal:
    seconds = decimal.Decimal(str((end - start).total_seconds()))
    return (seconds / 3600).quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


async def transition(
    session: AsyncSession, user: CurrentUser, intervention_id: int, body: Transition
) -> Intervention:
    """One move of the state machine by `user`; 409 for any move not allowed to it now."""
    intervention = await get_for_user(session, user, intervention_id, for_update=True)
    frm, to = intervention.statut, body.statut
    move = MOVES.get((frm, to))
    if move is None or user.role not in move.roles:
        hint = ""
        if (frm, to) == (St.ouverte, St.affectee):
            hint = " (use POST /interventions/{id}/affectation)"
        elif (frm, to) == (St.cloturee, St.archivee):
            hint = " (only the archival task archives)"
        raise conflict(
            f"{user.role.value} may not move an intervention from {frm.value} to {to.value}{hint}",
            statut=frm.value,
        )
    now = utcnow()
    if body.diagnostic is not None:
        intervention.diagnostic = body.diagnostic
    if to == St.en_cours and intervention.date_debut is None:
        intervention.date_debut = now
    if to == St.ouverte:
        intervention.technicien_id = None
    if to == St.cloturee:
        solution = body.solution or intervention.solution
        if not solution:
            raise unprocessable("a solution is required to close an intervention", field="solution")
        intervention.solution = solution
        intervention.date_fin = now
        if intervention.duree_reelle is None and intervention.date_debut is not None:
            intervention.duree_reelle = _hours(intervention.date_debut, now)
        await _maintenance_faite(session, intervention, now)
    elif body.solution is not None:
        intervention.solution = body.solution
    return await _move(
        session,
        intervention,
        to,
        action=move.action,
        event=move.event,
        user_id=user.id,
        description=f"Statut {frm.value} -> {to.value}",
        commentaire=body.commentaire,
    )


async def _maintenance_faite(
    session: AsyncSession, intervention: Intervention, date_fin: dt.datetime
) -> None:
    """Closing a generated preventive intervention moves the equipment's schedule on."""
    if intervention.date_echeance_maintenance is None:
        return
    equipement = await equipements_repo.get(session, intervention.equipement_id, for_update=True)
    if equipement is None:
        return
    before = snapshot(EquipementRead, equipement)
    equipement.derniere_maintenance = date_fin
    if equipement.intervalle_maintenance_jours:
        equipement.prochaine_maintenance = date_fin.date() + dt.timedelta(
            days=equipement.intervalle_maintenance_jours
        )
    else:
        equipement.prochaine_maintenance = None
    await session.flush()
    after = snapshot(EquipementRead, equipement)
    _, new = changes(before, after)
    await publish(session, "equipement.updated", equipement.id, {**after, "changes": new})


async def affecter(
    session: AsyncSession, user: CurrentUser, intervention_id: int, technicien_id: int
) -> Intervention:
    """ouverte -> affectee with a technician (or another technician while affectee)."""
    intervention = await get_for_user(session, user, intervention_id, for_update=True)
    if intervention.statut not in (St.ouverte, St.affectee):
        raise conflict(
            f"an intervention {intervention.statut.value} cannot be assigned",
            statut=intervention.statut.value,
        )
    await technicien_affectable(session, technicien_id)
    if intervention.statut == St.affectee and intervention.technicien_id == technicien_id:
        return intervention
    frm = intervention.statut
    intervention.technicien_id = technicien_id
    return await _move(
        session,
        intervention,
        St.affectee,
        action=A.affectation,
        event="intervention.affectee",
        user_id=user.id,
        description=f"Affectation au technicien {technicien_id} ({frm.value} -> affectee)",
    )


async def evaluer(
    session: AsyncSession, user: CurrentUser, intervention_id: int, note: int
) -> Intervention:
    """The owning client rates a closed intervention, once."""
    if user.role != Role.client:
        raise forbidden("only the client rates its intervention")
    intervention = await get_for_user(session, user, intervention_id, for_update=True)
    if intervention.statut != St.cloturee:
        raise conflict(
            "only a cloturee intervention can be rated", statut=intervention.statut.value
        )
    if intervention.satisfaction_client is not None:
        raise conflict("this intervention has already been rated")
    intervention.satisfaction_client = note
    await session.flush()
    await historique.record(
        session,
        intervention_id=intervention.id,
        action=A.modification,
        description="Évaluation du client",
        ancienne_valeur={"satisfaction_client": None},
        nouvelle_valeur={"satisfaction_client": note},
        user_id=user.id,
    )
    await publish(session, "intervention.evaluee", intervention.id, read(intervention))
    return intervention


async def archiver(session: AsyncSession, intervention: Intervention) -> Intervention:
    """cloturee -> archivee: the archival task's move (no user)."""
    if intervention.statut != St.cloturee:
        raise conflict("only a cloturee intervention can be archived")
    return await _move(
        session,
        intervention,
        St.archivee,
        action=A.changement_statut,
        event="intervention.archivee",
        user_id=None,
        description="Archivage automatique (clôturée depuis plus de 2 ans)",
    )
