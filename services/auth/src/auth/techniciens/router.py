"""HTTP endpoints of /techniciens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import CurrentUser, Role, StaffDep, require_roles
from shared.versioning import IfMatch

from auth.creates import created
from auth.models import Disponibilite
from auth.paging import id_cursor
from auth.techniciens import repository, service
from auth.techniciens.schemas import TechnicienCreate, TechnicienRead, TechnicienUpdate

router = APIRouter(prefix="/techniciens", tags=["techniciens"])
StaffOrTechnicien = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.technicien))
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TechnicienRead)
async def create_technicien(
    body: TechnicienCreate, session: SessionDep, actor: StaffDep, key: IdempotencyKey = None
) -> JSONResponse:
    """The technician and its user (role technicien) in one transaction."""

    async def make() -> dict[str, Any]:
        technicien = await service.create_technicien(session, body)
        return TechnicienRead.of(technicien).model_dump(mode="json")

    return await created(session, key=key, actor_id=actor.id, collection="techniciens", make=make)


@router.get("", response_model=Page[TechnicienRead])
async def list_techniciens(
    session: SessionDep,
    actor: StaffDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    disponibilite: Disponibilite | None = None,
    specialite: Annotated[str | None, Query(max_length=100)] = None,
    equipe: Annotated[str | None, Query(max_length=100)] = None,
    zone_geographique: Annotated[str | None, Query(max_length=100)] = None,
    competence_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    is_active: bool | None = None,
) -> Page[TechnicienRead]:
    rows = await repository.list_page(
        session,
        limit=limit,
        cursor=cursor,
        disponibilite=disponibilite,
        specialite=specialite,
        equipe=equipe,
        zone_geographique=zone_geographique,
        competence_id=competence_id,
        is_active=is_active,
    )
    items = [TechnicienRead.of(t) for t in rows[:limit]]
    next_cursor = id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page[TechnicienRead](items=items, next_cursor=next_cursor)


@router.get("/{technicien_id}", response_model=TechnicienRead, response_model_exclude_unset=True)
async def get_technicien(
    technicien_id: int, session: SessionDep, actor: StaffOrTechnicien
) -> TechnicienRead:
    """A technician reads itself without the staff-only fields (`notes_competences`)."""
    technicien = await service.get_technicien(session, actor, technicien_id)
    return TechnicienRead.of(technicien, staff=actor.role != Role.technicien)


@router.patch("/{technicien_id}", response_model=TechnicienRead)
async def update_technicien(
    technicien_id: int,
    body: TechnicienUpdate,
    session: SessionDep,
    actor: StaffDep,
    if_match: IfMatch = None,
) -> TechnicienRead:
    technicien = await service.update_technicien(session, actor, technicien_id, body, if_match)
    return TechnicienRead.of(technicien)


@router.delete("/{technicien_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_technicien(technicien_id: int, session: SessionDep, actor: StaffDep) -> None:
    await service.delete_technicien(session, actor, technicien_id)
