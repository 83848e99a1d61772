"""The gateway's ASGI app: `uvicorn --factory gateway.main:create_app`."""

from __future__ import annotations

from shared.logging import configure_logging, get_logger
from shared.revocation import Revocations
from shared.security import RemoteJWKS, TokenVerifier
from starlette.types import Message, Receive, Scope, Send

from gateway import headers as security_headers
from gateway.config import Settings
from gateway.console import install_console
from gateway.ops import create_ops_app
from gateway.proxy import Proxy, new_request_id, valid_request_id
from gateway.routes import RouteTable

log = get_logger("gateway")
CONSOLE_CSP = security_headers.CONSOLE_CSP.encode()


class Gateway:
    """Raw ASGI entry point: /api/v1/ goes straight to the proxy; the rest (docs, health,
    metrics) to a small FastAPI app; the lifespan opens and closes the upstream pool."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.routes = RouteTable(settings.service_urls)
        self.jwks = RemoteJWKS(settings.jwks_url, timeout=settings.connect_timeout)
        self.verifier = TokenVerifier(
            self.jwks,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            revocations=(
                Revocations(settings.redis_url, prefix=settings.revocation_prefix)
                if settings.revocation_check
                else None
            ),
        )
        self.ops = create_ops_app(proxy := Proxy(settings, self.routes, self.verifier, self._ops))
        self.proxy = proxy
        install_console(self.ops)  # the web console at `/`, after the ops routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self.proxy(scope, receive, send)

    async def _ops(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.ops(scope, receive, send)
            return
        request_id = next((v for n, v in scope["headers"] if n == b"x-request-id"), None)
        if request_id is None or not valid_request_id(request_id):
            request_id = new_request_id().encode()

        forwarded_proto = next((v for n, v in scope["headers"] if n == b"x-forwarded-proto"), None)
        hsts = self.proxy.hsts if self.proxy.came_over_tls(scope, forwarded_proto) else None

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = [*message.get("headers", []), (b"x-request-id", request_id)]
                present = {name.lower() for name, _ in out}
                out.extend(h for h in security_headers.PAGES if h[0] not in present)
                if security_headers.CSP not in present:
                    out.append((security_headers.CSP, CONSOLE_CSP))
                if hsts is not None:
                    out.append(hsts)
                message["headers"] = out
            await send(message)

        await self.ops(scope, receive, send_with_id)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # a failed startup must be reported, not raised
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.proxy.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        self.proxy.get_session()
        # Fetch the token keys now so the first requests do not wait for them; if auth is
        # not up yet they are fetched on the first token with an unknown key id.
        try:
            await self.jwks.refresh()
        except Exception as exc:
            log.warning("jwks.prefetch_failed", url=self.jwks.url, error=repr(exc))
        log.info("gateway.started", routes=sorted(self.routes.upstreams))


def create_app(settings: Settings | None = None) -> Gateway:
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.json_logs)
    return Gateway(settings)
