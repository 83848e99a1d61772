"""HTTP endpoints of the interventions feature."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from shared.errors import Problem
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import CurrentUserDep, StaffDep
from shared.types import PathId, UtcDateTime
from shared.uow import UowDep, request_fingerprint
from shared.versioning import IfMatch

from interventions.interventions import service
from interventions.interventions.models import (
    PrioriteIntervention,
    StatutIntervention,
    TypeIntervention,
)
from interventions.interventions.repository import InterventionFilters
from interventions.interventions.schemas import (
    Affectation,
    Evaluation,
    InterventionCreate,
    InterventionRead,
    InterventionUpdate,
    Transition,
)

router = APIRouter(tags=["interventions"])
PREFIX = "/api/v1/interventions"


def _read(obj: object) -> InterventionRead:
    return InterventionRead.model_validate(obj)


def _json(
    data: dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """An already JSON-ready InterventionRead dict, sent as is: FastAPI would validate and
    encode it again for the response_model (which stays for the OpenAPI document)."""
    return Response(orjson.dumps(data), status_code, headers, media_type="application/json")


def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise Problem(
            422,
            f"{field} needs a UTC offset",
            errors=[{"field": field, "message": "a time with an offset (ISO 8601) is required"}],
        )
    return value


@router.post("/interventions", status_code=201, response_model=InterventionRead)
async def create_intervention(
    body: InterventionCreate,
    request: Request,
    uow: UowDep,
    user: CurrentUserDep,
    key: IdempotencyKey = None,
) -> Response:
    return await uow.created(
        key,
        await request_fingerprint(request),
        lambda: service.create(uow, user, body),
        "interventions",
    )


@router.get("/interventions", response_model=Page[InterventionRead])
async def list_interventions(
    uow: UowDep,
    user: CurrentUserDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    statut: StatutIntervention | None = None,
    priorite: PrioriteIntervention | None = None,
    type_intervention: TypeIntervention | None = None,
    technicien_id: PathId | None = None,
    client_id: PathId | None = None,
    equipement_id: PathId | None = None,
    urgence: bool | None = None,
    cree_apres: Annotated[UtcDateTime | None, Query(description="date_creation >=")] = None,
    cree_avant: Annotated[UtcDateTime | None, Query(description="date_creation <")] = None,
) -> Page[InterventionRead]:
    """Sorted by priorite (urgente first) then date_creation (oldest first), keyset-paged."""
    filters = InterventionFilters(
        statut=statut,
        priorite=priorite,
        type_intervention=type_intervention,
        technicien_id=technicien_id,
        client_id=client_id,
        equipement_id=equipement_id,
        urgence=urgence,
        cree_apres=_aware(cree_apres, "cree_apres"),
        cree_avant=_aware(cree_avant, "cree_avant"),
    )
    return await service.list_for_user(uow, user, filters, cursor, limit)


@router.get("/interventions/{intervention_id}", response_model=InterventionRead)
async def get_intervention(intervention_id: PathId, uow: UowDep, user: CurrentUserDep) -> Response:
    # one statement through uow.fetch_one (autocommit, compiled once): nothing to commit
    return _json(await service.get_read_for_user(uow, user, intervention_id))


@router.patch("/interventions/{intervention_id}", response_model=InterventionRead)
async def update_intervention(
    intervention_id: PathId,
    body: InterventionUpdate,
    request: Request,
    uow: UowDep,
    user: CurrentUserDep,
    if_match: IfMatch = None,
) -> InterventionRead:
    """Descriptive fields by role; on a cloturee intervention, staff corrections of
    solution, rapport, periodes, duree_reelle, cout_reel (If-Match required: 428)."""
    settings = request.app.state.settings
    return _read(await service.update(uow, user, intervention_id, body, if_match, settings))


@router.post("/interventions/{intervention_id}/affectation", response_model=InterventionRead)
async def affecter(
    intervention_id: PathId, body: Affectation, uow: UowDep, user: StaffDep
) -> InterventionRead:
    return _read(await service.affecter(uow, user, intervention_id, body.technicien_id))


@router.post("/interventions/{intervention_id}/transitions", response_model=InterventionRead)
async def transition(
    intervention_id: PathId,
    body: Transition,
    request: Request,
    uow: UowDep,
    user: CurrentUserDep,
) -> InterventionRead:
    settings = request.app.state.settings
    return _read(await service.transition(uow, user, intervention_id, body, settings))


@router.post("/interventions/{intervention_id}/evaluation", response_model=InterventionRead)
async def evaluer(
    intervention_id: PathId, body: Evaluation, uow: UowDep, user: CurrentUserDep
) -> InterventionRead:
    return _read(await service.evaluer(uow, user, intervention_id, body.satisfaction_client))
