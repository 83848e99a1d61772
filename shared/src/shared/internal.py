"""Service-to-service HTTP: a short-lived signed service credential, the dependency that
checks it on the owner's side, and a small cached client for the caller's side.

The credential is an HS256 JWT signed with `SERVICE_TOKEN_SECRET` (shared by the services,
never by users or the gateway): `sub` = `service:<caller>`, `aud` = `mif-internal:<owner>`,
valid `SERVICE_TOKEN_TTL` seconds. User tokens (RS256, auth's keys) are never accepted on
internal endpoints and service tokens never on public ones: the algorithms, keys and
audiences differ. The gateway routes no `/api/v1/internal/...` path, so internal endpoints
are only reachable inside the deployment's network. Production refuses the development
secret (`dev-insecure-` marker), a `CHANGE-ME` template value and any secret shorter
than 32 characters.

    # owner (auth): router = APIRouter(prefix="/internal", dependencies=[ServiceCallerDep])
    # caller (interventions):
    auth = InternalClient("auth", caller="interventions")
    data = await auth.get_json(f"/internal/clients/{client_id}")   # None when 404
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request

from shared.errors import unauthorized
from shared.logging import get_logger
from shared.security import bearer_token
from shared.settings import DEV_SECRET_PREFIX

log = get_logger(__name__)

ALGORITHM = "HS256"
AUDIENCE_PREFIX = "mif-internal:"
SUBJECT_PREFIX = "service:"
SERVICE_TOKEN_TTL = 60
MIN_SECRET_LENGTH = 32
DEV_SERVICE_SECRET = DEV_SECRET_PREFIX + "service-token-secret-change-me-0123456789"
# Local port of each service (deploy/local/run.py: MIF_PORT_BASE + index).
LOCAL_PORTS = {
    "auth": 8001,
    "interventions": 8002,
    "inventory": 8003,
    "billing": 8004,
    "reporting": 8005,
    "notifications": 8006,
}


def service_secret() -> str:
    """`SERVICE_TOKEN_SECRET`; the development default only outside production."""
    secret = os.environ.get("SERVICE_TOKEN_SECRET", DEV_SERVICE_SECRET)
    if os.environ.get("ENVIRONMENT", "development") not in ("development", "test"):
        placeholder = secret.startswith(DEV_SECRET_PREFIX) or "change-me" in secret.lower()
        if placeholder or len(secret) < MIN_SECRET_LENGTH:
            raise RuntimeError(
                "SERVICE_TOKEN_SECRET must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters outside development"
            )
    return secret


def internal_url(service: str) -> str:
    """Base URL of `service` for internal calls: `<SERVICE>_INTERNAL_URL`, else local."""
    url = os.environ.get(f"{service.upper()}_INTERNAL_URL")
    return url or f"http://127.0.0.1:{LOCAL_PORTS[service]}"


def mint_service_token(caller: str, owner: str, *, secret: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "sub": SUBJECT_PREFIX + caller,
        "aud": AUDIENCE_PREFIX + owner,
        "iat": now,
        "exp": now + SERVICE_TOKEN_TTL,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret or service_secret(), algorithm=ALGORITHM)


def verify_service_token(token: str, owner: str, *, secret: str | None = None) -> str:
    """The calling service's name; 401 for anything but a valid service token for `owner`."""
    try:
        claims = jwt.decode(
            token,
            secret or service_secret(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE_PREFIX + owner,
            options={"require": ["sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        raise unauthorized("invalid service token") from exc
    subject = str(claims["sub"])
    if not subject.startswith(SUBJECT_PREFIX):
        raise unauthorized("invalid service token")
    return subject[len(SUBJECT_PREFIX) :]


async def service_caller(request: Request) -> str:
    """Dependency of internal endpoints: the calling service, from its service token."""
    token = bearer_token(request.headers.get("authorization"))
    return verify_service_token(token, request.app.state.service)


ServiceCallerDep = Annotated[str, Depends(service_caller)]


class InternalClient:
    """GET JSON from another service with a service token: short timeout, answers cached
    `ttl` seconds (a 404 for `miss_ttl`), one HTTP client per event loop. An owner that
    does not answer is logged and treated as not knowing the id (not cached): the caller
    answers as it did before it could ask."""

    def __init__(
        self,
        owner: str,
        *,
        caller: str,
        base_url: str | None = None,
        timeout: float = 3.0,
        ttl: float = 30.0,
        miss_ttl: float = 1.0,
        max_entries: int = 10_000,
    ) -> None:
        self.owner = owner
        self.caller = caller
        self.base_url = base_url
        self.timeout = timeout
        self.ttl = ttl
        self.miss_ttl = miss_ttl
        self.max_entries = max_entries
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._token: tuple[float, str] | None = None
        self._http: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http[0] is not loop:
            base = self.base_url or internal_url(self.owner)
            self._http = (loop, httpx.AsyncClient(base_url=base, timeout=self.timeout))
        return self._http[1]

    def _bearer(self) -> str:
        now = time.monotonic()
        if self._token is None or self._token[0] < now:
            # renewed well before expiry, so a token never expires in flight
            self._token = (now + SERVICE_TOKEN_TTL / 2, mint_service_token(self.caller, self.owner))
        return self._token[1]

    async def get_json(self, path: str) -> dict[str, Any] | None:
        """The owner's answer at `path`; None if it says 404 or does not answer in time."""
        now = time.monotonic()
        cached = self._cache.get(path)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response = await self._client().get(
                path, headers={"authorization": f"Bearer {self._bearer()}"}
            )
        except httpx.HTTPError as exc:
            log.warning("internal.unavailable", owner=self.owner, path=path, error=repr(exc))
            return None
        if response.status_code == 404:
            body = None
        elif response.status_code == 200:
            body = response.json()
        else:
            log.warning("internal.error", owner=self.owner, path=path, status=response.status_code)
            return None
        if len(self._cache) >= self.max_entries:
            self._cache.clear()
        self._cache[path] = (now + (self.ttl if body is not None else self.miss_ttl), body)
        return body

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http[1].aclose()
            self._http = None
