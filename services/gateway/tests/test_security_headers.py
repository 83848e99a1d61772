"""Security headers on every answer of the gateway (issue 14): nosniff and no referrer
everywhere, a locked-down CSP on API answers, the console's CSP with frame-ancestors
'none' on its pages, /docs's one inline script allowed by hash, HSTS only over TLS."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
from gateway.config import Settings
from gateway.main import create_app
from shared.testing.plugin import asgi_client
from shared.testing.tokens import TokenFactory

CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def assert_common(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_api_answers_carry_nosniff_and_a_closed_policy(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    for response in (
        await client.get("/api/v1/users", headers=tokens.headers("admin", 1)),  # proxied
        await client.get("/api/v1/users"),  # the gateway's own 401
        await client.get("/api/v1/nothing-here", headers=tokens.headers("admin", 1)),  # 404
    ):
        assert_common(response)
        csp = response.headers["content-security-policy"]
        assert csp == "default-src 'none'; frame-ancestors 'none'", response.status_code


async def test_console_pages_are_never_framed(client: httpx.AsyncClient) -> None:
    for path in ("/", "/interventions/12", "/healthz"):
        response = await client.get(path)
        assert_common(response)
        assert response.headers["content-security-policy"] == CONSOLE_CSP, path
        assert response.headers["x-frame-options"] == "DENY"


async def test_docs_allow_their_inline_script_by_hash_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert_common(response)
    csp = response.headers["content-security-policy"]
    (script,) = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp


async def test_hsts_only_when_the_request_came_over_tls(
    upstream: dict[str, str], tokens: TokenFactory
) -> None:
    settings = Settings(
        **{f"{name}_url": url for name, url in upstream.items()},
        trusted_proxies="203.0.113.0/24",  # the test client's address: the TLS proxy
        hsts_max_age_seconds=600,
    )
    app = create_app(settings)
    try:
        async with asgi_client(app) as local:  # type: ignore[arg-type]
            admin = tokens.headers("admin", 1)
            tls = {**admin, "X-Forwarded-Proto": "https"}
            for path in ("/api/v1/users", "/"):
                secure = await local.get(path, headers=tls)
                assert secure.headers["strict-transport-security"] == (
                    "max-age=600; includeSubDomains"
                ), path
                plain = await local.get(path, headers=admin)
                assert "strict-transport-security" not in plain.headers
        untrusted = Settings(**{f"{name}_url": url for name, url in upstream.items()})
        app2 = create_app(untrusted)
        try:
            async with asgi_client(app2) as other:  # type: ignore[arg-type]
                claimed = await other.get(
                    "/api/v1/users", headers={**admin, "X-Forwarded-Proto": "https"}
                )
                assert "strict-transport-security" not in claimed.headers
        finally:
            await app2.proxy.close()
    finally:
        await app.proxy.close()
