"""HTTP endpoints of /auth: login, refresh, logout, me."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from shared.errors import unauthorized
from shared.uow import PublicUowDep, UowDep

from auth.deps import KeyStoreDep, SettingsDep, ThrottleDep
from auth.tokens import service
from auth.tokens.schemas import LoginRequest, LogoutRequest, MeRead, RefreshRequest, TokenPair

router = APIRouter(prefix="/auth", tags=["auth"])

_401: dict[int | str, dict[str, Any]] = {401: {"description": "bad credentials, token or account"}}


@router.post("/login", response_model=TokenPair, responses={**_401, 429: {}})
async def login(
    body: LoginRequest,
    uow: PublicUowDep,
    key_store: KeyStoreDep,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> TokenPair:
    return await service.login(
        uow,
        body.username,
        body.password,
        key_store=key_store,
        throttle=throttle,
        settings=settings,
    )


@router.post("/refresh", response_model=TokenPair, responses=_401)
async def refresh(
    body: RefreshRequest, uow: PublicUowDep, key_store: KeyStoreDep, settings: SettingsDep
) -> TokenPair | Response:
    try:
        return await service.refresh(
            uow, body.refresh_token, key_store=key_store, settings=settings
        )
    except service.RefreshTokenReused:
        # Returned, not raised: the request transaction commits the family's revocation.
        problem = unauthorized("refresh token reused: every token of this session is revoked")
        return problem.response()


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_401)
async def logout(body: LogoutRequest, uow: UowDep) -> None:
    assert uow.user is not None
    await service.logout(uow, uow.user, body.refresh_token)


@router.get("/me", response_model=MeRead, responses=_401)
async def me(uow: UowDep) -> MeRead:
    assert uow.user is not None
    return await service.me(uow, uow.user)
