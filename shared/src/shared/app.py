"""The FastAPI app factory every service uses: same middleware, errors, health, state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import APIRouter, FastAPI, Request
from kombu import Connection

from shared.context import RequestContextMiddleware
from shared.db import Database
from shared.errors import install_error_handlers
from shared.health import Check, health_router
from shared.logging import configure_logging, get_logger
from shared.security import RemoteJWKS, TokenVerifier
from shared.settings import ServiceSettings, redis_client_url

API_PREFIX = "/api/v1"
log = get_logger(__name__)


def broker_check(url: str) -> Check:
    if url.startswith(("redis://", "rediss://", "redis+socket://", "unix://")):
        client = aioredis.from_url(redis_client_url(url), socket_connect_timeout=1)

        async def ping_redis() -> None:
            await client.ping()

        return ping_redis

    async def ping_kombu() -> None:
        def connect() -> None:
            with Connection(url, connect_timeout=1) as conn:
                conn.ensure_connection(max_retries=1)

        await asyncio.to_thread(connect)

    return ping_kombu


def create_service_app(
    *,
    service: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter] = (),
    title: str | None = None,
    description: str = "",
    on_startup: Callable[[FastAPI], Awaitable[None]] | None = None,
    on_shutdown: Callable[[FastAPI], Awaitable[None]] | None = None,
    extra_checks: dict[str, Check] | None = None,
) -> FastAPI:
    """A service app: routers under /api/v1, problem+json errors, request context,
    /healthz /readyz /metrics, `app.state.db`, `app.state.verifier`, `app.state.settings`."""
    configure_logging(settings.log_level, json=settings.json_logs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_startup is not None:
            await on_startup(app)
        log.info("service.started", service=service, environment=settings.environment)
        yield
        if on_shutdown is not None:
            await on_shutdown(app)
        await app.state.db.dispose()

    app = FastAPI(
        title=title or f"MIF ERP — {service}",
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.db = Database(
        settings.database_url,
        application_name=service,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        echo=settings.db_echo,
    )
    app.state.verifier = TokenVerifier(
        RemoteJWKS(settings.jwks_url), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    install_error_handlers(app)
    checks: dict[str, Check] = {"broker": broker_check(settings.effective_broker_url)}
    checks.update(extra_checks or {})

    def ready_checks(request: Request) -> dict[str, Check]:
        return {"database": request.app.state.db.ping, **checks}

    app.include_router(health_router(ready_checks))
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    app.add_middleware(RequestContextMiddleware, service=service)
    return app
