"""The FastAPI app factory every service uses: same middleware, errors, health, state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from kombu import Connection

from shared.context import RequestContextMiddleware
from shared.db import Database
from shared.errors import install_error_handlers
from shared.health import Check, health_router
from shared.internal import service_caller
from shared.logging import configure_logging, get_logger
from shared.revocation import Revocations
from shared.security import RemoteJWKS, TokenVerifier, current_user
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
        generate_unique_id_function=operation_id,
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
        revocations=(
            Revocations(settings.redis_url, prefix=settings.revocation_prefix)
            if settings.revocation_check
            else None
        ),
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


ERROR_DESCRIPTIONS = {
    "400": "Malformed request (problem+json)",
    "401": "No token, a bad or revoked one (problem+json)",
    "403": "The caller's role may not do this (problem+json)",
    "404": "Unknown, or not the caller's (problem+json)",
    "409": "Conflict: state, uniqueness, booking or stock (problem+json)",
    "412": "If-Match names another version (problem+json)",
    "422": "Invalid input (problem+json naming each field)",
    "429": "Too many requests (problem+json, Retry-After)",
}


def operation_id(route: APIRoute) -> str:
    """Readable and unique across services: `<tag>_<function>`, e.g.
    `interventions_affecter` (issue 7, item 14), instead of FastAPI's path-derived ids."""
    tag = str(route.tags[0]) if route.tags else "service"
    return f"{tag.replace('-', '_')}_{route.name}"


def _calls(dependant: Any) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _needs(route: Any) -> tuple[bool, bool]:
    """(needs a user's bearer token, needs a service token)."""
    calls = set(_calls(route.dependant))
    return current_user in calls, service_caller in calls


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error answer described as it really is sent:
    `application/problem+json` (FastAPI documents 422 as its own JSON shape); the bearer
    scheme declared on every operation that needs a token (so "Authorize" works), and the
    errors each operation can answer: 401/403 with a token, 404 with an id in the path,
    409 on writes, 412 with If-Match, 422 with input, 429 everywhere (the gateway's limit)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    secured: dict[tuple[str, str], tuple[bool, bool]] = {}
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            for method in route.methods or ():
                secured[(route.path_format, method.lower())] = _needs(route)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            user_token, service_token = secured.get((path, method), (False, False))
            codes = ["429"]
            if user_token or service_token:
                operation["security"] = [{"service" if service_token else "bearer": []}]
                codes += ["401", "403"]
            params = operation.get("parameters", [])
            if any(p.get("in") == "path" for p in params):
                codes.append("404")
            if method in ("post", "put", "patch", "delete"):
                codes.append("409")
            if any(p.get("in") == "header" and p.get("name") == "If-Match" for p in params):
                codes.append("412")
            if params or "requestBody" in operation:
                codes += ["400", "422"]
            for code in codes:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code[:1] in ("4", "5"):
                    response["content"] = problem
            if "422" in responses:
                responses["422"]["description"] = ERROR_DESCRIPTIONS["422"]
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "service": {
            "type": "http",
            "scheme": "bearer",
            "description": "a service token (shared.internal), for other services only",
        },
    }
    app.openapi_schema = schema
    return schema
