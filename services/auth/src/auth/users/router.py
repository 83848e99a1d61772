"""HTTP endpoints of /users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.pagination import CursorQuery, LimitQuery, Page
from shared.security import AdminDep, CurrentUserDep, Role
from shared.versioning import IfMatch

from auth.creates import created
from auth.paging import id_cursor
from auth.users import repository, service
from auth.users.schemas import PasswordChange, UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserRead)
async def create_user(
    body: UserCreate, session: SessionDep, actor: AdminDep, key: IdempotencyKey = None
) -> JSONResponse:
    async def make() -> dict[str, Any]:
        user = await service.create_staff_user(session, body)
        return UserRead.model_validate(user).model_dump(mode="json")

    return await created(session, key=key, actor_id=actor.id, collection="users", make=make)


@router.get("", response_model=Page[UserRead])
async def list_users(
    session: SessionDep,
    actor: AdminDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> Page[UserRead]:
    rows = await repository.list_page(
        session, limit=limit, cursor=cursor, role=role, is_active=is_active
    )
    items = [UserRead.model_validate(u) for u in rows[:limit]]
    next_cursor = id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page[UserRead](items=items, next_cursor=next_cursor)


@router.get("/{user_id}", response_model=UserRead)
async def get_user(user_id: int, session: SessionDep, actor: AdminDep) -> UserRead:
    return UserRead.model_validate(await service.get_user(session, user_id))


@router.patch("/{user_id}", response_model=UserRead)
async def update_user(
    user_id: int, body: UserUpdate, session: SessionDep, actor: AdminDep, if_match: IfMatch = None
) -> UserRead:
    service.refuse_self_lockout(actor, user_id, body)
    return UserRead.model_validate(await service.update_user(session, user_id, body, if_match))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def deactivate_user(user_id: int, session: SessionDep, actor: AdminDep) -> None:
    """Deactivates (is_active = false) and revokes the user's refresh tokens."""
    service.refuse_self_lockout(actor, user_id)
    await service.deactivate_user(session, await service.get_user(session, user_id))


@router.post("/{user_id}/password", response_model=UserRead)
async def change_password(
    user_id: int, body: PasswordChange, session: SessionDep, actor: CurrentUserDep
) -> UserRead:
    """Admins set anyone's password; a user changes its own with `current_password`."""
    return UserRead.model_validate(await service.change_password(session, actor, user_id, body))
