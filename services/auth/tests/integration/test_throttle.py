"""Login throttling: per account and per IP, 429 with Retry-After until the window ends."""

from __future__ import annotations

import asyncio

from auth.config import Settings
from auth.main import create_app


async def test_repeated_failures_lock_the_account_until_the_window_ends(
    app_client, factory, migrate
) -> None:
    migrate("auth")
    app = create_app(
        Settings(
            # short, yet longer than 20 argon2 checks on a loaded machine
            login_failure_window_seconds=6,
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
        assert 1 <= retry_after <= 6
        await asyncio.sleep(retry_after + 0.2)
        accepted = await http.post("/api/v1/auth/login", json=right)
        assert accepted.status_code == 200, accepted.text


async def test_failures_from_one_ip_are_limited_across_accounts(
    app_client, factory, migrate
) -> None:
    migrate("auth")
    app = create_app(Settings(login_failure_window_seconds=30, login_max_failures_per_ip=3))
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
