"""HTTP endpoints of /auth: login, refresh, logout, me."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from shared.context import request_meta
from shared.db import SessionDep
from shared.errors import unauthorized
from shared.security import CurrentUserDep

from auth.deps import KeyStoreDep, SettingsDep, ThrottleDep
from auth.tokens import service
from auth.tokens.schemas import LoginRequest, LogoutRequest, MeRead, RefreshRequest, TokenPair

router = APIRouter(prefix="/auth", tags=["auth"])

_401: dict[int | str, dict[str, Any]] = {401: {"description": "bad credentials, token or account"}}


@router.post("/login", response_model=TokenPair, responses={**_401, 429: {}})
async def login(
    body: LoginRequest,
    session: SessionDep,
    key_store: KeyStoreDep,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> TokenPair:
    return await service.login(
        session,
        body.username,
        body.password,
        key_store=key_store,
        throttle=throttle,
        settings=settings,
        meta=request_meta(),
    )


@router.post("/refresh", response_model=TokenPair, responses=_401)
async def refresh(
    body: RefreshRequest, session: SessionDep, key_store: KeyStoreDep, settings: SettingsDep
) -> TokenPair | Response:
    try:
        return await service.refresh(
            session, body.refresh_token, key_store=key_store, settings=settings, meta=request_meta()
        )
    except service.RefreshTokenReused:
        # Returned, not raised: the request transaction commits the family's revocation.
        problem = unauthorized("refresh token reused: every token of this session is revoked")
        return problem.response()


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_401)
async def logout(body: LogoutRequest, session: SessionDep, actor: CurrentUserDep) -> None:
    await service.logout(session, actor, body.refresh_token)


@router.get("/me", response_model=MeRead, responses=_401)
async def me(session: SessionDep, actor: CurrentUserDep) -> MeRead:
    return await service.me(session, actor)
