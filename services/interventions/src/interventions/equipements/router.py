"""HTTP endpoints of the equipements feature."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from shared.errors import Problem
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import CurrentUser, CurrentUserDep, Role, StaffDep, require_roles
from shared.types import Date, PathId
from shared.uow import UowDep, request_fingerprint
from shared.versioning import IfMatch

from interventions.equipements import service
from interventions.equipements.models import CriticiteEquipement, StatutEquipement
from interventions.equipements.repository import EquipementFilters
from interventions.equipements.schemas import (
    EquipementCreate,
    EquipementRead,
    EquipementUpdate,
    StatutChange,
)
from interventions.historique import service as historique
from interventions.historique.schemas import (
    HistoriqueEquipementPage,
    HistoriqueEquipementRead,
    VerificationRead,
)

router = APIRouter(tags=["equipements"])
PREFIX = "/api/v1/equipements"

StaffOrTechnicien = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.technicien))
]


def _read(obj: Any) -> EquipementRead:
    return EquipementRead.model_validate(obj)


@router.post(
    "/equipements", status_code=201, response_model=EquipementRead, summary="Create an equipment"
)
async def create_equipement(
    body: EquipementCreate,
    request: Request,
    uow: UowDep,
    user: StaffDep,
    key: IdempotencyKey = None,
) -> Response:
    async def make() -> dict[str, Any]:
        return _read(await service.create(uow, body, user.id)).model_dump(mode="json")

    return await uow.created(key, await request_fingerprint(request), make, "equipements")


@router.get("/equipements", response_model=Page[EquipementRead])
async def list_equipements(
    uow: UowDep,
    user: CurrentUserDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    client_id: PathId | None = None,
    statut: StatutEquipement | None = None,
    criticite: CriticiteEquipement | None = None,
    maintenance_avant: Annotated[
        Date | None, Query(description="prochaine_maintenance on or before")
    ] = None,
) -> Page[EquipementRead]:
    filters = EquipementFilters(client_id, statut, criticite, maintenance_avant)
    return await service.list_for_user(uow, user, filters, cursor, limit)


@router.get("/equipements/{equipement_id}", response_model=EquipementRead)
async def get_equipement(
    equipement_id: PathId, uow: UowDep, user: CurrentUserDep
) -> EquipementRead:
    return _read(await service.get_for_user(uow, user, equipement_id))


@router.patch("/equipements/{equipement_id}", response_model=EquipementRead)
async def update_equipement(
    equipement_id: PathId,
    body: EquipementUpdate,
    uow: UowDep,
    user: StaffDep,
    if_match: IfMatch = None,
) -> EquipementRead:
    return _read(await service.update(uow, equipement_id, body, if_match, user.id))


@router.post("/equipements/{equipement_id}/statut", response_model=EquipementRead)
async def change_statut(
    equipement_id: PathId, body: StatutChange, uow: UowDep, user: StaffOrTechnicien
) -> EquipementRead:
    return _read(await service.change_statut(uow, equipement_id, body.statut, user.id))


@router.delete(
    "/equipements/{equipement_id}",
    status_code=204,
    responses={409: {"description": "it has interventions: retired instead"}},
)
async def delete_equipement(equipement_id: PathId, uow: UowDep, user: StaffDep) -> Response:
    retired = await service.delete(uow, equipement_id, user.id)
    if retired is None:
        return Response(status_code=204)
    # Returned, not raised: the retirement must commit with this answer.
    return Problem(
        409,
        "this equipment has interventions: it was retired (statut retire, active false) "
        "instead of deleted",
        equipement=_read(retired).model_dump(mode="json"),
    ).response(f"{PREFIX}/{equipement_id}")


@router.get("/equipements/{equipement_id}/historique", response_model=HistoriqueEquipementPage)
async def historique_equipement(
    equipement_id: PathId,
    uow: UowDep,
    user: CurrentUserDep,
    verifier: Annotated[
        bool, Query(description="recompute the hash chain and report whether it holds")
    ] = False,
) -> HistoriqueEquipementPage:
    """The equipment's trail (creates, changes, lifecycle moves), oldest first; IP and user
    agent for staff only."""
    await service.get_for_user(uow, user, equipement_id)
    rows, verification = await historique.history_equipement(uow, equipement_id)
    items = [HistoriqueEquipementRead.model_validate(r) for r in rows]
    if not user.is_staff:
        items = [i.model_copy(update={"adresse_ip": None, "user_agent": None}) for i in items]
    return HistoriqueEquipementPage(
        items=items,
        verification=VerificationRead(**asdict(verification)) if verifier else None,
    )
