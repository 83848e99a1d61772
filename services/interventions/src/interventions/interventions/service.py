"""The rules of interventions: creation, visibility, the state machine, evaluation."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa
from shared.errors import Problem, conflict, forbidden, not_found, unprocessable
from shared.events import Event
from shared.logging import get_logger
from shared.pagination import Page
from shared.security import CurrentUser, Role
from shared.uow import UnitOfWork
from shared.versioning import check_version

from interventions.common import changes, snapshot
from interventions.config import Settings
from interventions.equipements import repository as equipements_repo
from interventions.equipements import service as equipements
from interventions.equipements.models import StatutEquipement
from interventions.equipements.schemas import EquipementRead
from interventions.historique import service as historique
from interventions.historique.models import ActionHistorique as A
from interventions.interventions import repository, workflow
from interventions.interventions.access import visible_to
from interventions.interventions.models import Intervention
from interventions.interventions.models import StatutIntervention as St
from interventions.interventions.repository import InterventionFilters
from interventions.interventions.schemas import (
    CLIENT_FIELDS,
    CORRECTION_FIELDS,
    STAFF_FIELDS,
    TECHNICIEN_FIELDS,
    InterventionCreate,
    InterventionRead,
    InterventionUpdate,
    Transition,
)
from interventions.techniciens.service import technicien_affectable
from shared import clock

log = get_logger(__name__)
FINAL = workflow.FINAL


async def get_for_user(
    uow: UnitOfWork, user: CurrentUser, intervention_id: int, *, for_update: bool = False
) -> Intervention:
    """The intervention if `user` may see it (404 otherwise); row-locked with for_update."""
    query = sa.select(Intervention).where(Intervention.id == intervention_id, visible_to(user))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = (await uow.session.scalars(query)).one_or_none()
    if found is None:
        raise not_found("intervention")
    return found


def read(intervention: Intervention) -> dict[str, Any]:
    return snapshot(InterventionRead, intervention)


def read_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the table (column -> value) as the API shows it, like `read`."""
    return snapshot(InterventionRead, row)


async def get_read_for_user(
    uow: UnitOfWork, user: CurrentUser, intervention_id: int
) -> dict[str, Any]:
    """GET by id: the API representation if `user` may see it (404 otherwise)."""
    row = await repository.get_visible(uow, user, intervention_id)
    if row is None:
        raise not_found("intervention")
    return read_row(row)


async def list_for_user(
    uow: UnitOfWork,
    user: CurrentUser,
    filters: InterventionFilters,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """A page of what `user` may see; naming someone else's client/equipment is 404."""
    if user.role == Role.client:
        if filters.client_id is not None and filters.client_id != user.client_id:
            raise not_found("client")
        if filters.equipement_id is not None:
            await equipements.get_for_user(uow, user, filters.equipement_id)
    if user.role == Role.technicien and filters.technicien_id not in (None, user.technicien_id):
        raise not_found("technician")
    return await repository.Interventions(uow).page(
        cursor=cursor,
        limit=limit,
        where=repository.conditions(filters),
        user=user,
        item=InterventionRead.model_validate,
    )


async def create(uow: UnitOfWork, user: CurrentUser, data: InterventionCreate) -> dict[str, Any]:
    """Open an intervention; its API representation (JSON-ready), which is also the audit
    row's new value and the event's data."""
    if user.role not in (Role.admin, Role.responsable, Role.client):
        raise forbidden()
    equipement = await repository.equipement_state(uow.session, data.equipement_id)
    # the visibility rule of equipements.service.get_for_user for the roles that create
    if equipement is None or (user.role == Role.client and equipement.client_id != user.client_id):
        raise not_found("equipment")
    if not equipement.active or equipement.statut == StatutEquipement.retire:
        raise conflict("this equipment is retired")
    client_id = data.client_id if data.client_id is not None else equipement.client_id
    if client_id != equipement.client_id:
        raise unprocessable("client_id must be the equipment's owner", field="client_id")
    now = clock.utcnow()
    if data.date_limite is not None and data.date_limite < now:
        raise unprocessable("date_limite is in the past", field="date_limite")
    values = data.model_dump(exclude={"client_id"})
    values.update(
        client_id=client_id,
        statut=St.ouverte,
        date_creation=now,
        version=1,
        created_at=now,
        updated_at=now,
        sous_garantie=sous_garantie(equipement.date_fin_garantie, now),
    )
    after = read_row(await repository.insert(uow.session, values))
    await historique.record(
        uow,
        intervention_id=after["id"],
        action=A.creation,
        description="Création intervention",
        ancienne_valeur=None,
        nouvelle_valeur=after,
        user_id=user.id,
        inserted_now=True,
    )
    uow.emit("intervention.created", after["id"], after)
    return after


def sous_garantie(date_fin_garantie: dt.date | None, now: dt.datetime) -> bool:
    """Whether an equipment whose warranty ends on `date_fin_garantie` is covered today
    (the local day: the warranty's last day counts in full)."""
    return date_fin_garantie is not None and clock.local_date(now) <= date_fin_garantie


async def update(
    uow: UnitOfWork,
    user: CurrentUser,
    intervention_id: int,
    data: InterventionUpdate,
    if_match: str | None,
    settings: Settings,
) -> Intervention:
    """Descriptive fields only, by role; never `statut`. On a cloturee intervention, staff
    may still correct its report, periods, duration and cost (see `corriger`)."""
    intervention = await get_for_user(uow, user, intervention_id, for_update=True)
    fields = data.model_dump(exclude_unset=True)
    if intervention.statut == St.cloturee:
        return await corriger(uow, user, intervention, fields, if_match, settings)
    check_version(if_match, intervention.version)
    allowed = {
        Role.admin: STAFF_FIELDS,
        Role.responsable: STAFF_FIELDS,
        Role.technicien: TECHNICIEN_FIELDS,
        Role.client: CLIENT_FIELDS,
    }[user.role]
    refused = sorted(set(fields) - allowed)
    if refused:
        raise Problem(403, f"your role may not edit: {', '.join(refused)}", fields=refused)
    if intervention.statut in workflow.READ_ONLY:
        raise conflict(f"an intervention {intervention.statut.value} is read-only")
    if user.role == Role.client and intervention.statut != St.ouverte:
        raise conflict("a client may edit its request only while it is ouverte")
    if "periodes" in fields:
        raise conflict("working periods are corrected once the intervention is cloturee")
    before = read(intervention)
    for field, value in fields.items():
        setattr(intervention, field, value)
    await uow.session.flush()
    after = read(intervention)
    old, new = changes(before, after)
    if new:
        await historique.record(
            uow,
            intervention_id=intervention.id,
            action=A.modification,
            description="Modification intervention: " + ", ".join(sorted(new)),
            ancienne_valeur=old,
            nouvelle_valeur=new,
            user_id=user.id,
        )
        uow.emit("intervention.updated", intervention.id, {**after, "changes": new})
    return intervention


async def corriger(
    uow: UnitOfWork,
    user: CurrentUser,
    intervention: Intervention,
    fields: dict[str, Any],
    if_match: str | None,
    settings: Settings,
) -> Intervention:
    """A correction after closing: staff only, `If-Match` required (428), the fields of
    CORRECTION_FIELDS only; audited and published as `intervention.corrigee`.

    Corrected periods give `duree_reelle` and `duree_attente` again (unless `duree_reelle`
    is given too); a new `duree_reelle` gives the labour cost again, and `cout_reel`
    follows (labour + parts) unless it is given itself."""
    if not user.is_staff:
        raise forbidden("only staff correct a cloturee intervention")
    if if_match is None:
        raise Problem(428, "If-Match is required to correct a cloturee intervention")
    check_version(if_match, intervention.version)
    refused = sorted(set(fields) - CORRECTION_FIELDS)
    if refused:
        raise conflict(
            f"a cloturee intervention takes corrections of {', '.join(sorted(CORRECTION_FIELDS))}"
            f" only, not: {', '.join(refused)}",
            fields=refused,
        )
    before = read(intervention)
    if "periodes" in fields:
        periodes = data_periodes(fields.pop("periodes"))
        problem = workflow.valid_periods(periodes)
        if problem is not None:
            raise unprocessable(problem, field="periodes")
        intervention.periodes = periodes
        duree, attente = workflow.durations(periodes)
        intervention.duree_attente = attente
        fields.setdefault("duree_reelle", duree)
    for field in ("solution", "rapport", "notes_techniques", "diagnostic"):
        if field in fields:
            setattr(intervention, field, fields[field])
    if "duree_reelle" in fields:
        intervention.duree_reelle = fields["duree_reelle"]
        intervention.cout_main_oeuvre = workflow.labour_cost(
            intervention.duree_reelle, settings.taux(intervention.technicien_id)
        )
        intervention.cout_reel = workflow.total_cost(
            intervention.cout_main_oeuvre, intervention.cout_pieces
        )
    if "cout_reel" in fields:
        intervention.cout_reel = fields["cout_reel"]
    await uow.session.flush()
    after = read(intervention)
    old, new = changes(before, after)
    if new:
        await record_correction(uow, intervention, old, new, after, user.id, "Correction")
    return intervention


def data_periodes(value: Any) -> list[dict[str, Any]]:
    """Corrected periods as stored: times ISO 8601 in UTC."""
    result = []
    for p in value:
        periode = dict(p)
        for key in ("debut", "fin"):
            moment = periode.get(key)
            if isinstance(moment, dt.datetime):
                periode[key] = moment.astimezone(dt.UTC).isoformat()
        result.append(periode)
    return result


async def record_correction(
    uow: UnitOfWork,
    intervention: Intervention,
    old: dict[str, Any],
    new: dict[str, Any],
    after: dict[str, Any],
    user_id: int | None,
    what: str,
) -> None:
    """One audit row (`modification`, before/after) and one `intervention.corrigee`."""
    await historique.record(
        uow,
        intervention_id=intervention.id,
        action=A.modification,
        description=f"{what} après clôture: " + ", ".join(sorted(new)),
        ancienne_valeur=old,
        nouvelle_valeur=new,
        user_id=user_id,
    )
    uow.emit("intervention.corrigee", intervention.id, {**after, "avant": old, "apres": new})


async def _move(
    uow: UnitOfWork,
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
    await uow.session.flush()
    after = read(intervention)
    old, new = changes(before, after)
    new.pop("periodes", None)
    old.pop("periodes", None)
    if commentaire:
        new["commentaire"] = commentaire
    await historique.record(
        uow,
        intervention_id=intervention.id,
        action=action,
        description=description,
        ancienne_valeur=old,
        nouvelle_valeur=new,
        user_id=user_id,
    )
    uow.emit(
        event,
        intervention.id,
        {
            **after,
            "ancien_statut": before["statut"],
            **({"commentaire": commentaire} if commentaire else {}),
        },
    )
    return intervention


async def transition(
    uow: UnitOfWork,
    user: CurrentUser,
    intervention_id: int,
    body: Transition,
    settings: Settings,
) -> Intervention:
    """One move of the state machine by `user`; 409 for any move not allowed to it now."""
    intervention = await get_for_user(uow, user, intervention_id, for_update=True)
    frm, to = intervention.statut, body.statut
    move = workflow.move_for(frm, to, user.role)
    if move is None:
        raise conflict(
            f"{user.role.value} may not move an intervention from {frm.value} to {to.value}"
            + workflow.refusal_hint(frm, to),
            statut=frm.value,
        )
    now = clock.utcnow()
    if body.diagnostic is not None:
        intervention.diagnostic = body.diagnostic
    if to == St.cloturee:
        solution = body.solution or intervention.solution
        if not solution:
            raise unprocessable("a solution is required to close an intervention", field="solution")
        intervention.solution = solution
    elif body.solution is not None:
        intervention.solution = body.solution
    motif = (body.motif_attente or "autre") if to == St.en_attente else None
    intervention.periodes = workflow.periods_after_move(intervention.periodes, to, now, motif)
    intervention.motif_attente = motif
    if to == St.en_cours:
        if intervention.date_debut is None:
            intervention.date_debut = now
        if intervention.date_prise_en_charge is None:
            intervention.date_prise_en_charge = now
    if to == St.ouverte:
        intervention.technicien_id = None
    if intervention.periodes:
        intervention.duree_reelle, intervention.duree_attente = workflow.durations(
            intervention.periodes
        )
    if to == St.cloturee:
        intervention.date_fin = now
        intervention.cout_main_oeuvre = workflow.labour_cost(
            intervention.duree_reelle, settings.taux(intervention.technicien_id)
        )
        intervention.cout_reel = workflow.total_cost(
            intervention.cout_main_oeuvre, intervention.cout_pieces
        )
        await _maintenance_faite(uow, intervention, now, user.id)
    if to in (St.annulee, St.ouverte):
        await liberer_planning(uow, intervention, annule=to == St.annulee)
    return await _move(
        uow,
        intervention,
        to,
        action=move.action,
        event=move.event,
        user_id=user.id,
        description=f"Statut {frm.value} -> {to.value}",
        commentaire=body.commentaire,
    )


async def liberer_planning(uow: UnitOfWork, intervention: Intervention, *, annule: bool) -> None:
    """Free the technician booked on the intervention's slot: a cancelled intervention's
    slot becomes `annule` (unconfirmed, never reminded); one sent back to ouverte keeps its
    dates, unconfirmed and with no technician. Publishes `planning.annule` for a cancelled
    slot."""
    # imported here: planning builds on this module
    from interventions.planning.service import liberer

    await liberer(uow, intervention, annule=annule)


async def _maintenance_faite(
    uow: UnitOfWork, intervention: Intervention, date_fin: dt.datetime, user_id: int
) -> None:
    """Closing a generated preventive intervention moves the equipment's schedule on."""
    if intervention.date_echeance_maintenance is None:
        return
    equipement = await equipements_repo.get(
        uow.session, intervention.equipement_id, for_update=True
    )
    if equipement is None:
        return
    before = snapshot(EquipementRead, equipement)
    equipement.derniere_maintenance = date_fin
    if equipement.intervalle_maintenance_jours:
        equipement.prochaine_maintenance = clock.local_date(date_fin) + dt.timedelta(
            days=equipement.intervalle_maintenance_jours
        )
    else:
        equipement.prochaine_maintenance = None
    await uow.session.flush()
    after = snapshot(EquipementRead, equipement)
    old, new = changes(before, after)
    await historique.record_equipement(
        uow,
        equipement_id=equipement.id,
        action="modification",
        description=f"Maintenance faite (intervention {intervention.id})",
        ancienne_valeur=old,
        nouvelle_valeur=new,
        user_id=user_id,
    )
    uow.emit("equipement.updated", equipement.id, {**after, "changes": new})


async def affecter(
    uow: UnitOfWork, user: CurrentUser, intervention_id: int, technicien_id: int
) -> Intervention:
    """ouverte -> affectee with a technician (or another technician while affectee)."""
    intervention = await get_for_user(uow, user, intervention_id, for_update=True)
    if intervention.statut not in workflow.ASSIGNABLE:
        raise conflict(
            f"an intervention {intervention.statut.value} cannot be assigned",
            statut=intervention.statut.value,
        )
    await technicien_affectable(uow.session, technicien_id)
    if intervention.statut == St.affectee and intervention.technicien_id == technicien_id:
        return intervention
    frm = intervention.statut
    ancien_technicien = intervention.technicien_id
    intervention.technicien_id = technicien_id
    if intervention.date_affectation is None:
        intervention.date_affectation = clock.utcnow()
    await _move(
        uow,
        intervention,
        St.affectee,
        action=A.affectation,
        event="intervention.affectee",
        user_id=user.id,
        description=f"Affectation au technicien {technicien_id} ({frm.value} -> affectee)",
    )
    if ancien_technicien is not None:
        # the slot moved to the new technician, unconfirmed (the planning trigger): the old
        # one is free at once
        await reaffecter_planning(uow, intervention)
    return intervention


async def reaffecter_planning(uow: UnitOfWork, intervention: Intervention) -> None:
    from interventions.planning.service import reaffecter

    await reaffecter(uow, intervention)


async def evaluer(
    uow: UnitOfWork, user: CurrentUser, intervention_id: int, note: int
) -> Intervention:
    """The owning client rates a closed intervention, once."""
    if user.role != Role.client:
        raise forbidden("only the client rates its intervention")
    intervention = await get_for_user(uow, user, intervention_id, for_update=True)
    if intervention.statut != St.cloturee:
        raise conflict(
            "only a cloturee intervention can be rated", statut=intervention.statut.value
        )
    if intervention.satisfaction_client is not None:
        raise conflict("this intervention has already been rated")
    intervention.satisfaction_client = note
    await uow.session.flush()
    await historique.record(
        uow,
        intervention_id=intervention.id,
        action=A.modification,
        description="Évaluation du client",
        ancienne_valeur={"satisfaction_client": None},
        nouvelle_valeur={"satisfaction_client": note},
        user_id=user.id,
    )
    uow.emit("intervention.evaluee", intervention.id, read(intervention))
    return intervention


async def archiver(uow: UnitOfWork, intervention: Intervention) -> Intervention:
    """cloturee -> archivee: the archival task's move (no user)."""
    if intervention.statut != St.cloturee:
        raise conflict("only a cloturee intervention can be archived")
    return await _move(
        uow,
        intervention,
        St.archivee,
        action=A.changement_statut,
        event="intervention.archivee",
        user_id=None,
        description="Archivage automatique (clôturée depuis plus de 2 ans)",
    )


async def on_piece_consommee(uow: UnitOfWork, event: Event) -> None:
    """inventory's `piece.consommee` (a return has a negative `montant`): the parts cost of
    the intervention, and its `cout_reel` once closed (then audited and published as
    `intervention.corrigee`). Archived interventions stay frozen; unknown ones are skipped."""
    data = event.data
    iid = data.get("intervention_id")
    try:
        montant = decimal.Decimal(str(data.get("montant")))
    except decimal.InvalidOperation:
        montant = decimal.Decimal("NaN")
    if not isinstance(iid, int) or not montant.is_finite():
        log.warning("intervention.piece_malformed", event_id=str(event.id))
        return
    intervention = (
        await uow.session.scalars(
            sa.select(Intervention)
            .where(Intervention.id == iid)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if intervention is None or intervention.statut == St.archivee:
        log.warning("intervention.piece_ignored", event_id=str(event.id), intervention_id=iid)
        return
    before = read(intervention)
    pieces = (intervention.cout_pieces or decimal.Decimal(0)) + montant
    intervention.cout_pieces = max(pieces, decimal.Decimal(0)).quantize(workflow.HUNDREDTH)
    if intervention.statut == St.cloturee:
        intervention.cout_reel = workflow.total_cost(
            intervention.cout_main_oeuvre, intervention.cout_pieces
        )
    await uow.session.flush()
    after = read(intervention)
    old, new = changes(before, after)
    if not new:
        return
    if intervention.statut == St.cloturee:
        await record_correction(
            uow, intervention, old, new, after, event.actor_id, "Coût des pièces"
        )
    else:
        await historique.record(
            uow,
            intervention_id=intervention.id,
            action=A.modification,
            description="Coût des pièces: " + ", ".join(sorted(new)),
            ancienne_valeur=old,
            nouvelle_valeur=new,
            user_id=event.actor_id,
        )
