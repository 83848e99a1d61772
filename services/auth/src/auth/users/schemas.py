"""Request and response shapes of users, and the `user.*` event payload."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ValidationInfo, field_validator
from shared.security import Role

from auth.schemas import Email, FullName, InputModel, Password, PatchModel, ReadModel, Username
from auth.users.models import User
from auth.users.passwords import password_problem


def _strong(password: str, info: ValidationInfo) -> str:
    """The fields before `password` (username, email, full_name) are validated already."""
    names = [info.data.get(name) for name in ("username", "email", "full_name")]
    problem = password_problem(password, names)
    if problem is not None:
        raise ValueError(problem)
    return password


class UserCreate(InputModel):
    username: Username
    email: Email
    full_name: FullName
    password: Password
    role: Role
    is_active: bool = True

    _strong_password = field_validator("password")(_strong)


class ProfileUserCreate(InputModel):
    """The user part of a technician or client create; its role is set by the profile."""

    username: Username
    email: Email
    full_name: FullName
    password: Password

    _strong_password = field_validator("password")(_strong)


class UserUpdate(PatchModel):
    non_nullable = frozenset({"username", "email", "full_name", "role", "is_active"})

    username: Username | None = None
    email: Email | None = None
    full_name: FullName | None = None
    role: Role | None = None
    is_active: bool | None = None


class PasswordChange(InputModel):
    """`current_password` is required when users change their own password."""

    current_password: str | None = None
    new_password: Password


class UserRead(ReadModel):
    id: int
    username: str
    email: str
    full_name: str
    role: Role
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class UserEventData(BaseModel):
    """`data` of user.created|updated|deactivated (the contract other services consume)."""

    id: int
    username: str
    email: str
    full_name: str
    role: Role
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserEventData:
        return cls(
            id=user.id,
            username=user.username,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            is_active=user.is_active,
        )
