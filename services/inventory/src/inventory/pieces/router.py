"""HTTP endpoints of spare parts: /pieces."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from shared.idempotency import IdempotencyKey
from shared.pagination import ID_CURSOR, CursorQuery, LimitQuery, Page, paginate
from shared.security import Role, require_roles
from shared.uow import UowDep, request_fingerprint
from shared.versioning import IfMatch

from inventory.pieces import service
from inventory.schemas import PieceCreate, PieceRead, PieceUpdate

router = APIRouter(tags=["pieces"])
Staff = [Depends(require_roles(Role.admin, Role.responsable))]
Readers = [Depends(require_roles(Role.admin, Role.responsable, Role.technicien))]


@router.post("/pieces", status_code=201, response_model=PieceRead, dependencies=Staff)
async def create_piece(
    body: PieceCreate, request: Request, uow: UowDep, key: IdempotencyKey = None
) -> Response:
    return await uow.created(
        key, await request_fingerprint(request), lambda: service.create(uow, body), "pieces"
    )


@router.get("/pieces", response_model=Page[PieceRead], dependencies=Readers)
async def list_pieces(
    uow: UowDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    q: Annotated[
        str | None, Query(max_length=100, description="reference prefix or name words")
    ] = None,
    sous_seuil: bool | None = None,
    active: bool | None = None,
    fournisseur: Annotated[str | None, Query(max_length=255)] = None,
) -> Page[Any]:
    return await paginate(
        lambda after, n: service.list_pieces(
            uow, q=q, sous_seuil=sous_seuil, active=active, fournisseur=fournisseur,
            after=after[0] if after else None, limit=n,
        ),
        cursor=cursor, limit=limit, codec=ID_CURSOR, key=lambda p: [p["id"]],
    )  # fmt: skip


@router.get("/pieces/{piece_id}", response_model=PieceRead, dependencies=Readers)
async def get_piece(piece_id: int, uow: UowDep) -> dict[str, Any]:
    return await service.get(uow, piece_id)


@router.patch("/pieces/{piece_id}", response_model=PieceRead, dependencies=Staff)
async def update_piece(
    piece_id: int, body: PieceUpdate, uow: UowDep, if_match: IfMatch = None
) -> dict[str, Any]:
    return await service.update(uow, piece_id, body, if_match)


@router.delete(
    "/pieces/{piece_id}",
    dependencies=Staff,
    responses={
        200: {"model": PieceRead, "description": "deactivated (it has movements)"},
        204: {"description": "deleted (never moved nor used)"},
    },
    response_class=Response,
)
async def delete_piece(piece_id: int, uow: UowDep) -> Any:
    """204 when the part was never moved (deleted); otherwise it is deactivated: 200."""
    kept = await service.delete(uow, piece_id)
    if kept is None:
        return Response(status_code=204)
    return Response(
        PieceRead.model_validate(kept).model_dump_json(), 200, media_type="application/json"
    )
