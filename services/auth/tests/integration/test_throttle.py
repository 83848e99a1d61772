"""Login throttling: per account and per IP, 429 with Retry-After until the window ends."""

from __future__ import annotations

import asyncio
import math
import time

from auth.config import Settings
from auth.main import create_app


async def test_repeated_failures_lock_the_account_until_the_window_ends(
    app_client, client, factory, migrate
) -> None:
    migrate("auth")
    # The window must hold ten argon2 checks: sized from how fast this machine is right now
    # (at least 2 s), so a loaded CI box does not see the window end mid-test.
    started = time.monotonic()
    for _ in range(3):
        wrong = {"username": factory.unique(), "password": "wrong-password"}
        assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
    per_attempt = (time.monotonic() - started) / 3
    window = max(2, math.ceil(per_attempt * 10 * 4))
    app = create_app(
        Settings(
            login_failure_window_seconds=window,
            login_max_failures_per_account=10,
            login_max_failures_per_ip=1_000_000,
        )
    )
    user = await factory.user()
    async with app_client(app) as http:
        wrong = {"username": user["username"], "password": "wrong-password"}
        statuses = [
            (await http.post("/api/v1/auth/login", json=wrong)).status_code for _ in range(20)
        ]
        assert statuses[:10] == [401] * 10
        assert statuses[10:] == [429] * 10
        right = {"username": user["username"], "password": factory.password}
        refused = await http.post("/api/v1/auth/login", json=right)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= window
        await asyncio.sleep(retry_after + 0.1)
        accepted = await http.post("/api/v1/auth/login", json=right)
        assert accepted.status_code == 200, accepted.text


async def test_failures_from_one_ip_are_limited_across_accounts(
    app_client, factory, migrate
) -> None:
    migrate("auth")
    # the test client stands for the gateway: its X-Forwarded-For names the caller
    app = create_app(
        Settings(
            login_failure_window_seconds=30,
            login_max_failures_per_ip=3,
            forwarded_allow_ips="203.0.113.7",
        )
    )
    ip = {"X-Forwarded-For": f"2001:db8::{factory.unique('')[:4]}"}
    async with app_client(app) as http:
        for _ in range(3):
            body = {"username": factory.unique(), "password": "wrong-password"}
            response = await http.post("/api/v1/auth/login", json=body, headers=ip)
            assert response.status_code == 401
        body = {"username": factory.unique(), "password": "wrong-password"}
        response = await http.post("/api/v1/auth/login", json=body, headers=ip)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        # another IP is not affected
        other = {"X-Forwarded-For": f"2001:db8::{factory.unique('')[:4]}"}
        response = await http.post("/api/v1/auth/login", json=body, headers=other)
        assert response.status_code == 401
