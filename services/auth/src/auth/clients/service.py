"""The rules on clients: created with their user, read by staff or themselves,
deleted by deactivating their user. Never commits."""

from __future__ import annotations

from shared.errors import not_found
from shared.security import CurrentUser, Role
from shared.versioning import check_version
from sqlalchemy.ext.asyncio import AsyncSession

from auth.clients import repository
from auth.clients.models import Client
from auth.clients.schemas import ClientCreate, ClientEventData, ClientUpdate
from auth.outbox import emit
from auth.users import service as users_service


async def create_client(session: AsyncSession, data: ClientCreate) -> Client:
    """The user (role client) and its profile in one transaction; user.created and
    client.created go to the outbox."""
    user = await users_service.create_user(session, data.user, Role.client)
    client = Client(user_id=user.id, **data.model_dump(exclude={"user"}))
    client.user = user
    session.add(client)
    await session.flush()
    await emit(session, "client.created", client.id, ClientEventData.of(client, user))
    return client


async def get_client(
    session: AsyncSession, actor: CurrentUser, client_id: int, *, for_update: bool = False
) -> Client:
    """Staff read any client; a client only itself (anyone else's is a 404)."""
    client = await repository.get(session, client_id, for_update=for_update)
    if client is None or (not actor.is_staff and client.user_id != actor.id):
        raise not_found("client")
    return client


async def update_client(
    session: AsyncSession,
    actor: CurrentUser,
    client_id: int,
    changes: ClientUpdate,
    if_match: str | None,
) -> Client:
    client = await get_client(session, actor, client_id, for_update=True)
    check_version(if_match, client.version)
    values = {
        name: value for name, value in changes.changes().items() if getattr(client, name) != value
    }
    if not values:
        return client
    for name, value in values.items():
        setattr(client, name, value)
    await session.flush()
    await emit(session, "client.updated", client.id, ClientEventData.of(client, client.user))
    return client


async def delete_client(session: AsyncSession, actor: CurrentUser, client_id: int) -> None:
    """Equipment, contracts and invoices keep referring to the client: its user is
    deactivated (tokens revoked, client.deleted written) and the rows stay."""
    client = await get_client(session, actor, client_id, for_update=True)
    await users_service.deactivate_user(session, client.user)
