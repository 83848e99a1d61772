"""The rules on technicians: created with their user, read by staff or themselves,
deleted by deactivating their user. Never commits."""

from __future__ import annotations

from shared.errors import not_found
from shared.security import Role
from shared.uow import UnitOfWork
from shared.versioning import check_version

from auth.techniciens.models import Technicien
from auth.techniciens.repository import Techniciens
from auth.techniciens.schemas import TechnicienCreate, TechnicienEventData, TechnicienUpdate
from auth.users import service as users_service


async def create_technicien(uow: UnitOfWork, data: TechnicienCreate) -> Technicien:
    """The user (role technicien) and its profile, in one transaction; emits user.created
    and technicien.created (the relay publishes them after commit)."""
    user = await users_service.create_user(uow, data.user, Role.technicien)
    technicien = Technicien(user_id=user.id, **data.model_dump(exclude={"user"}))
    technicien.user = user
    uow.session.add(technicien)
    await uow.session.flush()
    uow.emit("technicien.created", technicien.id, TechnicienEventData.of(technicien, user))
    return technicien


async def get_technicien(
    uow: UnitOfWork, technicien_id: int, *, for_update: bool = False
) -> Technicien:
    """Staff read any technician; a technician only itself (anyone else's is a 404)."""
    technicien = await Techniciens(uow).get(technicien_id, user=uow.user, for_update=for_update)
    if technicien is None:
        raise not_found("technicien")
    return technicien


async def update_technicien(
    uow: UnitOfWork, technicien_id: int, changes: TechnicienUpdate, if_match: str | None
) -> Technicien:
    technicien = await get_technicien(uow, technicien_id, for_update=True)
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
    await uow.session.flush()
    data = TechnicienEventData.of(technicien, technicien.user)
    uow.emit("technicien.updated", technicien.id, data)
    return technicien


async def delete_technicien(uow: UnitOfWork, technicien_id: int) -> None:
    """The technician's interventions keep referring to it: its user is deactivated
    (tokens revoked, technicien.deleted emitted) and the rows stay."""
    technicien = await get_technicien(uow, technicien_id, for_update=True)
    await users_service.deactivate_user(uow, technicien.user)
