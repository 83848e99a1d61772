"""HTTP endpoints of /competences and /techniciens/{id}/competences."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from shared.app import API_PREFIX
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import CurrentUser, Role, StaffDep, require_roles
from shared.uow import UowDep, request_fingerprint
from shared.versioning import IfMatch

from auth.competences import service
from auth.competences.schemas import (
    CompetenceCreate,
    CompetenceRead,
    CompetenceUpdate,
    TechnicienCompetenceRead,
    TechnicienCompetenceSet,
)
from auth.models import NiveauCompetence

router = APIRouter(tags=["competences"])
StaffOrTechnicien = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.technicien))
]


@router.post("/competences", status_code=status.HTTP_201_CREATED, response_model=CompetenceRead)
async def create_competence(
    body: CompetenceCreate,
    request: Request,
    uow: UowDep,
    actor: StaffDep,
    key: IdempotencyKey = None,
) -> Response:
    async def make() -> dict[str, Any]:
        competence = await service.create_competence(uow, body)
        return CompetenceRead.model_validate(competence).model_dump(mode="json")

    return await uow.created(key, await request_fingerprint(request), make, "competences")


@router.get("/competences", response_model=Page[CompetenceRead])
async def list_competences(
    uow: UowDep,
    actor: StaffDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    active: bool | None = None,
    niveau_requis: NiveauCompetence | None = None,
) -> Page[Any]:
    return await service.list_competences(
        uow, cursor=cursor, limit=limit, active=active, niveau_requis=niveau_requis
    )


@router.get("/competences/{competence_id}", response_model=CompetenceRead)
async def get_competence(competence_id: int, uow: UowDep, actor: StaffDep) -> CompetenceRead:
    return CompetenceRead.model_validate(await service.get_competence(uow, competence_id))


@router.patch("/competences/{competence_id}", response_model=CompetenceRead)
async def update_competence(
    competence_id: int,
    body: CompetenceUpdate,
    uow: UowDep,
    actor: StaffDep,
    if_match: IfMatch = None,
) -> CompetenceRead:
    competence = await service.update_competence(uow, competence_id, body, if_match)
    return CompetenceRead.model_validate(competence)


@router.delete("/competences/{competence_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_competence(competence_id: int, uow: UowDep, actor: StaffDep) -> None:
    await service.delete_competence(uow, competence_id)


@router.get(
    "/techniciens/{technicien_id}/competences", response_model=list[TechnicienCompetenceRead]
)
async def list_technicien_competences(
    technicien_id: int, uow: UowDep, actor: StaffOrTechnicien
) -> list[TechnicienCompetenceRead]:
    return await service.technicien_competences(uow, technicien_id)


@router.put(
    "/techniciens/{technicien_id}/competences/{competence_id}",
    response_model=TechnicienCompetenceRead,
    responses={201: {"model": TechnicienCompetenceRead}},
)
async def set_technicien_competence(
    technicien_id: int,
    competence_id: int,
    body: TechnicienCompetenceSet,
    uow: UowDep,
    actor: StaffDep,
    response: Response,
) -> TechnicienCompetenceRead:
    """Create (201) or replace (200) the technician's level in this competence."""
    assignment, created = await service.set_technicien_competence(
        uow, technicien_id, competence_id, body
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = (
            f"{API_PREFIX}/techniciens/{technicien_id}/competences/{competence_id}"
        )
    return assignment


@router.delete(
    "/techniciens/{technicien_id}/competences/{competence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def remove_technicien_competence(
    technicien_id: int, competence_id: int, uow: UowDep, actor: StaffDep
) -> None:
    await service.remove_technicien_competence(uow, technicien_id, competence_id)
