"""Security headers on every answer of the gateway (issue 14).

- every answer: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`;
- API answers (`/api/v1/`, JSON and documents): `Content-Security-Policy: default-src
  'none'; frame-ancestors 'none'`: nothing a browser renders from them may load anything
  or be framed;
- the console and the gateway's own pages: the console's policy (`gateway.console.CSP`:
  only its own files, no inline script, never framed: `frame-ancestors 'none'`, and
  `X-Frame-Options: DENY` for older browsers); `/docs` allows its one inline script by hash;
- `Strict-Transport-Security` only on answers to requests that came over TLS (directly or
  through a trusted proxy saying `X-Forwarded-Proto: https`), for `hsts_max_age_seconds`
  (0: never). Over plain HTTP a browser ignores it, and a development machine must not
  be pinned to HTTPS by accident.
"""

from __future__ import annotations

import base64
import hashlib
import re

from gateway import console

API_CSP = "default-src 'none'; frame-ancestors 'none'"
CONSOLE_CSP = console.CSP  # the console's own policy, for every page the gateway serves

COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
API: tuple[tuple[bytes, bytes], ...] = (
    *COMMON,
    (b"content-security-policy", API_CSP.encode()),
)
PAGES: tuple[tuple[bytes, bytes], ...] = (
    *COMMON,
    (b"x-frame-options", b"DENY"),
)
CSP = b"content-security-policy"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def page_csp(html: str) -> str:
    """The console policy, plus the hashes of `html`'s inline scripts (Swagger UI's setup)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return CONSOLE_CSP.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip()).replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )


def hsts(max_age: int) -> tuple[bytes, bytes] | None:
    if max_age <= 0:
        return None
    return (b"strict-transport-security", f"max-age={max_age}; includeSubDomains".encode())
