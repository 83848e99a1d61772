"""HTTP endpoints of /users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import AdminDep, Role
from shared.uow import UowDep, request_fingerprint
from shared.versioning import IfMatch

from auth.users import service
from auth.users.repository import Users
from auth.users.schemas import PasswordChange, UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserRead)
async def create_user(
    body: UserCreate, request: Request, uow: UowDep, actor: AdminDep, key: IdempotencyKey = None
) -> Response:
    async def make() -> dict[str, Any]:
        user = await service.create_staff_user(uow, body)
        return UserRead.model_validate(user).model_dump(mode="json")

    return await uow.created(key, await request_fingerprint(request), make, "users")


@router.get("", response_model=Page[UserRead])
async def list_users(
    uow: UowDep,
    actor: AdminDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> Page[Any]:
    return await Users(uow).search(
        cursor=cursor, limit=limit, item=UserRead.model_validate, role=role, is_active=is_active
    )


@router.get("/{user_id}", response_model=UserRead)
async def get_user(user_id: int, uow: UowDep, actor: AdminDep) -> UserRead:
    return UserRead.model_validate(await service.get_user(uow, user_id))


@router.patch("/{user_id}", response_model=UserRead)
async def update_user(
    user_id: int, body: UserUpdate, uow: UowDep, actor: AdminDep, if_match: IfMatch = None
) -> UserRead:
    service.refuse_self_lockout(actor, user_id, body)
    return UserRead.model_validate(await service.update_user(uow, user_id, body, if_match))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def deactivate_user(user_id: int, uow: UowDep, actor: AdminDep) -> None:
    """Deactivates (is_active = false) and revokes the user's refresh tokens."""
    service.refuse_self_lockout(actor, user_id)
    await service.deactivate_user(uow, await service.get_user(uow, user_id))


@router.post("/{user_id}/password", response_model=UserRead)
async def change_password(user_id: int, body: PasswordChange, uow: UowDep) -> UserRead:
    """Admins set anyone's password; a user changes its own with `current_password`."""
    assert uow.user is not None
    return UserRead.model_validate(await service.change_password(uow, uow.user, user_id, body))
