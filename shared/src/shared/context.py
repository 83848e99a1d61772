"""Per-request context: request id, client IP and user agent, for logs and audit rows."""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import get_logger

log = get_logger("http")


@dataclass(frozen=True, slots=True)
class RequestMeta:
    request_id: str
    client_ip: str | None
    user_agent: str | None


_meta: ContextVar[RequestMeta | None] = ContextVar("request_meta", default=None)


def request_meta() -> RequestMeta:
    return _meta.get() or RequestMeta(request_id=uuid.uuid4().hex, client_ip=None, user_agent=None)


REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _valid_request_id(value: str) -> bool:
    return 0 < len(value) <= 128 and value.isprintable() and " " not in value


class RequestContextMiddleware:
    """Pure ASGI (no per-request task or body copy): binds the request id (the caller's
    `X-Request-ID` or a new one), client IP (first `X-Forwarded-For` hop set by the
    gateway) and user agent; echoes `X-Request-ID`; logs and counts each request."""

    def __init__(self, app: ASGIApp, service: str, access_log: bool = True) -> None:
        self.app = app
        self.service = service
        self.access_log = access_log
        self._latency = LATENCY.labels(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = forwarded = user_agent = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")
            elif name == b"x-forwarded-for":
                forwarded = value.decode("latin-1")
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")
        if request_id is None or not _valid_request_id(request_id):
            request_id = uuid.uuid4().hex
        client = scope.get("client")
        client_ip = (
            forwarded.split(",")[0].strip() if forwarded else (client[0] if client else None)
        )
        token = _meta.set(RequestMeta(request_id, client_ip, user_agent))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        header = (b"x-request-id", request_id.encode("latin-1"))
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            self._latency.observe(elapsed)
            REQUESTS.labels(self.service, scope["method"], str(status)).inc()
            if self.access_log and scope["path"] not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    ms=round(elapsed * 1000, 2),
                )
            _meta.reset(token)
