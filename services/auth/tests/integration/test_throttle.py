"""Login throttling: per account and per IP, 429 with Retry-After until the window ends."""

from __future__ import annotations

import asyncio
import math
import time
import uuid

import httpx
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


def _behind_gateway(**settings: object) -> Settings:
    """The test client (203.0.113.7) stands for the gateway: its X-Forwarded-For is believed."""
    return Settings(forwarded_allow_ips="203.0.113.7", **settings)  # type: ignore[arg-type]


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def _address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


async def test_failures_from_one_ip_are_limited_across_accounts(
    app_client, factory, migrate
) -> None:
    migrate("auth")
    app = create_app(_behind_gateway(login_failure_window_seconds=30, login_max_failures_per_ip=3))
    ip = _from(_address())
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
        response = await http.post("/api/v1/auth/login", json=body, headers=_from(_address()))
        assert response.status_code == 401


async def test_failures_from_one_address_do_not_lock_the_owner_out(
    app_client, factory, migrate
) -> None:
    """Issue 7, item 4: an attacker's address is locked out of the account, its owner is not."""
    migrate("auth")
    app = create_app(_behind_gateway(login_max_failures_per_account=3))
    user = await factory.user()
    attacker, owner = _from(_address()), _from(_address())
    async with app_client(app) as http:
        wrong = {"username": user["username"], "password": "wrong-password"}
        statuses = [
            (await http.post("/api/v1/auth/login", json=wrong, headers=attacker)).status_code
            for _ in range(5)
        ]
        assert statuses == [401, 401, 401, 429, 429]
        right = {"username": user["username"], "password": factory.password}
        response = await http.post("/api/v1/auth/login", json=right, headers=attacker)
        assert response.status_code == 429
        response = await http.post("/api/v1/auth/login", json=right, headers=owner)
        assert response.status_code == 200, response.text


async def test_another_accounts_success_does_not_reset_the_count(
    app_client, factory, migrate
) -> None:
    """Issue 7, item 4: guesses at `VICTIM`, `Victim`, `victim` count for one account; the
    attacker cannot rename its own account `VICTIM`, and its successful login resets
    nothing of the victim's (27 guesses in a window of 10 before)."""
    migrate("auth")
    app = create_app(_behind_gateway(login_max_failures_per_account=3))
    victim, own = await factory.user(), await factory.user()
    attacker = _from(_address())
    name = victim["username"]
    async with app_client(app) as http:
        for spelling in (name.upper(), name.capitalize(), name):
            wrong = {"username": spelling, "password": "wrong-password"}
            response = await http.post("/api/v1/auth/login", json=wrong, headers=attacker)
            assert response.status_code == 401
        # the look-alike the issue found: PATCH /users/{id} {"username": "VICTIM"}
        renamed = await factory.http.patch(
            f"/api/v1/users/{own['id']}", json={"username": name.upper()}, headers=factory.admin
        )
        assert renamed.status_code == 409
        mine = {"username": own["username"], "password": factory.password}
        response = await http.post("/api/v1/auth/login", json=mine, headers=attacker)
        assert response.status_code == 200
        wrong = {"username": name.swapcase(), "password": "wrong-password"}
        response = await http.post("/api/v1/auth/login", json=wrong, headers=attacker)
        assert response.status_code == 429


async def test_failures_from_many_addresses_slow_the_account_down(
    app_client, factory, migrate
) -> None:
    """Issue 7, item 4: spread over addresses, guesses meet growing delays (1 s, then 2 s)
    after the previous failure instead of a lock-out of everyone."""
    migrate("auth")
    app = create_app(_behind_gateway(login_account_delay_after=2))
    user = await factory.user()
    wrong = {"username": user["username"], "password": "wrong-password"}
    async with app_client(app) as http:

        async def attempt(body: dict[str, str]) -> httpx.Response:
            return await http.post("/api/v1/auth/login", json=body, headers=_from(_address()))

        assert (await attempt(wrong)).status_code == 401
        assert (await attempt(wrong)).status_code == 401
        slowed = await attempt(wrong)
        assert slowed.status_code == 429
        assert slowed.headers["retry-after"] == "1"
        await asyncio.sleep(1.05)
        assert (await attempt(wrong)).status_code == 401
        slowed = await attempt(wrong)
        assert slowed.status_code == 429
        assert slowed.headers["retry-after"] == "2"
        await asyncio.sleep(2.05)
        right = {"username": user["username"], "password": factory.password}
        assert (await attempt(right)).status_code == 200
