"""Request counters kept as plain ints on the hot path and exported as Prometheus text.

prometheus_client's labelled Counter and Histogram take a lock and a label lookup per
call; the gateway counts millions of requests, so it keeps its own tallies and turns them
into metric families only when /metrics is scraped."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class GatewayMetrics(Collector):
    def __init__(self) -> None:
        # (upstream, method, status) -> count
        self.requests: dict[tuple[str, str, int], int] = {}
        # upstream -> [count per bucket..., +Inf count], sum
        self._buckets: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}
        self.rate_limited = 0

    def observe(self, upstream: str, method: str, status: int, seconds: float) -> None:
        key = (upstream, method, status)
        requests = self.requests
        requests[key] = requests.get(key, 0) + 1
        counts = self._buckets.get(upstream)
        if counts is None:
            counts = self._buckets[upstream] = [0] * (len(BUCKETS) + 1)
            self._sums[upstream] = 0.0
        counts[bisect_left(BUCKETS, seconds)] += 1
        self._sums[upstream] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "gateway_requests",
            "Requests answered by the gateway, by upstream service",
            labels=["upstream", "method", "status"],
        )
        for (upstream, method, status), count in sorted(self.requests.items()):
            requests.add_metric([upstream, method, str(status)], count)
        yield requests
        latency = HistogramMetricFamily(
            "gateway_request_duration_seconds",
            "Time from the request reaching the gateway to the end of its answer",
            labels=["upstream"],
        )
        for upstream, counts in sorted(self._buckets.items()):
            cumulative, running = [], 0
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                running += count
                cumulative.append((bound, running))
            latency.add_metric([upstream], cumulative, self._sums[upstream])
        yield latency
        limited = CounterMetricFamily(
            "gateway_rate_limited", "Requests refused with 429 by the rate limit"
        )
        limited.add_metric([], self.rate_limited)
        yield limited
