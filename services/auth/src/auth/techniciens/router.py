"""HTTP endpoints of /techniciens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import CurrentUser, Role, StaffDep, require_roles
from shared.uow import UowDep, request_fingerprint
from shared.versioning import IfMatch

from auth.models import Disponibilite
from auth.techniciens import service
from auth.techniciens.repository import Techniciens
from auth.techniciens.schemas import TechnicienCreate, TechnicienRead, TechnicienUpdate

router = APIRouter(prefix="/techniciens", tags=["techniciens"])
StaffOrTechnicien = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.technicien))
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TechnicienRead)
async def create_technicien(
    body: TechnicienCreate,
    request: Request,
    uow: UowDep,
    actor: StaffDep,
    key: IdempotencyKey = None,
) -> Response:
    """The technician and its user (role technicien) in one transaction."""

    async def make() -> dict[str, Any]:
        technicien = await service.create_technicien(uow, body)
        return TechnicienRead.of(technicien).model_dump(mode="json")

    return await uow.created(key, await request_fingerprint(request), make, "techniciens")


@router.get("", response_model=Page[TechnicienRead])
async def list_techniciens(
    uow: UowDep,
    actor: StaffDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    disponibilite: Disponibilite | None = None,
    specialite: Annotated[str | None, Query(max_length=100)] = None,
    equipe: Annotated[str | None, Query(max_length=100)] = None,
    zone_geographique: Annotated[str | None, Query(max_length=100)] = None,
    competence_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    is_active: bool | None = None,
) -> Page[Any]:
    return await Techniciens(uow).search(
        cursor=cursor,
        limit=limit,
        item=TechnicienRead.of,
        disponibilite=disponibilite,
        specialite=specialite,
        equipe=equipe,
        zone_geographique=zone_geographique,
        competence_id=competence_id,
        is_active=is_active,
    )


@router.get("/{technicien_id}", response_model=TechnicienRead, response_model_exclude_unset=True)
async def get_technicien(
    technicien_id: int, uow: UowDep, actor: StaffOrTechnicien
) -> TechnicienRead:
    """A technician reads itself without the staff-only fields (`notes_competences`)."""
    technicien = await service.get_technicien(uow, technicien_id)
    return TechnicienRead.of(technicien, staff=actor.role != Role.technicien)


@router.patch("/{technicien_id}", response_model=TechnicienRead)
async def update_technicien(
    technicien_id: int,
    body: TechnicienUpdate,
    uow: UowDep,
    actor: StaffDep,
    if_match: IfMatch = None,
) -> TechnicienRead:
    return TechnicienRead.of(await service.update_technicien(uow, technicien_id, body, if_match))


@router.delete("/{technicien_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_technicien(technicien_id: int, uow: UowDep, actor: StaffDep) -> None:
    await service.delete_technicien(uow, technicien_id)
