"""Request and response shapes of login, refresh, logout and /auth/me."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import StringConstraints
from shared.security import Role

from auth.schemas import InputModel, ReadModel

# Login accepts what it is given (bounded): a wrong shape is just a wrong credential.
LoginUsername = Annotated[str, StringConstraints(min_length=1, max_length=150)]
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=256)]
OpaqueToken = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class LoginRequest(InputModel):
    username: LoginUsername
    password: LoginPassword
    # a browser session: the refresh token goes in an HttpOnly cookie, not in the body
    cookie: bool = False


class RefreshRequest(InputModel):
    refresh_token: OpaqueToken


class LogoutRequest(InputModel):
    refresh_token: OpaqueToken


class TokenPair(ReadModel):
    access_token: str
    # None when the refresh token was set as the session cookie instead
    refresh_token: str | None
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth 2 token type)
    expires_in: int


class MeRead(ReadModel):
    id: int
    username: str
    email: str
    full_name: str
    role: Role
    is_active: bool
    technicien_id: int | None
    client_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
