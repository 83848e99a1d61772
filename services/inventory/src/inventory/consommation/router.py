"""HTTP endpoints of parts on interventions: reservations, consumption, returns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from shared.idempotency import IdempotencyKey
from shared.security import Role, require_roles
from shared.uow import UowDep, request_fingerprint

from inventory.consommation import service
from inventory.schemas import (
    ConsommationCreate,
    InterventionPieceRead,
    ReservationCreate,
    ReservationRead,
)

router = APIRouter(tags=["interventions"])
Staff = [Depends(require_roles(Role.admin, Role.responsable))]
Workers = [Depends(require_roles(Role.admin, Role.responsable, Role.technicien))]


def _use(row: Any) -> dict[str, Any]:
    return InterventionPieceRead.model_validate(dict(row)).model_dump(mode="json")


def _reservation(row: Any) -> dict[str, Any]:
    return ReservationRead.model_validate(dict(row)).model_dump(mode="json")


@router.post(
    "/interventions/{intervention_id}/reservations",
    status_code=201,
    response_model=ReservationRead,
    dependencies=Staff,
)
async def reserver(
    intervention_id: int,
    body: ReservationCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey = None,
) -> Response:
    async def make() -> dict[str, Any]:
        return _reservation(await service.reserver(uow, intervention_id, body))

    return await uow.created(
        key,
        await request_fingerprint(request),
        make,
        f"interventions/{intervention_id}/reservations",
    )


@router.get(
    "/interventions/{intervention_id}/reservations",
    response_model=list[ReservationRead],
    dependencies=Staff,
)
async def list_reservations(intervention_id: int, uow: UowDep) -> list[dict[str, Any]]:
    return [_reservation(r) for r in await service.list_reservations(uow, intervention_id)]


@router.post(
    "/interventions/{intervention_id}/pieces",
    status_code=201,
    response_model=InterventionPieceRead,
    dependencies=Workers,
)
async def consommer(
    intervention_id: int,
    body: ConsommationCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey = None,
) -> Response:
    """Parts used on an intervention en_cours (staff or its assigned technician)."""

    async def make() -> dict[str, Any]:
        return _use(await service.consommer(uow, intervention_id, body))

    return await uow.created(
        key, await request_fingerprint(request), make, f"interventions/{intervention_id}/pieces"
    )


@router.get(
    "/interventions/{intervention_id}/pieces",
    response_model=list[InterventionPieceRead],
    dependencies=Workers,
)
async def list_pieces(intervention_id: int, uow: UowDep) -> list[dict[str, Any]]:
    return [_use(r) for r in await service.list_utilisations(uow, intervention_id)]


@router.post(
    "/interventions/{intervention_id}/pieces/retour",
    status_code=201,
    response_model=InterventionPieceRead,
    dependencies=Workers,
)
async def retourner(
    intervention_id: int,
    body: ConsommationCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey = None,
) -> Response:
    """Unused parts back to stock (a negative use, an entree movement)."""

    async def make() -> dict[str, Any]:
        return _use(await service.retourner(uow, intervention_id, body))

    return await uow.created(
        key, await request_fingerprint(request), make, f"interventions/{intervention_id}/pieces"
    )
