"""The rules on technicians: created with their user, read by staff or themselves,
deleted by deactivating their user. Never commits."""

from __future__ import annotations

from shared.errors import not_found
from shared.security import CurrentUser, Role
from shared.versioning import check_version
from sqlalchemy.ext.asyncio import AsyncSession

from auth.outbox import emit
from auth.techniciens import repository
from auth.techniciens.models import Technicien
from auth.techniciens.schemas import TechnicienCreate, TechnicienEventData, TechnicienUpdate
from auth.users import service as users_service


async def create_technicien(session: AsyncSession, data: TechnicienCreate) -> Technicien:
    """The user (role technicien) and its profile, in one transaction; writes user.created
    and technicien.created to the outbox (the relay publishes them after commit)."""
    user = await users_service.create_user(session, data.user, Role.technicien)
    technicien = Technicien(user_id=user.id, **data.model_dump(exclude={"user"}))
    technicien.user = user
    session.add(technicien)
    await session.flush()
    payload = TechnicienEventData.of(technicien, user)
    await emit(session, "technicien.created", technicien.id, payload)
    return technicien


async def get_technicien(
    session: AsyncSession, actor: CurrentUser, technicien_id: int, *, for_update: bool = False
) -> Technicien:
    """Staff read any technician; a technician only itself (anyone else's is a 404)."""
    technicien = await repository.get(session, technicien_id, for_update=for_update)
    if technicien is None or (not actor.is_staff and technicien.user_id != actor.id):
        raise not_found("technicien")
    return technicien


async def update_technicien(
    session: AsyncSession,
    actor: CurrentUser,
    technicien_id: int,
    changes: TechnicienUpdate,
    if_match: str | None,
) -> Technicien:
    technicien = await get_technicien(session, actor, technicien_id, for_update=True)
    check_version(if_match, technicien.version)
    values = {
        name: value
        for name, value in changes.changes().items()
        if getattr(technicien, name) != value
    }
    if not values:
        return technicien
    for name, value in values.items():
        setattr(technicien, name, value)
    await session.flush()
    data = TechnicienEventData.of(technicien, technicien.user)
    await emit(session, "technicien.updated", technicien.id, data)
    return technicien


async def delete_technicien(session: AsyncSession, actor: CurrentUser, technicien_id: int) -> None:
    """The technician's interventions keep referring to it: its user is deactivated
    (tokens revoked, technicien.deleted written) and the rows stay."""
    technicien = await get_technicien(session, actor, technicien_id, for_update=True)
    await users_service.deactivate_user(session, technicien.user)
