"""CORS answered by the gateway: preflights never reach a service."""

from __future__ import annotations

ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = b"Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-ID"
EXPOSE_HEADERS = b"X-Request-ID, Location, ETag, Retry-After, Content-Disposition"


class Cors:
    def __init__(self, origins: list[str], max_age: int = 600) -> None:
        self.allow_any = "*" in origins
        self.origins = frozenset(o.encode("latin-1") for o in origins if o != "*")
        self.enabled = self.allow_any or bool(self.origins)
        self.max_age = str(max_age).encode()

    def allowed(self, origin: bytes) -> bool:
        return self.allow_any or origin in self.origins

    def response_headers(self, origin: bytes) -> list[tuple[bytes, bytes]]:
        """Headers added to an answer for a request from an allowed `origin`."""
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-expose-headers", EXPOSE_HEADERS),
            (b"vary", b"Origin"),
        ]

    def preflight_headers(
        self, origin: bytes, requested_headers: bytes | None
    ) -> list[tuple[bytes, bytes]]:
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-methods", ALLOW_METHODS),
            # Echoing what the browser asks for keeps custom headers working; the
            # services still decide what they accept.
            (b"access-control-allow-headers", requested_headers or ALLOW_HEADERS),
            (b"access-control-max-age", self.max_age),
            (b"vary", b"Origin"),
        ]
