"""Access-token verification against the auth service's JWKS, current user, role guards.

Keys (issue 7, item 5): a token signed by a key id not seen yet makes the verifier fetch
the JWKS again at once (at most once per `JWKS_MIN_REFRESH_SECONDS`, waiting for that
rather than refusing), so a freshly rotated key is accepted immediately; the JWKS is
fetched again in the background once it is older than `JWKS_MAX_AGE_SECONDS` (30 s), so a
retired key is refused everywhere within about that long, cached verified tokens included.

Revocation: with a `shared.revocation.Revocations`, a token of a user or session revoked
after it was issued is refused (401) within the revocation cache lifetime (1 s).

Tokens are read strictly: three base64url segments without padding or stray bits.
"""

from __future__ import annotations

import asyncio
import base64
import re
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
    session_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


class KeyProvider(Protocol):
    async def get(self, kid: str) -> Any | None: ...


class RevocationCheck(Protocol):
    async def revoked(self, user: CurrentUser, issued_at: float) -> bool: ...


JWKS_MIN_REFRESH_SECONDS = 1.0
JWKS_MAX_AGE_SECONDS = 30.0
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def strict_segments(token: str) -> bool:
    """Three base64url segments in their one canonical spelling: no `=` padding, no
    impossible length, no stray bits in the last character (`...Q==` or `...R` for
    `...Q`): the same signature has only one spelling."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    for part in parts:
        if _SEGMENT.fullmatch(part) is None or len(part) % 4 == 1:
            return False
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
            return False
    return True


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

    def known(self, kid: str) -> bool:
        return kid in self.keys


class RemoteJWKS:
    """The auth service's JWKS. An unknown `kid` fetches it again at once, or after
    waiting out `min_refresh_seconds` since the last fetch (so forged kids cannot hammer
    auth: one fetch per interval, shared by every request waiting for it); a JWKS older
    than `max_age_seconds` is fetched again in the background, so retired keys go."""

    def __init__(
        self,
        url: str,
        *,
        min_refresh_seconds: float = JWKS_MIN_REFRESH_SECONDS,
        max_age_seconds: float = JWKS_MAX_AGE_SECONDS,
        timeout: float = 3.0,
    ):
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        self.max_age_seconds = max_age_seconds
        self.timeout = timeout
        self.keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._attempted_at = 0.0
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        self._attempted_at = time.monotonic()
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.get(self.url)
            response.raise_for_status()
            self.keys = keys_from_jwks(response.json())
        self._fetched_at = time.monotonic()

    def _stale(self) -> None:
        now = time.monotonic()
        if (
            now - self._fetched_at > self.max_age_seconds
            and now - self._attempted_at > self.min_refresh_seconds
            and (self._background is None or self._background.done())
        ):
            self._attempted_at = now
            self._background = asyncio.get_running_loop().create_task(self._refresh_quietly())

    async def _refresh_quietly(self) -> None:
        async with self._lock:
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError) as exc:
                # the keys known stay in use until auth answers again
                log.warning("jwks.refresh_failed", url=self.url, error=str(exc))

    def known(self, kid: str) -> bool:
        self._stale()
        return kid in self.keys

    async def get(self, kid: str) -> Any | None:
        key = self.keys.get(kid)
        if key is not None:
            self._stale()
            return key
        asked_at = time.monotonic()
        async with self._lock:
            if kid in self.keys:
                return self.keys[kid]
            if self._attempted_at > asked_at:
                return None  # fetched while we waited for the lock: still unknown
            wait = self.min_refresh_seconds - (time.monotonic() - self._attempted_at)
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError) as exc:
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
        revocations: RevocationCheck | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.cache_size = cache_size
        self.revocations = revocations
        # providers without `known` (a key store of the auth service itself) keep keys
        self._known: Callable[[str], bool] = getattr(keys, "known", None) or (lambda _kid: True)
        self._cache: dict[str, tuple[CurrentUser, float, str, float]] = {}

    async def verify(self, token: str) -> CurrentUser:
        user, issued_at = await self._verified(token)
        if self.revocations is not None and await self.revocations.revoked(user, issued_at):
            raise unauthorized("token revoked")
        return user

    async def _verified(self, token: str) -> tuple[CurrentUser, float]:
        cached = self._cache.get(token)
        if cached is not None:
            user, expires_at, kid, issued_at = cached
            if time.time() < expires_at and self._known(kid):
                return user, issued_at
            del self._cache[token]
        if not strict_segments(token):
            raise unauthorized("malformed token")
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
                session_id=claims.get("sid"),
            )
            issued_at = float(claims["iat"])
        except (ValueError, TypeError) as exc:
            raise unauthorized("invalid token claims") from exc
        if len(self._cache) >= self.cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[token] = (user, float(claims["exp"]), header["kid"], issued_at)
        return user, issued_at


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("expected 'Authorization: Bearer <token>'")
    return token.strip()


async def current_user(request: Request) -> CurrentUser:
    verifier: TokenVerifier = request.app.state.verifier
    given = request.headers.getlist("authorization")
    if len(given) > 1:  # which one counts would depend on who reads it
        raise Problem(400, "more than one Authorization header")
    user = await verifier.verify(bearer_token(given[0] if given else None))
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
