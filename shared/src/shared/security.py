"""Access-token verification against the auth service's JWKS, current user, role guards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Protocol

import httpx
import jwt
import structlog
from fastapi import Depends, Request

from shared.errors import Problem, forbidden, unauthorized
from shared.logging import get_logger

log = get_logger(__name__)
ALGORITHMS = ["EdDSA"]


class Role(StrEnum):
    admin = "admin"
    responsable = "responsable"
    technicien = "technicien"
    client = "client"


STAFF = (Role.admin, Role.responsable)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    username: str
    role: Role
    technicien_id: int | None = None
    client_id: int | None = None
    token_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


class KeyProvider(Protocol):
    async def get(self, kid: str) -> Any | None: ...


def keys_from_jwks(jwks: dict[str, Any]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for jwk in jwks.get("keys", []):
        try:
            keys[jwk["kid"]] = jwt.PyJWK(jwk).key
        except (KeyError, jwt.PyJWTError) as exc:
            log.warning("jwks.key_skipped", error=str(exc))
    return keys


class StaticKeys:
    """Keys known in advance (tests, or the auth service verifying its own tokens)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.keys = keys_from_jwks(jwks)

    async def get(self, kid: str) -> Any | None:
        return self.keys.get(kid)


class RemoteJWKS:
    """The auth service's JWKS, fetched once and again only for an unknown `kid`
    (at most every `min_refresh_seconds`, so forged kids cannot hammer auth)."""

    def __init__(self, url: str, *, min_refresh_seconds: float = 10.0, timeout: float = 3.0):
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        self.timeout = timeout
        self.keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.get(self.url)
            response.raise_for_status()
            self.keys = keys_from_jwks(response.json())
        self._fetched_at = time.monotonic()

    async def get(self, kid: str) -> Any | None:
        key = self.keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            if kid in self.keys:
                return self.keys[kid]
            if time.monotonic() - self._fetched_at < self.min_refresh_seconds:
                return None
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError) as exc:
                self._fetched_at = time.monotonic()
                log.warning("jwks.fetch_failed", url=self.url, error=str(exc))
                raise Problem(503, "token keys unavailable, retry shortly") from exc
        return self.keys.get(kid)


class TokenVerifier:
    """Verifies access tokens; a verified token is remembered until it expires, so the
    signature check runs once per token instead of once per request."""

    def __init__(
        self,
        keys: KeyProvider,
        *,
        issuer: str,
        audience: str,
        cache_size: int = 10_000,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.cache_size = cache_size
        self._cache: dict[str, tuple[CurrentUser, float]] = {}

    async def verify(self, token: str) -> CurrentUser:
        cached = self._cache.get(token)
        if cached is not None:
            user, expires_at = cached
            if time.time() < expires_at:
                return user
            del self._cache[token]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise unauthorized("malformed token") from exc
        if header.get("alg") not in ALGORITHMS or not isinstance(header.get("kid"), str):
            raise unauthorized("token algorithm or key id not accepted")
        key = await self.keys.get(header["kid"])
        if key is None:
            raise unauthorized("token signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("token expired") from exc
        except jwt.PyJWTError as exc:
            raise unauthorized("invalid token") from exc
        if claims.get("typ") != "access":
            raise unauthorized("not an access token")
        try:
            user = CurrentUser(
                id=int(claims["sub"]),
                username=str(claims.get("username", "")),
                role=Role(claims["role"]),
                technicien_id=claims.get("technicien_id"),
                client_id=claims.get("client_id"),
                token_id=claims.get("jti"),
            )
        except (ValueError, TypeError) as exc:
            raise unauthorized("invalid token claims") from exc
        if len(self._cache) >= self.cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[token] = (user, float(claims["exp"]))
        return user


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("expected 'Authorization: Bearer <token>'")
    return token.strip()


async def current_user(request: Request) -> CurrentUser:
    verifier: TokenVerifier = request.app.state.verifier
    user = await verifier.verify(bearer_token(request.headers.get("authorization")))
    structlog.contextvars.bind_contextvars(user_id=user.id)
    return user


CurrentUserDep = Annotated[CurrentUser, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, CurrentUser]]:
    """A dependency that answers 403 unless the signed-in user has one of `roles`."""
    allowed = frozenset(roles)

    async def guard(user: CurrentUserDep) -> CurrentUser:
        if user.role not in allowed:
            raise forbidden()
        return user

    return guard


StaffDep = Annotated[CurrentUser, Depends(require_roles(*STAFF))]
AdminDep = Annotated[CurrentUser, Depends(require_roles(Role.admin))]
