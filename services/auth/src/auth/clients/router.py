"""HTTP endpoints of /clients."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import CurrentUser, Role, StaffDep, require_roles
from shared.versioning import IfMatch

from auth.clients import repository, service
from auth.clients.schemas import ClientCreate, ClientRead, ClientUpdate
from auth.creates import created
from auth.models import NiveauService, TypeClient
from auth.paging import id_cursor

router = APIRouter(prefix="/clients", tags=["clients"])
StaffOrClient = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.client))
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClientRead)
async def create_client(
    body: ClientCreate, session: SessionDep, actor: StaffDep, key: IdempotencyKey = None
) -> JSONResponse:
    """The client and its user (role client) in one transaction."""

    async def make() -> dict[str, Any]:
        return ClientRead.of(await service.create_client(session, body)).model_dump(mode="json")

    return await created(session, key=key, actor_id=actor.id, collection="clients", make=make)


@router.get("", response_model=Page[ClientRead])
async def list_clients(
    session: SessionDep,
    actor: StaffDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    type_client: TypeClient | None = None,
    niveau_service: NiveauService | None = None,
    ville: Annotated[str | None, Query(max_length=100)] = None,
    is_active: bool | None = None,
) -> Page[ClientRead]:
    rows = await repository.list_page(
        session,
        limit=limit,
        cursor=cursor,
        type_client=type_client,
        niveau_service=niveau_service,
        ville=ville,
        is_active=is_active,
    )
    items = [ClientRead.of(c) for c in rows[:limit]]
    next_cursor = id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page[ClientRead](items=items, next_cursor=next_cursor)


@router.get("/{client_id}", response_model=ClientRead, response_model_exclude_unset=True)
async def get_client(client_id: int, session: SessionDep, actor: StaffOrClient) -> ClientRead:
    """A client reads itself without the staff-only fields (`notes_commerciales`)."""
    client = await service.get_client(session, actor, client_id)
    return ClientRead.of(client, staff=actor.role != Role.client)


@router.patch("/{client_id}", response_model=ClientRead)
async def update_client(
    client_id: int,
    body: ClientUpdate,
    session: SessionDep,
    actor: StaffDep,
    if_match: IfMatch = None,
) -> ClientRead:
    return ClientRead.of(await service.update_client(session, actor, client_id, body, if_match))


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_client(client_id: int, session: SessionDep, actor: StaffDep) -> None:
    await service.delete_client(session, actor, client_id)
