"""The gateway's own endpoints (/healthz, /readyz, /metrics, /openapi.json, /docs): a small
FastAPI app that only sees requests outside /api/v1/."""

from __future__ import annotations

import asyncio

import aiohttp
from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from shared.errors import Problem, install_error_handlers

from gateway.openapi import OpenAPICache
from gateway.proxy import Proxy

READY_TIMEOUT = 2.0


def create_ops_app(proxy: Proxy) -> FastAPI:
    app = FastAPI(title="MIF ERP — gateway", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    openapi = OpenAPICache(proxy.routes, proxy.settings.openapi_cache_seconds)
    registry = CollectorRegistry(auto_describe=True)
    registry.register(proxy.metrics)
    app.state.proxy = proxy
    app.state.openapi = openapi

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    async def check(origin: str) -> str:
        try:
            async with proxy.get_session().get(
                f"{origin}/readyz", timeout=aiohttp.ClientTimeout(total=READY_TIMEOUT)
            ) as response:
                await response.read()
                return "ok" if response.status == 200 else f"status {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"unreachable: {type(exc).__name__}"

    @app.get("/readyz")
    async def readyz() -> dict[str, object]:
        upstreams = list(proxy.routes.upstreams.values())
        results = await asyncio.gather(*(check(u.origin) for u in upstreams))
        checks = {u.name: r for u, r in zip(upstreams, results, strict=True)}
        not_ready = [name for name, result in checks.items() if result != "ok"]
        if not_ready:
            raise Problem(
                503, f"not ready: {', '.join(not_ready)}", checks=checks, not_ready=not_ready
            )
        return {"status": "ready", "checks": checks}

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(
            generate_latest(REGISTRY) + generate_latest(registry), media_type=CONTENT_TYPE_LATEST
        )

    @app.get("/openapi.json")
    async def openapi_json() -> Response:
        return Response(await openapi.get(proxy.get_session()), media_type="application/json")

    @app.get("/docs")
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="MIF ERP API")

    return app
