"""Authenticated `GET /api/v1/auth/me` straight to the auth service against a raw psycopg 3
read of the same user's row (tests.bench.baselines), in one run with the same uvicorn
flags: goal >= 0.7 against the pool's default (BEGIN, SELECT, COMMIT) and, without a goal,
against the same read in autocommit (one round trip, as the service reads)."""

from __future__ import annotations

import httpx

from tests.bench.harness import Bench

# 48050-48059: clear of the hot paths' 48040-48049 and of 18000-18039.
BASELINES_PORT = 48050
AUTH_PORT = 48051
ADMIN_USERNAME = "bench-admin"
ADMIN_PASSWORD = "Tizi-n-Test-pass-2026!"  # none of the admin's names in it (policy)


def auth_database(bench: Bench) -> None:
    """The bench database with the auth schema and the bench's admin."""
    from shared.migrations import upgrade

    bench.infrastructure()
    upgrade("auth", bench.database_url)
    bench.run_module(
        "auth.bootstrap",
        env={"MIF_ADMIN_USERNAME": ADMIN_USERNAME, "MIF_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )


def login(auth_url: str) -> str:
    """An access token of the bench's admin."""
    response = httpx.post(
        f"{auth_url}/api/v1/auth/login",
        json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD},
        timeout=10.0,
    )
    if response.status_code != 200:
        raise RuntimeError(f"login failed: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


def auth_me(bench: Bench) -> None:
    auth_database(bench)
    baselines = bench.start(
        "baselines-auth",
        "tests.bench.baselines:create_app",
        BASELINES_PORT,
        env={"BENCH_DATABASE_URL": bench.database_url},
    )
    auth = bench.start("auth-me", "auth.main:create_app", AUTH_PORT)
    headers = {"Authorization": f"Bearer {login(auth.url)}"}
    me = httpx.get(f"{auth.url}/api/v1/auth/me", headers=headers, timeout=10.0)
    me.raise_for_status()
    user_id = me.json()["id"]
    raw = httpx.get(f"{baselines.url}/raw/auth/users/{user_id}", timeout=10.0)
    raw.raise_for_status()
    assert raw.json()["username"] == ADMIN_USERNAME

    direct, floor = "GET /auth/me direct", "GET raw psycopg user"
    floor_autocommit = "GET raw psycopg user autocommit"
    bench.measure_group(
        [
            (direct, f"{auth.url}/api/v1/auth/me", headers),
            (floor, f"{baselines.url}/raw/auth/users/{user_id}", {}),
            (floor_autocommit, f"{baselines.url}/raw-autocommit/auth/users/{user_id}", {}),
        ]
    )
    bench.ratio("/auth/me direct/raw psycopg", direct, floor, goal=0.7)
    # like for like: the service reads in autocommit too
    bench.ratio("/auth/me direct/raw autocommit", direct, floor_autocommit)
