"""Revocation markers in Redis (issue 7, item 5): access tokens stop working within about a
second after their user is deactivated, changes its password or logs out, instead of
living out their 15 minutes.

- `mif:revoked:user:<id>` = the time (epoch seconds, float) of the revocation: every token
  of that user issued (`iat`) at or before it is refused.
- `mif:revoked:session:<sid>` = the same for one session (the `sid` claim: a refresh-token
  family), set by logout.

Markers expire after the access-token lifetime (a revoked token has expired by then).
The auth service writes them (`revoke_user`, `revoke_session`); the gateway and every
service read them through `Revocations`, which keeps each marker `CACHE_SECONDS` (1 s) in
memory, so a user's requests cost one Redis round trip per second and per process. If Redis
does not answer, the last known markers are used and a warning is logged (fail open: the
token's own expiry still bounds it).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import redis.asyncio as aioredis

from shared.logging import get_logger
from shared.security import CurrentUser
from shared.settings import redis_client_url

log = get_logger(__name__)

PREFIX = "mif:revoked:"
CACHE_SECONDS = 1.0
# longer than any access token lives (auth's access_token_ttl_seconds is at most a day)
DEFAULT_MARKER_TTL = 86_400 + 60


def user_key(user_id: int, prefix: str = PREFIX) -> str:
    return f"{prefix}user:{user_id}"


def session_key(session_id: str, prefix: str = PREFIX) -> str:
    return f"{prefix}session:{session_id}"


async def revoke_user(
    client: Any, user_id: int, *, ttl: int = DEFAULT_MARKER_TTL, prefix: str = PREFIX
) -> float:
    """Refuse every token of `user_id` issued until now. Returns the marker's time."""
    now = time.time()
    await client.set(user_key(user_id, prefix), repr(now), ex=ttl)
    return now


async def revoke_session(
    client: Any, session_id: str, *, ttl: int = DEFAULT_MARKER_TTL, prefix: str = PREFIX
) -> float:
    now = time.time()
    await client.set(session_key(session_id, prefix), repr(now), ex=ttl)
    return now


class Revocations:
    """The reading side, plugged into `shared.security.TokenVerifier(revocations=...)`."""

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = CACHE_SECONDS,
        prefix: str = PREFIX,
        max_entries: int = 100_000,
        timeout: float = 0.5,
    ) -> None:
        self.client = aioredis.from_url(
            redis_client_url(url), socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.cache_seconds = cache_seconds
        self.prefix = prefix
        self.max_entries = max_entries
        # key -> (fetched at (monotonic), marker or None)
        self._cache: dict[str, tuple[float, float | None]] = {}
        self._inflight: dict[tuple[str, ...], asyncio.Future[None]] = {}

    async def revoked(self, user: CurrentUser, issued_at: float) -> bool:
        keys = [user_key(user.id, self.prefix)]
        if user.session_id:
            keys.append(session_key(user.session_id, self.prefix))
        now = time.monotonic()
        stale = tuple(
            k for k in keys if now - self._cache.get(k, (-1e9, None))[0] > self.cache_seconds
        )
        if stale:
            await self._fetch(stale)
        for key in keys:
            marker = self._cache.get(key, (0.0, None))[1]
            if marker is not None and issued_at <= marker:
                return True
        return False

    async def _fetch(self, keys: tuple[str, ...]) -> None:
        pending = self._inflight.get(keys)
        if pending is not None:  # another request of the same caller is asking already
            await asyncio.shield(pending)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inflight[keys] = future
        try:
            values = await self.client.mget(keys)
            fetched = time.monotonic()
            if len(self._cache) + len(keys) > self.max_entries:
                for old in list(self._cache)[: len(keys) + self.max_entries // 10]:
                    del self._cache[old]
            for key, value in zip(keys, values, strict=True):
                self._cache[key] = (fetched, float(value) if value is not None else None)
        except (aioredis.RedisError, OSError, ValueError) as exc:
            log.warning("revocation.check_failed", error=repr(exc))
            fetched = time.monotonic()
            for key in keys:  # keep what was known; ask again after the cache lifetime
                self._cache[key] = (fetched, self._cache.get(key, (0.0, None))[1])
        finally:
            del self._inflight[keys]
            future.set_result(None)

    async def close(self) -> None:
        await self.client.aclose()
