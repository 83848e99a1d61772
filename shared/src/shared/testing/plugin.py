"""pytest plugin (loaded with `-p shared.testing.plugin`): the fixtures every service's
tests use. One database per test run, migrated with Alembic; each API test runs in a
transaction rolled back at its end."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

from shared.migrations import upgrade
from shared.security import StaticKeys, TokenVerifier
from shared.testing.infra import postgres_server, redis_server, s3_server, scratch_database
from shared.testing.tokens import AUDIENCE, ISSUER, TokenFactory


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as server, scratch_database(server) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def s3_env() -> Iterator[dict[str, str]]:
    """`STORAGE_*` variables for an S3-compatible server started for this run (moto's server
    mode, one bucket): set them on a process or pass `StorageSettings(**...)` to test
    `shared.storage`'s S3 backend through the production code path."""
    with s3_server() as env:
        yield env


@pytest.fixture(scope="session")
def test_env(postgres_url: str, redis_url: str) -> Iterator[dict[str, str]]:
    """Process environment pointing every service's settings at the test servers."""
    env = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": os.environ.get("TEST_LOG_LEVEL", "WARNING"),
        # internal calls go nowhere unless a test points them somewhere: a system another
        # run started on the default ports must not answer for this test's database
        **{
            f"{name.upper()}_INTERNAL_URL": "http://127.0.0.1:9"
            for name in ("auth", "interventions", "inventory", "billing", "reporting")
        },
        "NOTIFICATIONS_INTERNAL_URL": "http://127.0.0.1:9",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_migrated: set[str] = set()


@pytest.fixture(scope="session")
def migrate(test_env: dict[str, str]) -> Callable[[str], str]:
    """`migrate("auth")` applies that service's migrations once per run; returns the URL."""

    def run(service: str) -> str:
        if service not in _migrated:
            upgrade(service, test_env["DATABASE_URL"])
            _migrated.add(service)
        return test_env["DATABASE_URL"]

    return run


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture(scope="session")
async def engine(test_env: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    # named like the services' connections (`mif...`): the app under test shares them
    engine = create_async_engine(
        test_env["DATABASE_URL"], pool_size=5, connect_args={"application_name": "mif-tests"}
    )
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def db_session(db_connection: AsyncConnection) -> Any:
    """A session factory inside the test's transaction (service commits become savepoints)."""
    return async_sessionmaker(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def trust_test_tokens(app: FastAPI, tokens: TokenFactory) -> None:
    app.state.verifier = TokenVerifier(StaticKeys(tokens.jwks), issuer=ISSUER, audience=AUDIENCE)


@contextlib.asynccontextmanager
async def asgi_client(
    app: FastAPI, base_url: str = "http://test"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


@pytest.fixture
def app_client(
    db_session: Any, tokens: TokenFactory
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with app_client(app) as client:` — the app on the test's rolled-back
    transaction, trusting `tokens`."""

    @contextlib.asynccontextmanager
    async def make(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        app.state.db.sessionmaker = db_session
        trust_test_tokens(app, tokens)
        async with asgi_client(app) as client:
            yield client

    return make
