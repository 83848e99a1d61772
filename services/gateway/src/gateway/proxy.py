"""The proxy hot path as a raw ASGI app: route, authenticate, rate-limit, forward.

Everything per request is a few dict probes and one aiohttp request on a pooled keep-alive
connection; request and response bodies stream through without being held whole."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from http import HTTPStatus
from random import getrandbits
from typing import Any

import aiohttp
import orjson
from multidict import istr
from shared.context import MAX_USER_AGENT, client_address, parse_ip, parse_networks, trusted
from shared.errors import PROBLEM_JSON, Problem
from shared.logging import get_logger
from shared.security import TokenVerifier
from starlette.types import ASGIApp, Receive, Scope, Send
from yarl import URL

from gateway import headers as security_headers
from gateway.config import Settings
from gateway.cors import Cors
from gateway.metrics import GatewayMetrics
from gateway.ratelimit import RateLimiter
from gateway.routes import RouteTable, Upstream

log = get_logger("gateway")

# Request headers not forwarded: hop-by-hop (RFC 9110 §7.6.1), the Host of the gateway,
# and the ones the gateway sets itself.
_REQUEST_DROP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"expect",
        b"x-request-id",
        b"x-forwarded-for",
        # the caller does not choose what the services believe about the connection
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-forwarded-port",
        b"forwarded",
        b"x-real-ip",
        b"user-agent",
    }
)
# Response headers not passed back: hop-by-hop, and Date/Server which uvicorn adds itself.
_RESPONSE_DROP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"date",
        b"server",
        b"x-request-id",
    }
)
# Requests that need no token: signing in, refreshing, and the public keys.
PUBLIC = frozenset(
    {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/refresh"),
        ("GET", "/api/v1/auth/jwks.json"),
        ("HEAD", "/api/v1/auth/jwks.json"),
    }
)
# Answers at most this long (by Content-Length) are read in one piece and sent in one
# ASGI message; longer or unsized ones are streamed.
SMALL_BODY = 64 * 1024
_X_REQUEST_ID = istr("X-Request-ID")
_X_FORWARDED_FOR = istr("X-Forwarded-For")
_X_FORWARDED_PROTO = istr("X-Forwarded-Proto")
_USER_AGENT = istr("User-Agent")


class ClientDisconnected(Exception):
    """The caller went away while its request body was being forwarded."""


class BodyTooLarge(Exception):
    """A request body without a Content-Length grew past the gateway's limit."""


def new_request_id() -> str:
    # 128 random bits without a getrandom() syscall: an id needs uniqueness, not secrecy
    return f"{getrandbits(128):032x}"


def valid_request_id(value: bytes) -> bool:
    # printable ASCII without spaces, bounded: it ends up in logs and audit rows
    return 0 < len(value) <= 128 and all(33 <= c <= 126 for c in value)


def problem_body(status: int, detail: str, instance: str, **extra: Any) -> bytes:
    title = HTTPStatus(status).phrase
    body = {
        "type": f"https://mif.ma/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update(extra)
    return orjson.dumps(body)


class Proxy:
    """Answers every /api/v1/ request; anything else goes to `fallback`."""

    def __init__(
        self,
        settings: Settings,
        routes: RouteTable,
        verifier: TokenVerifier,
        fallback: ASGIApp,
    ) -> None:
        self.settings = settings
        self.routes = routes
        self.verifier = verifier
        self.fallback = fallback
        self.cors = Cors(settings.cors_origin_list, settings.cors_max_age)
        self.limiter = RateLimiter(
            settings.rate_limit_per_second,
            settings.rate_limit_burst,
            settings.rate_limit_max_clients,
        )
        self.metrics = GatewayMetrics()
        self.access_log = settings.access_log
        self.trusted_proxies = parse_networks(settings.trusted_proxies)
        self.modules = settings.module_set
        self.max_headers = settings.max_headers
        self.max_header_bytes = settings.max_header_bytes
        self.max_json_body = settings.max_json_body
        self.max_upload_body = settings.max_upload_body
        self.hsts = security_headers.hsts(settings.hsts_max_age_seconds)
        self.session: aiohttp.ClientSession | None = None

    def came_over_tls(self, scope: Scope, forwarded_proto: bytes | None) -> bool:
        """TLS to the gateway itself, or to a trusted proxy in front of it."""
        if scope.get("scheme") == "https":
            return True
        if forwarded_proto != b"https" or not self.trusted_proxies:
            return False
        client = scope.get("client")
        return trusted(parse_ip(client[0] if client else None), self.trusted_proxies)

    # -- lifecycle -----------------------------------------------------------------------

    def make_session(self) -> aiohttp.ClientSession:
        s = self.settings
        connector = aiohttp.TCPConnector(
            limit=s.upstream_pool_size,
            limit_per_host=0,
            keepalive_timeout=s.pool_keepalive,
            ttl_dns_cache=300,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=s.connect_timeout, sock_read=s.read_timeout
            ),
            # Bytes pass through untouched: no decompression, no cookies kept between
            # callers, and no client headers the caller did not send.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            trust_env=False,
        )

    def get_session(self) -> aiohttp.ClientSession:
        session = self.session
        if session is None or session.closed:
            session = self.session = self.make_session()
        return session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    # -- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v1/"):
            await self.fallback(scope, receive, send)
            return
        start = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]

        headers: list[tuple[str, str]] = []
        authorization = request_id = forwarded_for = forwarded_proto = origin = None
        connection = user_agent = None
        has_body = multipart = False
        length = -1
        authorizations = 0
        head_bytes = 0
        raw_headers = scope["headers"]
        for name, value in raw_headers:
            head_bytes += len(name) + len(value)
            if name in _REQUEST_DROP:
                if name == b"x-request-id":
                    request_id = value
                elif name == b"x-forwarded-for":
                    forwarded_for = value if forwarded_for is None else forwarded_for + b"," + value
                elif name == b"x-forwarded-proto":
                    forwarded_proto = value
                elif name == b"user-agent":
                    user_agent = value
                elif name == b"transfer-encoding":
                    has_body = True
                elif name == b"connection":
                    connection = value
                continue
            if name == b"authorization":
                authorization = value
                authorizations += 1
            elif name == b"origin":
                origin = value
            elif name == b"content-length":
                has_body = value != b"0"
                length = int(value) if value.isdigit() else -1
            elif name == b"content-type":
                # uploads (multipart forms, raw files) have their own, larger limit
                multipart = value[:10].lower() == b"multipart/" or value[:24].lower() == (
                    b"application/octet-stream"
                )
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        if connection is not None:
            # headers the caller declared hop-by-hop in Connection are not forwarded either
            listed = {t.strip().lower() for t in connection.decode("latin-1").split(",")}
            headers = [(n, v) for n, v in headers if n.lower() not in listed]

        rid = (
            request_id.decode("ascii")
            if request_id is not None and valid_request_id(request_id)
            else new_request_id()
        )
        extra: list[tuple[bytes, bytes]] = [
            (b"x-request-id", rid.encode("ascii")),
            *security_headers.API,
        ]
        if self.hsts is not None and self.came_over_tls(scope, forwarded_proto):
            extra.append(self.hsts)
        if origin is not None and self.cors.enabled:
            if method == "OPTIONS" and any(
                n == b"access-control-request-method" for n, _ in raw_headers
            ):
                await self._preflight(scope, send, origin, extra)
                return
            if self.cors.allowed(origin):
                extra.extend(self.cors.response_headers(origin))

        client = scope.get("client")
        peer = client[0] if client else None
        client_ip = (
            client_address(peer, forwarded_for.decode("latin-1") if forwarded_for else None,
                           self.trusted_proxies)
            or "unknown"
        )  # fmt: skip
        refusal = self._refusal(
            len(raw_headers), head_bytes, authorizations, has_body, length, multipart
        )
        if refusal is not None:
            status, detail = refusal
            await self._refuse(send, status, detail, path, extra, rid, client_ip, method)
            self._observe("none", method, status, start)
            return

        upstream = self.routes.lookup(path)
        if upstream is None:
            await self._problem(send, 404, f"no service answers {path}", path, extra)
            self._observe("none", method, 404, start)
            return
        if upstream.name not in self.modules:
            await self._refuse(
                send, 501, f"the {upstream.name} module is not available yet", path, extra,
                rid, client_ip, method, module=upstream.name,
            )  # fmt: skip
            self._observe(upstream.name, method, 501, start)
            return

        key: int | str = client_ip
        if (method, path) not in PUBLIC:
            try:
                if authorization is None:
                    raise Problem(401, "missing bearer token")
                scheme, _, token = authorization.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise Problem(401, "expected 'Authorization: Bearer <token>'")
                user = await self.verifier.verify(token.strip())
                key = user.id
            except Problem as problem:
                # refused callers still spend their address's tokens, so guessing
                # tokens is rate-limited too
                wait = self.limiter.take(client_ip)
                if wait > 0.0:
                    await self._too_many(send, path, extra, wait, rid, client_ip, method)
                    self._observe(upstream.name, method, 429, start)
                    return
                if problem.status == 401:
                    extra.append((b"www-authenticate", b"Bearer"))
                await self._refuse(
                    send, problem.status, problem.detail, path, extra, rid, client_ip, method
                )
                self._observe(upstream.name, method, problem.status, start)
                return
        wait = self.limiter.take(key)
        if wait > 0.0:
            await self._too_many(send, path, extra, wait, rid, client_ip, method)
            self._observe(upstream.name, method, 429, start)
            return

        headers.append((_X_REQUEST_ID, rid))
        # The gateway is the edge: these say what it saw, never what the caller claimed
        # (a trusted proxy in front of it excepted).
        headers.append((_X_FORWARDED_FOR, client_ip))
        proto = scope.get("scheme", "http")
        if forwarded_proto in (b"http", b"https") and trusted(parse_ip(peer), self.trusted_proxies):
            proto = forwarded_proto.decode("ascii")
        headers.append((_X_FORWARDED_PROTO, proto))
        if user_agent is not None:
            headers.append((_USER_AGENT, user_agent[:MAX_USER_AGENT].decode("latin-1")))
        limit = -1 if length >= 0 else (self.max_upload_body if multipart else self.max_json_body)
        status = await self._forward(
            scope, receive, send, upstream, method, headers, has_body, extra, rid, limit
        )
        self._observe(upstream.name, method, status, start)

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        upstream: Upstream,
        method: str,
        headers: list[tuple[str, str]],
        has_body: bool,
        extra: list[tuple[bytes, bytes]],
        rid: str,
        limit: int = -1,
    ) -> int:
        """Forward; `limit` >= 0 bounds a body of unannounced size (413 past it)."""
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        query: bytes = scope["query_string"]
        target = upstream.origin + raw_path.decode("latin-1")
        if query:
            target += "?" + query.decode("latin-1")
        body_state = {"done": not has_body, "disconnected": False, "too_large": False}

        async def body() -> AsyncIterator[bytes]:
            received = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    body_state["disconnected"] = True
                    raise ClientDisconnected
                chunk = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if 0 <= limit < received:
                        body_state["too_large"] = True
                        raise BodyTooLarge
                    yield chunk
                if not message.get("more_body", False):
                    body_state["done"] = True
                    return

        # HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body
        data = body() if has_body else None
        path = scope["path"]
        try:
            response = await self.get_session().request(
                method,
                URL(target, encoded=True),
                headers=headers,
                data=data,
                allow_redirects=False,
            )
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            log.warning("upstream.timeout", upstream=upstream.name, error=repr(exc), request_id=rid)
            return await self._upstream_error(send, 504, upstream, path, extra, rid, "timed out")
        except aiohttp.ClientConnectorError as exc:
            log.warning("upstream.down", upstream=upstream.name, error=repr(exc), request_id=rid)
            return await self._upstream_error(send, 503, upstream, path, extra, rid, "is down")
        except (aiohttp.ClientError, ClientDisconnected, BodyTooLarge) as exc:
            if body_state["disconnected"]:
                return 499  # nobody is left to answer
            if body_state["too_large"]:
                await self._refuse(
                    send, 413, f"request body larger than {limit} bytes", path, extra, rid,
                    "", method,
                )  # fmt: skip
                return 413
            log.warning("upstream.failed", upstream=upstream.name, error=repr(exc), request_id=rid)
            return await self._upstream_error(
                send, 502, upstream, path, extra, rid, "answered badly"
            )

        try:
            status = response.status
            out = [
                (name.lower(), value)
                for name, value in response.raw_headers
                if name.lower() not in _RESPONSE_DROP
            ]
            out.extend(extra)
            length = response.content_length
            if length is not None and length <= SMALL_BODY:
                try:
                    content = await response.read()
                except (TimeoutError, aiohttp.ClientError) as exc:
                    code = 504 if isinstance(exc, TimeoutError) else 502
                    return await self._upstream_error(
                        send, code, upstream, path, extra, rid, "did not finish its answer"
                    )
                await send({"type": "http.response.start", "status": status, "headers": out})
                await send({"type": "http.response.body", "body": content})
                return status
            await send({"type": "http.response.start", "status": status, "headers": out})
            await self._stream(receive, send, response, body_state["done"], upstream, rid)
            return status
        finally:
            response.release()

    async def _stream(
        self,
        receive: Receive,
        send: Send,
        response: aiohttp.ClientResponse,
        request_done: bool,
        upstream: Upstream,
        rid: str,
    ) -> None:
        # uvicorn drops writes to a caller that has left without telling the app, so a
        # long answer (a download, the notification stream) needs its own watch for the
        # caller's disconnect; it can only listen once the request body is consumed.
        watcher: asyncio.Task[None] | None = None
        if request_done:

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                response.close()

            watcher = asyncio.create_task(watch())
        try:
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except (TimeoutError, aiohttp.ClientError) as exc:
            if watcher is not None and watcher.done():
                return  # the caller left and the watcher closed the upstream answer
            # The status line is gone: all that is left is to cut the connection so the
            # caller sees a truncated answer rather than a complete-looking one.
            log.warning("upstream.stream_failed", upstream=upstream.name, error=repr(exc))
            raise
        finally:
            if watcher is not None:
                watcher.cancel()

    # -- answers of the gateway itself ----------------------------------------------------

    def _observe(self, upstream: str, method: str, status: int, start: float) -> None:
        elapsed = time.perf_counter() - start
        self.metrics.observe(upstream, method, status, elapsed)
        if self.access_log:
            log.info(
                "request",
                upstream=upstream,
                method=method,
                status=status,
                ms=round(elapsed * 1000, 2),
            )

    async def _problem(
        self,
        send: Send,
        status: int,
        detail: str,
        instance: str,
        extra: list[tuple[bytes, bytes]],
        **fields: Any,
    ) -> None:
        body = problem_body(status, detail, instance, **fields)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _too_many(
        self,
        send: Send,
        instance: str,
        extra: list[tuple[bytes, bytes]],
        wait: float,
        rid: str,
        client_ip: str,
        method: str,
    ) -> None:
        self.metrics.rate_limited += 1
        retry_after = max(1, math.ceil(wait))
        await self._refuse(
            send,
            429,
            f"rate limit exceeded, retry in {retry_after} s",
            instance,
            [*extra, (b"retry-after", str(retry_after).encode())],
            rid,
            client_ip,
            method,
        )

    def _refusal(
        self,
        count: int,
        head_bytes: int,
        authorizations: int,
        has_body: bool,
        length: int,
        multipart: bool,
    ) -> tuple[int, str] | None:
        """What the gateway answers itself before routing, if anything."""
        if count > self.max_headers or head_bytes > self.max_header_bytes:
            return 431, (
                f"request headers exceed {self.max_headers} fields or {self.max_header_bytes} bytes"
            )
        if authorizations > 1:
            return 400, "more than one Authorization header"
        if has_body and length >= 0:
            limit = self.max_upload_body if multipart else self.max_json_body
            if length > limit:
                return 413, f"request body larger than {limit} bytes"
        return None

    async def _refuse(
        self,
        send: Send,
        status: int,
        detail: str,
        instance: str,
        extra: list[tuple[bytes, bytes]],
        rid: str,
        client_ip: str,
        method: str,
        **fields: Any,
    ) -> None:
        """An answer of the gateway's own (400, 401, 403, 413, 429, 431, 501): logged,
        since no service saw the request."""
        log.info(
            "gateway.refused",
            status=status,
            detail=detail,
            method=method,
            path=instance,
            client_ip=client_ip,
            request_id=rid,
        )
        await self._problem(send, status, detail, instance, extra, **fields)

    async def _upstream_error(
        self,
        send: Send,
        status: int,
        upstream: Upstream,
        instance: str,
        extra: list[tuple[bytes, bytes]],
        rid: str,
        what: str,
    ) -> int:
        log.warning("upstream.unavailable", upstream=upstream.name, status=status, request_id=rid)
        await self._problem(
            send,
            status,
            f"the {upstream.name} service {what}",
            instance,
            extra,
            service=upstream.name,
        )
        return status

    async def _preflight(
        self, scope: Scope, send: Send, origin: bytes, extra: list[tuple[bytes, bytes]]
    ) -> None:
        if not self.cors.allowed(origin):
            await self._problem(send, 403, "origin not allowed", scope["path"], extra)
            return
        requested = next(
            (v for n, v in scope["headers"] if n == b"access-control-request-headers"), None
        )
        headers = [*extra, *self.cors.preflight_headers(origin, requested)]
        headers.append((b"content-length", b"0"))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
