"""Benchmark scenarios: each starts what it needs and records results and ratios.

Add a scenario by writing `def name(bench: Bench) -> None` and listing it in SCENARIOS.
Ports: 18020-18039 are the benchmarks' (18000-18019 belong to the gateway's tests)."""

from __future__ import annotations

from collections.abc import Callable

from tests.bench.auth import auth_database, auth_me, login
from tests.bench.console import console
from tests.bench.harness import Bench
from tests.bench.hotpaths import interventions_direct
from tests.bench.interventions import interventions
from tests.bench.notifications import notifications
from tests.bench.reporting import reporting
from tests.bench.system import system

HELLO_PORT = 18020
AUTH_PORT = 18021
GATEWAY_PORT = 18022
STUB_PORT = 18023
STUB_GATEWAY_PORT = 18024
SERVICES = ("auth", "interventions", "inventory", "billing", "reporting", "notifications")


def gateway(bench: Bench) -> None:
    """GET /api/v1/auth/me straight to auth and through the gateway, and a bare hello."""
    auth_database(bench)
    hello = bench.start("hello", "tests.bench.hello:app", HELLO_PORT, factory=False)
    auth = bench.start("auth", "auth.main:create_app", AUTH_PORT)
    gw = bench.start(
        "gateway",
        "gateway.main:create_app",
        GATEWAY_PORT,
        env={
            "GATEWAY_AUTH_URL": auth.url,
            # one user sends every request: the limiter runs (its cost is measured) but
            # never refuses
            "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000000",
            "GATEWAY_RATE_LIMIT_BURST": "1000000000",
        },
    )
    headers = {"Authorization": f"Bearer {login(auth.url)}"}
    bench.measure_group(
        [
            ("hello", f"{hello.url}/hello", {}),
            ("auth /me direct", f"{auth.url}/api/v1/auth/me", headers),
            ("auth /me via gateway", f"{gw.url}/api/v1/auth/me", headers),
        ]
    )
    bench.ratio("gateway/direct", "auth /me via gateway", "auth /me direct", goal=0.8)
    bench.ratio("direct/hello", "auth /me direct", "hello")


def proxy(bench: Bench) -> None:
    """The gateway's own ceiling: in front of the hello app (no database behind it)."""
    import json

    from shared.testing.tokens import TokenFactory

    tokens = TokenFactory()
    stub = bench.start(
        "stub",
        "tests.bench.hello:app",
        STUB_PORT,
        factory=False,
        env={"BENCH_JWKS": json.dumps(tokens.jwks)},
    )
    gw = bench.start(
        "gateway-stub",
        "gateway.main:create_app",
        STUB_GATEWAY_PORT,
        env={
            **{f"GATEWAY_{name.upper()}_URL": stub.url for name in SERVICES},
            "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000000",
            "GATEWAY_RATE_LIMIT_BURST": "1000000000",
        },
    )
    headers = tokens.headers("admin", 1)
    bench.measure_group(
        [
            ("stub direct", f"{stub.url}/api/v1/auth/me", headers),
            ("stub via gateway", f"{gw.url}/api/v1/auth/me", headers),
        ]
    )
    bench.ratio("gateway/direct (stub)", "stub via gateway", "stub direct")


SCENARIOS: dict[str, Callable[[Bench], None]] = {
    "gateway": gateway,
    "proxy": proxy,
    "auth-me": auth_me,
    "interventions": interventions,
    "interventions-direct": interventions_direct,
    "notifications": notifications,
    "reporting": reporting,
    "console": console,
    "system": system,
}
