"""Claims that need real concurrent transactions, on committed data: the app runs with its
own engine (DATABASE_URL of the test run), and every name is unique."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from auth.config import Settings
from auth.keys.service import ensure_signing_key, fernet_for
from auth.main import create_app
from auth.users import service as users_service
from auth.users.schemas import UserCreate
from fastapi import FastAPI
from shared.db import Database
from shared.migrations import upgrade
from shared.security import Role
from shared.testing.infra import scratch_database
from shared.testing.plugin import asgi_client
from shared.uow import unit_of_work

PASSWORD = "concurrent-pass"


@pytest.fixture
async def committed_app(migrate: Any) -> AsyncIterator[FastAPI]:
    migrate("auth")
    app = create_app(Settings(login_max_failures_per_ip=1_000_000))
    yield app
    await app.state.redis.aclose()
    await app.state.db.dispose()


async def committed_user(app: FastAPI, role: Role = Role.admin) -> tuple[str, int]:
    name = f"c{uuid.uuid4().hex[:12]}"
    data = UserCreate(
        username=name, email=f"{name}@example.ma", full_name=name, password=PASSWORD, role=role
    )
    async with unit_of_work(app.state.db, schema="auth") as uow:
        user = await users_service.create_user(uow, data, role)
    return name, user.id


async def login(http: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await http.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_concurrent_refreshes_with_one_token_exactly_one_wins(committed_app) -> None:
    username, _ = await committed_user(committed_app, Role.responsable)
    async with asgi_client(committed_app) as http:
        for _ in range(3):
            pair = await login(http, username)
            body = {"refresh_token": pair["refresh_token"]}
            responses = await asyncio.gather(
                *(http.post("/api/v1/auth/refresh", json=body) for _ in range(8))
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200] + [401] * 7, statuses
            # the losers were reuses: the family, winner's new token included, is revoked
            winner = next(r.json() for r in responses if r.status_code == 200)
            again = await http.post(
                "/api/v1/auth/refresh", json={"refresh_token": winner["refresh_token"]}
            )
            assert again.status_code == 401


async def test_concurrent_stale_patches_one_wins_the_other_gets_412(committed_app) -> None:
    admin, _ = await committed_user(committed_app)
    _, target_id = await committed_user(committed_app, Role.responsable)
    async with asgi_client(committed_app) as http:
        headers = {"Authorization": f"Bearer {(await login(http, admin))['access_token']}"}
        found = (await http.get(f"/api/v1/users/{target_id}", headers=headers)).json()
        url = f"/api/v1/users/{found['id']}"
        stale = {**headers, "If-Match": str(found["version"])}
        responses = await asyncio.gather(
            *(http.patch(url, json={"full_name": f"name {i}"}, headers=stale) for i in range(4))
        )
        assert sorted(r.status_code for r in responses) == [200, 412, 412, 412]
        assert (await http.get(url, headers=headers)).json()["version"] == found["version"] + 1


async def test_concurrent_creates_with_one_username_one_wins(committed_app) -> None:
    admin, _ = await committed_user(committed_app)
    name = f"dup{uuid.uuid4().hex[:10]}"
    async with asgi_client(committed_app) as http:
        headers = {"Authorization": f"Bearer {(await login(http, admin))['access_token']}"}
        bodies = [
            {
                "user": {
                    "username": name,
                    "email": f"{name}{i}@example.ma",
                    "full_name": name,
                    "password": PASSWORD,
                }
            }
            for i in range(4)
        ]
        responses = await asyncio.gather(
            *(http.post("/api/v1/techniciens", json=b, headers=headers) for b in bodies)
        )
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    async with committed_app.state.db.sessionmaker() as session:
        count = await session.scalar(
            sa.text(
                "SELECT count(*) FROM auth.techniciens t JOIN auth.users u ON u.id = t.user_id "
                "WHERE u.username = :name"
            ),
            {"name": name},
        )
    assert count == 1


async def test_replicas_starting_together_create_one_signing_key(postgres_url: str) -> None:
    with scratch_database(postgres_url) as url:
        await asyncio.to_thread(upgrade, "auth", url)
        databases = [Database(url, pool_size=1) for _ in range(5)]
        fernet = fernet_for("dev-insecure-test")

        async def start(db: Database) -> str:
            async with db.sessionmaker() as session, session.begin():
                return (await ensure_signing_key(session, fernet)).kid

        try:
            kids = await asyncio.gather(*(start(db) for db in databases))
            async with databases[0].sessionmaker() as session:
                count = await session.scalar(sa.text("SELECT count(*) FROM auth.signing_keys"))
        finally:
            for db in databases:
                await db.dispose()
    assert count == 1 and len(set(kids)) == 1


async def test_startup_creates_a_key_when_none_exists(postgres_url: str) -> None:
    with scratch_database(postgres_url) as url:
        await asyncio.to_thread(upgrade, "auth", url)
        apps = [create_app(Settings(database_url=url)) for _ in range(3)]
        try:
            # each replica's startup: the first creates the key, the others load it
            async with contextlib.AsyncExitStack() as stack:
                for app in apps:
                    await stack.enter_async_context(app.router.lifespan_context(app))
                async with asgi_client(apps[0]) as http:
                    jwks = (await http.get("/api/v1/auth/jwks.json")).json()
        finally:
            for app in apps:
                await app.state.db.dispose()
    assert len(jwks["keys"]) == 1
    assert apps[1].state.key_store._public.keys() == {jwks["keys"][0]["kid"]}
