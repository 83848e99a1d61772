"""The rules of equipment: ownership, the seed's lifecycle, retire instead of delete."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from shared.errors import conflict, not_found
from shared.pagination import Page
from shared.security import CurrentUser, Role
from shared.uow import UnitOfWork
from shared.versioning import check_version

from interventions.common import changes, snapshot
from interventions.equipements import repository
from interventions.equipements.models import Equipement, StatutEquipement
from interventions.equipements.repository import EquipementFilters
from interventions.equipements.schemas import EquipementCreate, EquipementRead, EquipementUpdate
from interventions.historique.service import record_equipement
from interventions.techniciens.service import client_connu

S = StatutEquipement
# The seed's equipment lifecycle; `retire` is final.
LIFECYCLE: dict[StatutEquipement, frozenset[StatutEquipement]] = {
    S.operationnel: frozenset({S.maintenance, S.panne}),
    S.maintenance: frozenset({S.operationnel, S.retire}),
    S.panne: frozenset({S.maintenance, S.retire}),
    S.retire: frozenset(),
}


def _visible(user: CurrentUser, equipement: Equipement) -> bool:
    if user.role == Role.client:
        return equipement.client_id == user.client_id
    return user.role in (Role.admin, Role.responsable, Role.technicien)


async def get_for_user(
    uow: UnitOfWork, user: CurrentUser, equipement_id: int, *, for_update: bool = False
) -> Equipement:
    """The equipment if `user` may read it; a client's foreign equipment is 404."""
    equipement = await repository.get(uow.session, equipement_id, for_update=for_update)
    if equipement is None or not _visible(user, equipement):
        raise not_found("equipment")
    return equipement


async def list_for_user(
    uow: UnitOfWork,
    user: CurrentUser,
    filters: EquipementFilters,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    if user.role == Role.client:
        if filters.client_id is not None and filters.client_id != user.client_id:
            raise not_found("client")
        own = user.client_id if user.client_id is not None else -1
        filters = EquipementFilters(
            own, filters.statut, filters.criticite, filters.maintenance_avant
        )
    return await repository.Equipements(uow).page(
        cursor=cursor,
        limit=limit,
        where=repository.conditions(filters),
        item=EquipementRead.model_validate,
    )


def fin_garantie(date_installation: dt.date | None, duree_mois: int | None) -> dt.date | None:
    """The warranty's last day: installation + the duration in months (clamped to the
    month's last day, as PostgreSQL's date + interval does)."""
    if date_installation is None or duree_mois is None:
        return None
    months = date_installation.month - 1 + duree_mois
    year, month = date_installation.year + months // 12, months % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(date_installation.day, last_day))


def _garantie(equipement: Equipement, fields: set[str]) -> None:
    """A warranty end not given follows the installation date and the duration."""
    if "date_fin_garantie" in fields:
        return
    if fields & {"date_installation", "duree_garantie_mois"}:
        computed = fin_garantie(equipement.date_installation, equipement.duree_garantie_mois)
        if computed is not None:
            equipement.date_fin_garantie = computed


async def create(uow: UnitOfWork, data: EquipementCreate, user_id: int) -> Equipement:
    await client_connu(uow.session, data.client_id)
    equipement = Equipement(**data.model_dump(), statut=S.operationnel, active=True)
    _garantie(equipement, data.model_fields_set)
    uow.session.add(equipement)
    await uow.session.flush()
    after = snapshot(EquipementRead, equipement)
    await record_equipement(
        uow,
        equipement_id=equipement.id,
        action="creation",
        description="Création équipement",
        ancienne_valeur=None,
        nouvelle_valeur=after,
        user_id=user_id,
    )
    uow.emit("equipement.created", equipement.id, after)
    return equipement


async def update(
    uow: UnitOfWork,
    equipement_id: int,
    data: EquipementUpdate,
    if_match: str | None,
    user_id: int,
) -> Equipement:
    equipement = await repository.get(uow.session, equipement_id, for_update=True)
    if equipement is None:
        raise not_found("equipment")
    check_version(if_match, equipement.version)
    if equipement.statut == S.retire:
        raise conflict("a retired equipment is read-only")
    before = snapshot(EquipementRead, equipement)
    fields = data.model_dump(exclude_unset=True)
    for field, value in fields.items():
        setattr(equipement, field, value)
    _garantie(equipement, set(fields))
    await uow.session.flush()
    after = snapshot(EquipementRead, equipement)
    old, new = changes(before, after)
    if new:
        await record_equipement(
            uow,
            equipement_id=equipement.id,
            action="modification",
            description="Modification équipement: " + ", ".join(sorted(new)),
            ancienne_valeur=old,
            nouvelle_valeur=new,
            user_id=user_id,
        )
        uow.emit("equipement.updated", equipement.id, {**after, "changes": new, "before": old})
    return equipement


async def change_statut(
    uow: UnitOfWork, equipement_id: int, statut: StatutEquipement, user_id: int | None
) -> Equipement:
    """One step of the lifecycle, 409 for any other."""
    equipement = await repository.get(uow.session, equipement_id, for_update=True)
    if equipement is None:
        raise not_found("equipment")
    ancien = equipement.statut
    if statut not in LIFECYCLE[ancien]:
        raise conflict(
            f"equipment cannot go from {ancien.value} to {statut.value}",
            allowed=sorted(s.value for s in LIFECYCLE[ancien]),
        )
    equipement.statut = statut
    if statut == S.retire:
        equipement.active = False
    await uow.session.flush()
    await _record_statut(uow, equipement, ancien, user_id)
    data = {**snapshot(EquipementRead, equipement), "ancien_statut": ancien.value}
    event = "equipement.retire" if statut == S.retire else "equipement.statut_change"
    uow.emit(event, equipement.id, data)
    return equipement


async def _record_statut(
    uow: UnitOfWork, equipement: Equipement, ancien: StatutEquipement, user_id: int | None
) -> None:
    await record_equipement(
        uow,
        equipement_id=equipement.id,
        action="changement_statut",
        description=f"Statut {ancien.value} -> {equipement.statut.value}",
        ancienne_valeur={"statut": ancien.value},
        nouvelle_valeur={"statut": equipement.statut.value, "active": equipement.active},
        user_id=user_id,
    )


async def delete(uow: UnitOfWork, equipement_id: int, user_id: int) -> Equipement | None:
    """Deletes an equipment without history; one with interventions is retired instead and
    returned (the caller answers 409)."""
    equipement = await repository.get(uow.session, equipement_id, for_update=True)
    if equipement is None:
        raise not_found("equipment")
    if await repository.has_interventions(uow.session, equipement_id):
        if equipement.statut != S.retire or equipement.active:
            ancien = equipement.statut
            equipement.statut = S.retire
            equipement.active = False
            await uow.session.flush()
            await _record_statut(uow, equipement, ancien, user_id)
            data = {**snapshot(EquipementRead, equipement), "ancien_statut": ancien.value}
            uow.emit("equipement.retire", equipement.id, data)
        return equipement
    data = snapshot(EquipementRead, equipement)
    await uow.session.delete(equipement)
    await uow.session.flush()
    await record_equipement(
        uow,
        equipement_id=equipement_id,
        action="suppression",
        description="Suppression équipement (sans intervention)",
        ancienne_valeur=data,
        nouvelle_valeur=None,
        user_id=user_id,
    )
    uow.emit("equipement.deleted", equipement_id, data)
    return None
