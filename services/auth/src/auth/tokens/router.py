"""HTTP endpoints of /auth: login, refresh, logout, me. A login with `"cookie": true` keeps
the refresh token in the session cookie (auth.tokens.cookie), which refresh and
DELETE /auth/refresh (the browser's logout) then read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from shared.errors import Problem, unauthorized
from shared.uow import PublicUowDep, UowDep

from auth.deps import KeyStoreDep, SettingsDep, ThrottleDep
from auth.tokens import cookie, service
from auth.tokens.schemas import LoginRequest, LogoutRequest, MeRead, RefreshRequest, TokenPair

router = APIRouter(prefix="/auth", tags=["auth"])

_401: dict[int | str, dict[str, Any]] = {401: {"description": "bad credentials, token or account"}}
_403: dict[int | str, dict[str, Any]] = {
    403: {"description": "the session cookie sent from another origin"}
}


def _in_cookie(pair: TokenPair, request: Request, response: Response, ttl: int) -> TokenPair:
    assert pair.refresh_token is not None
    cookie.set_refresh_cookie(response, request, pair.refresh_token, ttl)
    return pair.model_copy(update={"refresh_token": None})


def _refused(problem: Problem, request: Request, from_cookie: bool) -> Response:
    answer = problem.response(request.url.path)
    if from_cookie and problem.status == 401:
        cookie.clear_refresh_cookie(answer, request)
    return answer


@router.post("/login", response_model=TokenPair, responses={**_401, **_403, 429: {}})
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    uow: PublicUowDep,
    key_store: KeyStoreDep,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> TokenPair:
    """`"cookie": true`: the refresh token is set as an HttpOnly cookie on the refresh path
    and answered as null."""
    if body.cookie:
        cookie.require_same_origin(request)
    pair = await service.login(
        uow,
        body.username,
        body.password,
        key_store=key_store,
        throttle=throttle,
        settings=settings,
    )
    return (
        _in_cookie(pair, request, response, settings.refresh_token_ttl_seconds)
        if body.cookie
        else pair
    )


@router.post("/refresh", response_model=TokenPair, responses={**_401, **_403})
async def refresh(
    request: Request,
    response: Response,
    uow: PublicUowDep,
    key_store: KeyStoreDep,
    settings: SettingsDep,
    body: RefreshRequest | None = None,
) -> TokenPair | Response:
    """The refresh token from the body, or without a body from the session cookie (then
    rotated in the cookie)."""
    token = body.refresh_token if body is not None else cookie.refresh_cookie(request)
    from_cookie = body is None
    if token is None:
        raise unauthorized("no refresh token: none in the body and no session cookie")
    if from_cookie:
        cookie.require_same_origin(request)
    try:
        pair = await service.refresh(uow, token, key_store=key_store, settings=settings)
    except service.RefreshTokenReused:
        # Returned, not raised: the request transaction commits the family's revocation.
        refused = unauthorized("refresh token reused: every token of this session is revoked")
        return _refused(refused, request, from_cookie)
    except Problem as problem:
        if not from_cookie:
            raise
        return _refused(problem, request, from_cookie)
    return (
        _in_cookie(pair, request, response, settings.refresh_token_ttl_seconds)
        if from_cookie
        else pair
    )


@router.delete("/refresh", status_code=status.HTTP_204_NO_CONTENT, responses={**_401, **_403})
async def end_cookie_session(request: Request, response: Response, uow: UowDep) -> None:
    """The browser's logout: ends the session of the cookie's refresh token (its whole
    family) and clears the cookie."""
    cookie.require_same_origin(request)
    token = cookie.refresh_cookie(request)
    if token is not None:
        assert uow.user is not None
        await service.logout(uow, uow.user, token)
    cookie.clear_refresh_cookie(response, request)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_401)
async def logout(body: LogoutRequest, uow: UowDep) -> None:
    assert uow.user is not None
    await service.logout(uow, uow.user, body.refresh_token)


@router.get("/me", response_model=MeRead, responses=_401)
async def me(uow: UowDep) -> MeRead:
    assert uow.user is not None
    return await service.me(uow, uow.user)
