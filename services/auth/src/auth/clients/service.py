"""The rules on clients: created with their user, read by staff or themselves,
deleted by deactivating their user. Never commits."""

from __future__ import annotations

from shared.errors import not_found
from shared.security import Role
from shared.uow import UnitOfWork
from shared.versioning import check_version

from auth.clients.models import Client
from auth.clients.repository import Clients
from auth.clients.schemas import ClientCreate, ClientEventData, ClientUpdate
from auth.users import service as users_service


async def create_client(uow: UnitOfWork, data: ClientCreate) -> Client:
    """The user (role client) and its profile in one transaction; emits user.created and
    client.created."""
    user = await users_service.create_user(uow, data.user, Role.client)
    client = Client(user_id=user.id, **data.model_dump(exclude={"user"}))
    client.user = user
    uow.session.add(client)
    await uow.session.flush()
    uow.emit("client.created", client.id, ClientEventData.of(client, user))
    return client


async def get_client(uow: UnitOfWork, client_id: int, *, for_update: bool = False) -> Client:
    """Staff read any client; a client only itself (anyone else's is a 404)."""
    client = await Clients(uow).get(client_id, user=uow.user, for_update=for_update)
    if client is None:
        raise not_found("client")
    return client


async def update_client(
    uow: UnitOfWork, client_id: int, changes: ClientUpdate, if_match: str | None
) -> Client:
    client = await get_client(uow, client_id, for_update=True)
    check_version(if_match, client.version)
    values = {
        name: value for name, value in changes.changes().items() if getattr(client, name) != value
    }
    if not values:
        return client
    for name, value in values.items():
        setattr(client, name, value)
    await uow.session.flush()
    uow.emit("client.updated", client.id, ClientEventData.of(client, client.user))
    return client


async def delete_client(uow: UnitOfWork, client_id: int) -> None:
    """Equipment, contracts and invoices keep referring to the client: its user is
    deactivated (tokens revoked, client.deleted emitted) and the rows stay."""
    client = await get_client(uow, client_id, for_update=True)
    await users_service.deactivate_user(uow, client.user)
