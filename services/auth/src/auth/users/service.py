"""The rules on users: creation, changes, deactivation, passwords. Never commits."""

from __future__ import annotations

from typing import Any

from shared.db import utcnow
from shared.errors import Problem, not_found, unprocessable
from shared.security import CurrentUser, Role
from shared.uow import UnitOfWork
from shared.versioning import check_version

from auth.clients.repository import Clients
from auth.clients.schemas import ClientEventData
from auth.integrity import flush_unique
from auth.techniciens.repository import Techniciens
from auth.techniciens.schemas import TechnicienEventData
from auth.tokens import repository as tokens_repository
from auth.tokens import revocation
from auth.users.models import User
from auth.users.passwords import hash_password, password_problem, verify_password
from auth.users.repository import Users
from auth.users.schemas import (
    PasswordChange,
    ProfileUserCreate,
    UserCreate,
    UserEventData,
    UserUpdate,
)

PROFILE_ROLES = frozenset({Role.technicien, Role.client})

_UNIQUE_FIELDS = {
    "uq_users_username": "username",
    "uq_users_email": "email",
    "uq_users_username_ci": "username",
    "uq_users_email_ci": "email",
}


async def create_user(
    uow: UnitOfWork,
    data: UserCreate | ProfileUserCreate,
    role: Role,
    *,
    is_active: bool = True,
) -> User:
    """A new user with `data` and `role`; emits user.created."""
    user = User(
        username=data.username,
        email=data.email,
        full_name=data.full_name,
        hashed_password=await hash_password(data.password),
        role=role,
        is_active=is_active,
    )
    uow.session.add(user)
    await flush_unique(uow.session, _UNIQUE_FIELDS)
    uow.emit("user.created", user.id, UserEventData.of(user))
    return user


async def create_staff_user(uow: UnitOfWork, data: UserCreate) -> User:
    """POST /users: technicians and clients are created with their profile instead."""
    if data.role in PROFILE_ROLES:
        raise unprocessable(
            f"a {data.role} user is created with its profile: POST /{data.role}s", field="role"
        )
    return await create_user(uow, data, data.role, is_active=data.is_active)


async def get_user(uow: UnitOfWork, user_id: int, *, for_update: bool = False) -> User:
    user = await Users(uow).get(user_id, for_update=for_update)
    if user is None:
        raise not_found("user")
    return user


def refuse_self_lockout(
    actor: CurrentUser, user_id: int, changes: UserUpdate | None = None
) -> None:
    """An admin may not deactivate nor demote its own account (DELETE, or PATCH of
    is_active/role): the last admin would lock everyone out of user management."""
    if user_id != actor.id:
        return
    values = changes.changes() if changes is not None else {"is_active": False}
    if values.get("is_active") is False or values.get("role", Role.admin) != Role.admin:
        raise Problem(
            409, "an admin cannot deactivate or demote its own account: another admin must"
        )


async def update_user(
    uow: UnitOfWork, user_id: int, changes: UserUpdate, if_match: str | None
) -> User:
    user = await get_user(uow, user_id, for_update=True)
    check_version(if_match, user.version)
    values: dict[str, Any] = changes.changes()
    new_role = values.get("role", user.role)
    if new_role != user.role and (new_role in PROFILE_ROLES or user.role in PROFILE_ROLES):
        raise unprocessable(
            "technicien and client accounts keep the role of their profile", field="role"
        )
    values = {name: value for name, value in values.items() if getattr(user, name) != value}
    if not values:
        return user
    was_active = user.is_active
    for name, value in values.items():
        setattr(user, name, value)
    await flush_unique(uow.session, _UNIQUE_FIELDS)
    if was_active and not user.is_active:
        await _after_deactivation(uow, user)
    else:
        uow.emit("user.updated", user.id, UserEventData.of(user))
        await emit_profile_event(uow, user, "updated")
    return user


async def deactivate_user(uow: UnitOfWork, user: User) -> None:
    """DELETE on a user: it stays (its history needs it) but can no longer sign in."""
    if not user.is_active:
        return
    user.is_active = False
    await uow.session.flush()
    await _after_deactivation(uow, user)


async def _after_deactivation(uow: UnitOfWork, user: User) -> None:
    await tokens_repository.revoke_for_user(uow.session, user.id, utcnow())
    await revocation.revoke_user(user.id)
    uow.emit("user.deactivated", user.id, UserEventData.of(user))
    await emit_profile_event(uow, user, "deleted")


async def emit_profile_event(uow: UnitOfWork, user: User, action: str) -> None:
    """A technician's or client's replicas carry the user's name, email and is_active:
    a change of those is also a change of the profile."""
    if user.role == Role.technicien:
        technicien = await Techniciens(uow).by_user_id(user.id)
        if technicien is not None:
            data = TechnicienEventData.of(technicien, user)
            uow.emit(f"technicien.{action}", technicien.id, data)
    elif user.role == Role.client:
        client = await Clients(uow).by_user_id(user.id)
        if client is not None:
            uow.emit(f"client.{action}", client.id, ClientEventData.of(client, user))


async def change_password(
    uow: UnitOfWork, actor: CurrentUser, user_id: int, body: PasswordChange
) -> User:
    """Admins set anyone's password; others only their own, proving the current one.
    Every refresh token of the user is revoked: other sessions must sign in again."""
    if actor.role != Role.admin and actor.id != user_id:
        raise not_found("user")
    user = await get_user(uow, user_id, for_update=True)
    if actor.id == user_id and actor.role != Role.admin:
        if body.current_password is None or not await verify_password(
            user.hashed_password, body.current_password
        ):
            raise Problem(
                403,
                "the current password is wrong",
                errors=[{"field": "current_password", "message": "wrong password"}],
            )
    problem = password_problem(body.new_password, (user.username, user.email, user.full_name))
    if problem is not None:
        raise unprocessable(problem, field="new_password")
    user.hashed_password = await hash_password(body.new_password)
    await uow.session.flush()
    await tokens_repository.revoke_for_user(uow.session, user.id, utcnow())
    await revocation.revoke_user(user.id)
    return user
