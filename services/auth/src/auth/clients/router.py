"""HTTP endpoints of /clients."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import CurrentUser, Role, StaffDep, require_roles
from shared.uow import UowDep, request_fingerprint
from shared.versioning import IfMatch

from auth.clients import service
from auth.clients.repository import Clients
from auth.clients.schemas import ClientCreate, ClientRead, ClientUpdate
from auth.models import NiveauService, TypeClient

router = APIRouter(prefix="/clients", tags=["clients"])
StaffOrClient = Annotated[
    CurrentUser, Depends(require_roles(Role.admin, Role.responsable, Role.client))
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClientRead)
async def create_client(
    body: ClientCreate, request: Request, uow: UowDep, actor: StaffDep, key: IdempotencyKey = None
) -> Response:
    """The client and its user (role client) in one transaction."""

    async def make() -> dict[str, Any]:
        return ClientRead.of(await service.create_client(uow, body)).model_dump(mode="json")

    return await uow.created(key, await request_fingerprint(request), make, "clients")


@router.get("", response_model=Page[ClientRead])
async def list_clients(
    uow: UowDep,
    actor: StaffDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    type_client: TypeClient | None = None,
    niveau_service: NiveauService | None = None,
    ville: Annotated[str | None, Query(max_length=100)] = None,
    is_active: bool | None = None,
) -> Page[Any]:
    return await Clients(uow).search(
        cursor=cursor,
        limit=limit,
        item=ClientRead.of,
        type_client=type_client,
        niveau_service=niveau_service,
        ville=ville,
        is_active=is_active,
    )


@router.get("/{client_id}", response_model=ClientRead, response_model_exclude_unset=True)
async def get_client(client_id: int, uow: UowDep, actor: StaffOrClient) -> ClientRead:
    """A client reads itself without the staff-only fields (`notes_commerciales`)."""
    client = await service.get_client(uow, client_id)
    return ClientRead.of(client, staff=actor.role != Role.client)


@router.patch("/{client_id}", response_model=ClientRead)
async def update_client(
    client_id: int,
    body: ClientUpdate,
    uow: UowDep,
    actor: StaffDep,
    if_match: IfMatch = None,
) -> ClientRead:
    return ClientRead.of(await service.update_client(uow, client_id, body, if_match))


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_client(client_id: int, uow: UowDep, actor: StaffDep) -> None:
    await service.delete_client(uow, client_id)
