"""Access tokens stop working at once (issue 7, item 5): after deactivation, a password
change, logout or a reused refresh token, the auth service refuses them (the gateway and
the other services read the same Redis markers: shared/tests/test_hardening.py)."""

from __future__ import annotations

import asyncio
import time

import jwt


async def _status_within(
    client, headers: dict[str, str], status: int, seconds: float, path: str = "/api/v1/auth/me"
) -> int:
    """GET `path` until it answers `status` or `seconds` pass; the last status seen."""
    deadline = time.monotonic() + seconds
    while True:
        answer = (await client.get(path, headers=headers)).status_code
        if answer == status or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.1)


async def test_tokens_carry_their_session_and_a_precise_issue_time(client, factory) -> None:
    user = await factory.user()
    pair = await factory.login(user["username"])
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert len(claims["sid"]) == 36  # the refresh-token family (a UUID)
    assert isinstance(claims["iat"], float)


async def test_deactivation_refuses_the_users_access_tokens(client, factory) -> None:
    # an admin: GET /users, unlike /auth/me, does not read the caller's row
    user = await factory.user(role="admin")
    bearer = factory.bearer(await factory.login(user["username"]))
    assert (await client.get("/api/v1/users?limit=1", headers=bearer)).status_code == 200
    response = await client.delete(f"/api/v1/users/{user['id']}", headers=factory.admin)
    assert response.status_code == 204
    assert await _status_within(client, bearer, 401, 3, "/api/v1/users?limit=1") == 401


async def test_a_password_change_refuses_older_tokens_not_newer_ones(client, factory) -> None:
    user = await factory.user()
    first = factory.bearer(await factory.login(user["username"]))
    second = factory.bearer(await factory.login(user["username"]))
    response = await client.post(
        f"/api/v1/users/{user['id']}/password",
        json={"current_password": factory.password, "new_password": "Tagine-aux-pruneaux-2030"},
        headers=first,
    )
    assert response.status_code == 200, response.text
    assert await _status_within(client, first, 401, 3) == 401
    assert await _status_within(client, second, 401, 3) == 401
    newer = factory.bearer(await factory.login(user["username"], "Tagine-aux-pruneaux-2030"))
    assert (await client.get("/api/v1/auth/me", headers=newer)).status_code == 200


async def test_logout_refuses_that_sessions_access_token_only(client, factory) -> None:
    user = await factory.user()
    phone, laptop = await factory.login(user["username"]), await factory.login(user["username"])
    response = await client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": phone["refresh_token"]},
        headers=factory.bearer(phone),
    )
    assert response.status_code == 204
    assert await _status_within(client, factory.bearer(phone), 401, 3) == 401
    assert (await client.get("/api/v1/auth/me", headers=factory.bearer(laptop))).status_code == 200


async def test_a_reused_refresh_token_refuses_the_sessions_access_tokens(client, factory) -> None:
    user = await factory.user()
    pair = await factory.login(user["username"])
    body = {"refresh_token": pair["refresh_token"]}
    rotated = (await client.post("/api/v1/auth/refresh", json=body)).json()
    assert (await client.post("/api/v1/auth/refresh", json=body)).status_code == 401  # reuse
    assert await _status_within(client, factory.bearer(rotated), 401, 3) == 401
