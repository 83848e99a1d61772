"""HTTP endpoints of movements and stock per location."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from shared.idempotency import IdempotencyKey
from shared.pagination import ID_CURSOR, CursorQuery, LimitQuery, Page, paginate
from shared.security import Role, require_roles
from shared.uow import UowDep, request_fingerprint

from inventory.database import EMPLACEMENT_RE
from inventory.schemas import MouvementCreate, MouvementRead, StockRead
from inventory.stock import service

router = APIRouter(tags=["stock"])
Staff = [Depends(require_roles(Role.admin, Role.responsable))]
Readers = [Depends(require_roles(Role.admin, Role.responsable, Role.technicien))]
EmplacementQuery = Annotated[str | None, Query(max_length=100, pattern=EMPLACEMENT_RE)]


def _mouvement(row: Any) -> dict[str, Any]:
    return MouvementRead.model_validate(dict(row)).model_dump(mode="json")


@router.post(
    "/pieces/{piece_id}/mouvements",
    status_code=201,
    response_model=MouvementRead,
    dependencies=Staff,
)
async def create_mouvement(
    piece_id: int,
    body: MouvementCreate,
    request: Request,
    uow: UowDep,
    key: IdempotencyKey = None,
) -> Response:
    async def make() -> dict[str, Any]:
        return _mouvement(await service.mouvement(uow, piece_id, body))

    return await uow.created(
        key, await request_fingerprint(request), make, f"pieces/{piece_id}/mouvements"
    )


@router.get("/pieces/{piece_id}/mouvements", response_model=Page[MouvementRead], dependencies=Staff)
async def list_mouvements(
    piece_id: int, uow: UowDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[Any]:
    """Newest first."""
    return await paginate(
        lambda before, n: service.list_mouvements(uow, piece_id, before[0] if before else None, n),
        cursor=cursor,
        limit=limit,
        codec=ID_CURSOR,
        key=lambda m: [m["id"]],
        item=_mouvement,
    )


async def _stock(
    uow: UowDep, piece_id: int | None, emplacement: str | None, cursor: str | None, limit: int
) -> Page[Any]:
    return await paginate(
        lambda after, n: service.list_stock(uow, piece_id, emplacement, after, n),
        cursor=cursor,
        limit=limit,
        codec=service.STOCK_CURSOR,
        key=lambda s: [s["piece_id"], s["emplacement"]],
        item=lambda r: StockRead.model_validate(dict(r)).model_dump(mode="json"),
    )


@router.get("/stock", response_model=Page[StockRead], dependencies=Readers)
async def list_stock(
    uow: UowDep,
    piece_id: int | None = None,
    emplacement: EmplacementQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[Any]:
    """Stock per location; a technician sees its own van only."""
    return await _stock(uow, piece_id, emplacement, cursor, limit)


@router.get("/pieces/{piece_id}/stock", response_model=Page[StockRead], dependencies=Readers)
async def piece_stock(
    piece_id: int,
    uow: UowDep,
    emplacement: EmplacementQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[Any]:
    """One part's stock per location (the same as /stock?piece_id=, under /pieces)."""
    return await _stock(uow, piece_id, emplacement, cursor, limit)
