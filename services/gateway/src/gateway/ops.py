"""The gateway's own endpoints (/healthz, /readyz, /metrics, /openapi.json, /docs): a small
FastAPI app that only sees requests outside /api/v1/."""

from __future__ import annotations

import asyncio

import aiohttp
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from shared.context import client_address, parse_ip, parse_networks, trusted
from shared.errors import install_error_handlers, not_found
from swagger_ui_bundle import swagger_ui_path

from gateway.headers import page_csp
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
    metrics_allow = parse_networks(proxy.settings.metrics_allow)
    # Swagger UI's files from the installed package: /docs works without the Internet
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

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
        """Ready when it can serve, which it does if it answers this: a service that is
        down is that service's 503, not a reason to take the gateway out of rotation.
        Each upstream's state is in the body."""
        upstreams = [u for u in proxy.routes.upstreams.values() if u.name in proxy.modules]
        results = await asyncio.gather(*(check(u.origin) for u in upstreams))
        checks = {u.name: r for u, r in zip(upstreams, results, strict=True)}
        not_ready = [name for name, result in checks.items() if result != "ok"]
        return {"status": "ready", "checks": checks, "not_ready": not_ready}

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        # off the public: only from the allowed networks (Prometheus, the machine itself)
        peer = request.client.host if request.client else None
        caller = client_address(peer, request.headers.get("x-forwarded-for"), proxy.trusted_proxies)
        if not trusted(parse_ip(caller), metrics_allow):
            raise not_found("page")
        return Response(
            generate_latest(REGISTRY) + generate_latest(registry), media_type=CONTENT_TYPE_LATEST
        )

    @app.get("/openapi.json")
    async def openapi_json() -> Response:
        return Response(await openapi.get(proxy.get_session()), media_type="application/json")

    docs_page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="MIF ERP API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
    )
    docs_csp = page_csp(bytes(docs_page.body).decode())

    @app.get("/docs")
    async def docs() -> HTMLResponse:
        # its one inline script (Swagger UI's setup) allowed by hash, nothing else inline
        return HTMLResponse(docs_page.body, headers={"Content-Security-Policy": docs_csp})

    return app
