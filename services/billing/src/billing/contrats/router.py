"""HTTP endpoints of contracts and their SLA compliance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from shared.errors import Problem
from shared.idempotency import IdempotencyKey
from shared.pagination import ID_CURSOR, CursorQuery, LimitQuery, Page, paginate
from shared.security import StaffDep
from shared.uow import UowDep, request_fingerprint

from billing.common import ReaderDep
from billing.contrats import service
from billing.contrats.schemas import (
    ContratCreate,
    ContratRead,
    ContratUpdate,
    SlaRapport,
)
from billing.models import StatutContrat
from billing.sla import service as sla

router = APIRouter(tags=["contrats"])


@router.post("/contrats", status_code=201, response_model=ContratRead)
async def create_contrat(
    body: ContratCreate,
    request: Request,
    uow: UowDep,
    user: StaffDep,
    key: IdempotencyKey = None,
) -> Response:
    return await uow.created(
        key, await request_fingerprint(request), lambda: service.create(uow, body), "contrats"
    )


@router.get("/contrats", response_model=Page[ContratRead])
async def list_contrats(
    uow: UowDep,
    reader: ReaderDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    client_id: int | None = None,
    statut: StatutContrat | None = None,
) -> Page[Any]:
    assert uow.user is not None
    user = uow.user
    return await paginate(
        lambda after, n: service.list_for_user(
            uow.session, user, client_id, statut, after[0] if after else None, n
        ),
        cursor=cursor,
        limit=limit,
        codec=ID_CURSOR,
        key=lambda c: [c.id],
        item=ContratRead.model_validate,
    )


@router.get("/contrats/{contrat_id}", response_model=ContratRead)
async def get_contrat(contrat_id: int, uow: UowDep, reader: ReaderDep) -> Any:
    assert uow.user is not None
    return service.snapshot(await service.get_readable(uow.session, uow.user, contrat_id))


@router.patch("/contrats/{contrat_id}", response_model=ContratRead)
async def update_contrat(contrat_id: int, body: ContratUpdate, uow: UowDep, user: StaffDep) -> Any:
    return await service.update(uow, contrat_id, body)


@router.get("/contrats/{contrat_id}/sla", response_model=SlaRapport)
async def contrat_sla(
    contrat_id: int,
    uow: UowDep,
    reader: ReaderDep,
    du: dt.date | None = None,
    au: dt.date | None = None,
) -> Any:
    assert uow.user is not None
    contrat = await service.get_readable(uow.session, uow.user, contrat_id)
    if du and au and au < du:
        raise Problem(422, "au is before du", errors=[{"field": "au", "message": "before du"}])
    return await sla.rapport(uow.session, contrat, du, au)
