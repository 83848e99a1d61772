"""uvicorn's httptools protocol with the limits an edge needs (issue 7, item 7):

- request head (request line and headers) at most `GATEWAY_MAX_HEADER_BYTES` bytes and
  `GATEWAY_MAX_HEADERS` headers: beyond, 431 problem+json and the connection is closed,
  before anything is kept or forwarded;
- the head must arrive within `GATEWAY_HEADER_TIMEOUT` seconds of its first byte (or of
  the connection), and a request body may pause at most `GATEWAY_BODY_TIMEOUT` seconds
  between two reads: a caller sending one byte every few seconds is cut off (408 when
  nothing was answered yet).

Run the gateway with `uvicorn --http gateway.http:GatewayHttpProtocol ...`.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from shared.errors import PROBLEM_JSON
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.config import Settings
from gateway.proxy import problem_body


@lru_cache(maxsize=1)
def limits() -> Settings:
    return Settings()


def _answer(status: int, detail: str) -> bytes:
    body = problem_body(status, detail, "")
    reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[status]
    return b"".join(
        [
            b"HTTP/1.1 %d %s\r\n" % (status, reason),
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class GatewayHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = limits()
        self.max_header_bytes = settings.max_header_bytes
        self.max_headers = settings.max_headers
        self.header_timeout = settings.header_timeout
        self.body_timeout = settings.body_timeout
        self._head_bytes = 0
        self._head_count = 0
        self._refused = False
        self._timer: asyncio.TimerHandle | None = None
        self._in_body = False

    # -- timers --------------------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        self._disarm()
        if seconds > 0:
            self._timer = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self._in_body and self.flow is not None and self.flow.read_paused:
            # the body waits for the upstream to take it, not for the caller
            self._arm(self.body_timeout)
            return
        if self._in_body and cycle is not None and cycle.response_started:
            self.transport.close()  # an answer is on its way: all we can do is cut
            return
        self._refuse(408, "the request did not arrive in time")

    def _refuse(self, status: int, detail: str) -> None:
        self._refused = True
        self._disarm()
        if self.cycle is not None and not self.cycle.response_complete:
            # the app (if started) sees a disconnect; what it sends is dropped
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.write(_answer(status, detail))
        self.transport.close()

    # -- protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # a refusal already answered and closed
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._head_count = 0
        self._in_body = False
        self._arm(self.header_timeout)

    def _count(self, size: int, header: bool) -> None:
        self._head_bytes += size
        self._head_count += header
        if self._head_bytes > self.max_header_bytes or self._head_count > self.max_headers:
            self._refuse(
                431,
                f"request headers exceed {self.max_headers} fields"
                f" or {self.max_header_bytes} bytes",
            )
            raise ConnectionAbortedError("request head too large")

    def on_url(self, url: bytes) -> None:
        self._count(len(url), False)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4, True)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_body = True
        self._arm(self.body_timeout)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._arm(self.body_timeout)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_body = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # waiting for the next request: uvicorn's keep-alive timer runs until it starts
