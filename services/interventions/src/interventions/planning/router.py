"""HTTP endpoints of the planning feature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from shared.errors import unprocessable
from shared.pagination import CursorQuery, Page
from shared.security import CurrentUser, CurrentUserDep, Role, StaffDep, require_roles
from shared.types import PathId, UtcDateTime
from shared.uow import UowDep
from shared.versioning import IfMatch

from interventions.planning import service
from interventions.planning.schemas import PlanningPut, PlanningRead

router = APIRouter(tags=["planning"])

PlanningActorDep = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.technicien))
]


@router.get("/interventions/{intervention_id}/planning", response_model=PlanningRead)
async def get_planning(intervention_id: PathId, uow: UowDep, user: CurrentUserDep) -> PlanningRead:
    """The slot of an intervention, for whoever can see the intervention."""
    planning = await service.get(uow, user, intervention_id)
    return PlanningRead.model_validate(planning)


@router.put(
    "/interventions/{intervention_id}/planning",
    response_model=PlanningRead,
    responses={201: {"model": PlanningRead}},
)
async def put_planning(
    intervention_id: PathId,
    body: PlanningPut,
    uow: UowDep,
    user: StaffDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanningRead:
    """Create (201) or replace (200) the slot of an intervention."""
    planning, created = await service.planifier(uow, user, intervention_id, body, if_match=if_match)
    if created:
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/interventions/{intervention_id}/planning"
    response.headers["ETag"] = str(planning.version)
    return PlanningRead.model_validate(planning)


@router.post("/interventions/{intervention_id}/planning/confirmation", response_model=PlanningRead)
async def confirm_planning(
    intervention_id: PathId, uow: UowDep, user: PlanningActorDep
) -> PlanningRead:
    """Confirm the slot: staff, or the technician assigned to the intervention."""
    planning = await service.confirmer(uow, user, intervention_id)
    return PlanningRead.model_validate(planning)


@router.get("/planning", response_model=Page[PlanningRead])
async def list_planning(
    uow: UowDep,
    user: PlanningActorDep,
    technicien_id: PathId | None = None,
    du: Annotated[UtcDateTime | None, Query(description="slots ending after this")] = None,
    au: Annotated[UtcDateTime | None, Query(description="slots starting before this")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: CursorQuery = None,
) -> Page[PlanningRead]:
    """A calendar of slots, in start order; a technician sees only its own."""
    for name, value in (("du", du), ("au", au)):
        if value is not None and value.tzinfo is None:
            raise unprocessable("a time with its UTC offset is required", field=name)
    return await service.calendrier(
        uow, user, technicien_id=technicien_id, du=du, au=au, cursor=cursor, limit=limit
    )
