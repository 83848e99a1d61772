"""`python -m auth.bootstrap`: the first admin, once, with its password printed once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import sqlalchemy as sa
from shared.db import Database


def run_bootstrap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auth.bootstrap", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_bootstrap_creates_the_admin_once(test_env, migrate, client) -> None:
    migrate("auth")
    username = f"boot{uuid.uuid4().hex[:10]}"
    env = {
        "DATABASE_URL": test_env["DATABASE_URL"],
        "MIF_ADMIN_USERNAME": username,
        "MIF_ADMIN_EMAIL": f"{username}@localhost",
    }
    first = await asyncio.to_thread(run_bootstrap, env)
    assert first.returncode == 0, first.stderr
    lines = [line for line in first.stdout.splitlines() if line.startswith("admin password: ")]
    assert len(lines) == 1
    password = lines[0].removeprefix("admin password: ")
    assert len(password) >= 16

    second = await asyncio.to_thread(run_bootstrap, {**env, "MIF_ADMIN_PASSWORD": "ignored-pw"})
    assert second.returncode == 0, second.stderr
    assert "admin password" not in second.stdout

    db = Database(test_env["DATABASE_URL"], pool_size=1)
    try:
        async with db.sessionmaker() as session:
            user = (
                await session.execute(
                    sa.text("SELECT id, role FROM auth.users WHERE username = :u"), {"u": username}
                )
            ).one()
            events = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM auth.outbox WHERE type = 'user.created' "
                    "AND payload->>'aggregate_id' = :id"
                ),
                {"id": str(user.id)},
            )
    finally:
        await db.dispose()
    assert user.role == "admin" and events == 1
    # the printed password signs in (the admin was committed, visible to the test's app)
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text


async def test_bootstrap_with_a_given_password_prints_nothing(test_env, migrate, client) -> None:
    migrate("auth")
    username = f"boot{uuid.uuid4().hex[:10]}"
    env = {
        "DATABASE_URL": test_env["DATABASE_URL"],
        "MIF_ADMIN_USERNAME": username,
        "MIF_ADMIN_EMAIL": f"{username}@localhost",
        "MIF_ADMIN_PASSWORD": "chosen-admin-pw",
    }
    result = await asyncio.to_thread(run_bootstrap, env)
    assert result.returncode == 0, result.stderr
    assert "admin password" not in result.stdout
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": "chosen-admin-pw"}
    )
    assert response.status_code == 200


async def test_a_lost_password_is_reset_from_the_command_line(test_env, migrate, client) -> None:
    """Issue 7, item 15: `python -m auth.bootstrap --reset-password USER`."""
    migrate("auth")
    username = f"boot{uuid.uuid4().hex[:10]}"
    env = {
        "DATABASE_URL": test_env["DATABASE_URL"],
        "MIF_ADMIN_USERNAME": username,
        "MIF_ADMIN_EMAIL": f"{username}@localhost",
        "MIF_ADMIN_PASSWORD": "lost-and-forgotten-Zq7",
    }
    assert (await asyncio.to_thread(run_bootstrap, env)).returncode == 0

    chosen = {**env, "MIF_ADMIN_PASSWORD": "Kasbah-des-Oudayas-1666"}
    reset = await asyncio.to_thread(run_bootstrap, chosen, "--reset-password", username)
    assert reset.returncode == 0, reset.stderr
    assert "new password" not in reset.stdout

    async def login(password: str) -> int:
        body = {"username": username, "password": password}
        return (await client.post("/api/v1/auth/login", json=body)).status_code

    assert await login("lost-and-forgotten-Zq7") == 401
    assert await login("Kasbah-des-Oudayas-1666") == 200

    generated = await asyncio.to_thread(
        run_bootstrap, {**env, "MIF_ADMIN_PASSWORD": ""}, "--reset-password", username
    )
    assert generated.returncode == 0, generated.stderr
    (line,) = [x for x in generated.stdout.splitlines() if x.startswith("new password: ")]
    assert await login(line.removeprefix("new password: ")) == 200
    assert await login("Kasbah-des-Oudayas-1666") == 401

    weak = {**env, "MIF_ADMIN_PASSWORD": "password123"}
    refused = await asyncio.to_thread(run_bootstrap, weak, "--reset-password", username)
    assert refused.returncode == 2
    assert "too easy to guess" in refused.stderr
    unknown = await asyncio.to_thread(run_bootstrap, chosen, "--reset-password", "nobody-here")
    assert unknown.returncode == 3
    assert "no user 'nobody-here'" in unknown.stderr
