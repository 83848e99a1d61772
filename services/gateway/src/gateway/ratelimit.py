"""In-process token bucket per client: a dict probe and a few float operations."""

from __future__ import annotations

import time
from collections.abc import Hashable


class RateLimiter:
    """`rate` tokens per second refill each client's bucket, up to `burst`.

    State lives in this process only: with several gateway replicas each enforces the limit
    on its own share of traffic, which is what a cheap first line of defence needs.
    """

    def __init__(self, rate: float, burst: int, max_clients: int = 100_000) -> None:
        self.rate = float(rate)
        self.burst = float(max(burst, 1))
        self.max_clients = max_clients
        self.enabled = rate > 0
        # key -> [tokens, last refill time]
        self._buckets: dict[Hashable, list[float]] = {}

    def take(self, key: Hashable) -> float:
        """Take one token; 0.0 when allowed, else the seconds until a token is available."""
        if not self.enabled:
            return 0.0
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_clients:
                self._evict(now)
            self._buckets[key] = [self.burst - 1.0, now]
            return 0.0
        tokens = bucket[0] + (now - bucket[1]) * self.rate
        if tokens > self.burst:
            tokens = self.burst
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate

    def _evict(self, now: float) -> None:
        # Buckets that have refilled completely carry no information: drop them. If every
        # client is still limited (a flood of distinct keys), drop the oldest half.
        full_after = self.burst / self.rate
        stale = [k for k, (_, last) in self._buckets.items() if now - last >= full_after]
        for key in stale:
            del self._buckets[key]
        if len(self._buckets) >= self.max_clients:
            for key in list(self._buckets)[: len(self._buckets) // 2]:
                del self._buckets[key]
