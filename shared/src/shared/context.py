"""Per-request context: request id, client IP and user agent, for logs and audit rows.

The client IP is the peer's address unless the peer is a trusted hop (the gateway, by
default on this machine: `FORWARDED_ALLOW_IPS`, the variable uvicorn reads too), whose
`X-Forwarded-For` is then believed from the right: the rightmost address that is not
itself a trusted hop. Only addresses PostgreSQL's `inet` accepts come out (an IPv6 zone
such as `%eth0` is dropped; anything else unparsable is None), so an address can never
make a write fail. The user agent is cut to `MAX_USER_AGENT` characters.
"""

from __future__ import annotations

import functools
import ipaddress
import time
import uuid
from collections.abc import Iterable
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


MAX_USER_AGENT = 256
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8, ::1"` as networks; `*` is every address."""
    items = spec.split(",") if isinstance(spec, str) else spec
    networks: list[Network] = []
    for item in (i.strip() for i in items):
        if item == "*":
            networks += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
        elif item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return tuple(networks)


def parse_ip(value: str | None) -> IPAddress | None:
    """An address `inet` accepts, or None: zone ids dropped, `[v6]` brackets and ports
    removed, IPv4-mapped IPv6 shown as IPv4."""
    if not value:
        return None
    text = value.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.partition(":")[0]
    text = text.partition("%")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def trusted(address: IPAddress | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in n for n in networks)


@functools.lru_cache(maxsize=4096)
def client_address(
    peer: str | None, forwarded_for: str | None, hops: tuple[Network, ...]
) -> str | None:
    """The caller's address: the peer, or if the peer is a trusted hop, the rightmost
    `X-Forwarded-For` entry that is not one (invalid entries end the walk)."""
    address = parse_ip(peer)
    if forwarded_for and trusted(address, hops):
        for entry in reversed(forwarded_for.split(",")):
            hop = parse_ip(entry)
            if hop is None:
                break
            address = hop
            if not trusted(hop, hops):
                break
    return str(address) if address is not None else None


def clean_user_agent(value: str | None) -> str | None:
    return value[:MAX_USER_AGENT] if value else value


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
    `X-Request-ID` or a new one), client IP (see `client_address`: the gateway's
    `X-Forwarded-For` only when the peer is a trusted hop) and user agent (cut); echoes
    `X-Request-ID`; logs and counts each request."""

    def __init__(
        self,
        app: ASGIApp,
        service: str,
        access_log: bool = True,
        trusted_hops: str = "127.0.0.1,::1",
    ) -> None:
        self.app = app
        self.service = service
        self.access_log = access_log
        self.hops = parse_networks(trusted_hops)
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
                hop = value.decode("latin-1")
                forwarded = f"{forwarded},{hop}" if forwarded else hop
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")
        if request_id is None or not _valid_request_id(request_id):
            request_id = uuid.uuid4().hex
        client = scope.get("client")
        client_ip = client_address(client[0] if client else None, forwarded, self.hops)
        token = _meta.set(RequestMeta(request_id, client_ip, clean_user_agent(user_agent)))
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
