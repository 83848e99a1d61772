"""The FastAPI app factory every service uses: same middleware, errors, health, state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from kombu import Connection

from shared.context import RequestContextMiddleware
from shared.db import Database
from shared.errors import install_error_handlers
from shared.health import Check, health_router
from shared.logging import configure_logging, get_logger
from shared.revocation import Revocations
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
        # no 307 to the service's own address for a trailing slash: 404 (issue 7, item 9)
        redirect_slashes=False,
        # metrics are Prometheus' (/metrics) and nothing exports OpenTelemetry: FastAPI's
        # own telemetry hook would look up the global providers on every request
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.service = service
    app.state.db = Database(
        settings.database_url,
        application_name=service,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        echo=settings.db_echo,
    )
    app.state.verifier = TokenVerifier(
        RemoteJWKS(settings.jwks_url),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        revocations=Revocations(settings.redis_url) if settings.revocation_check else None,
    )
    install_error_handlers(app)
    # Ready when the database answers; the broker (and any extra check) is reported in
    # the body only: the outbox keeps writes working while it is away, and a Redis blip
    # must not take every pod out of the load balancer at once.
    optional: dict[str, Check] = {"broker": broker_check(settings.effective_broker_url)}
    optional.update(extra_checks or {})

    def ready_checks(request: Request) -> dict[str, Check]:
        return {"database": request.app.state.db.ping}

    app.include_router(health_router(ready_checks, optional=lambda _request: optional))
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    app.add_middleware(
        RequestContextMiddleware, service=service, trusted_hops=settings.forwarded_allow_ips
    )
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    return app


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each bad field (422).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error answer described as it really is sent:
    `application/problem+json` (FastAPI documents 422 as its own JSON shape)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operation in (op for item in schema.get("paths", {}).values() for op in item.values()):
        responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
        for code, response in responses.items():
            if code[:1] in ("4", "5"):
                response["content"] = problem
        if "422" in responses:
            responses["422"]["description"] = "Invalid input (problem+json naming each field)"
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Problem"] = PROBLEM_SCHEMA
    app.openapi_schema = schema
    return schema
