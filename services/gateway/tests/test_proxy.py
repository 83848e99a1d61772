"""The gateway as a process in front of stand-in services (see conftest.py and upstream.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from gateway.config import Settings
from gateway.main import create_app
from shared.testing.plugin import asgi_client
from shared.testing.tokens import TokenFactory

MB = 1024 * 1024


def rss_kb(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (peak since start) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def auth(tokens: TokenFactory, user_id: int, role: str = "admin") -> dict[str, str]:
    return tokens.headers(role, user_id)


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    assert response.headers["x-request-id"]
    return body


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("/api/v1/auth/me", "auth"),
        ("/api/v1/users/3", "auth"),
        ("/api/v1/techniciens", "auth"),
        ("/api/v1/clients/1", "auth"),
        ("/api/v1/competences", "auth"),
        ("/api/v1/equipements/4", "interventions"),
        ("/api/v1/planning", "interventions"),
        ("/api/v1/documents/2/contenu", "interventions"),
        ("/api/v1/interventions/7", "interventions"),
        ("/api/v1/interventions/7/historique", "interventions"),
        ("/api/v1/interventions/7/pieces", "inventory"),
        ("/api/v1/interventions/7/reservations", "inventory"),
        ("/api/v1/pieces", "inventory"),
        ("/api/v1/contrats", "billing"),
        ("/api/v1/factures/1/pdf", "billing"),
        ("/api/v1/reports/1", "reporting"),
        ("/api/v1/report-schedules", "reporting"),
        ("/api/v1/stats/kpis", "reporting"),
    ],
)
async def test_routes_reach_the_owner_with_the_path_unchanged(
    client: httpx.AsyncClient, tokens: TokenFactory, path: str, owner: str
) -> None:
    response = await client.get(path + "?limit=5&cursor=a%2Fb", headers=auth(tokens, 1))
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["service"] == owner
    assert echo["path"] == path + "?limit=5&cursor=a%2Fb"
    assert echo["method"] == "GET"


async def test_unknown_path_is_404_problem(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    body = assert_problem(await client.get("/api/v1/nothing", headers=auth(tokens, 1)), 404)
    assert body["instance"] == "/api/v1/nothing"
    assert_problem(await client.get("/nothing"), 404)


async def test_public_paths_need_no_token(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    for method, path in [
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/refresh"),
    ]:
        response = await client.request(method, path, json={"username": "u", "password": "p"})
        assert response.status_code == 200, response.text
        assert response.json()["service"] == "auth"
    jwks = await client.get("/api/v1/auth/jwks.json")
    assert jwks.json() == tokens.jwks
    # only those methods: a GET on login is not public
    assert_problem(await client.get("/api/v1/auth/login"), 401)


async def test_the_session_cookie_reaches_auth_and_logout_needs_a_token(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    """The console's refresh: no token, the HttpOnly cookie and the Fetch Metadata header
    reach auth untouched (auth checks them); ending the cookie session needs the bearer."""
    sent = {"Cookie": "mif_refresh=opaque-value", "Sec-Fetch-Site": "same-origin"}
    response = await client.post("/api/v1/auth/refresh", headers=sent)
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["service"] == "auth"
    assert ["cookie", "mif_refresh=opaque-value"] in echo["headers"]
    assert ["sec-fetch-site", "same-origin"] in echo["headers"]
    assert_problem(await client.delete("/api/v1/auth/refresh", headers=sent), 401)
    ended = await client.delete("/api/v1/auth/refresh", headers={**sent, **auth(tokens, 1)})
    assert ended.status_code == 200 and ended.json()["method"] == "DELETE"


def _tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[5] != "A" else "B").join((signature[:5], signature[6:]))
    return f"{head}.{payload}.{flipped}"


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda t: None, id="missing"),
        pytest.param(lambda t: "not-a-jwt", id="garbage"),
        pytest.param(lambda t: _tampered(t.make("admin", 2)), id="tampered"),
        pytest.param(lambda t: t.make("admin", 2, expires_in=-120), id="expired"),
        pytest.param(
            lambda t: jwt.encode(
                {
                    "sub": "2",
                    "role": "admin",
                    "typ": "access",
                    "iss": "mif-auth",
                    "aud": "mif-erp",
                    "iat": int(time.time()),
                    "exp": int(time.time()) + 600,
                },
                None,
                algorithm="none",
                headers={"kid": "test-key"},
            ),
            id="alg-none",
        ),
        pytest.param(lambda t: TokenFactory(kid="test-key").make("admin", 2), id="foreign-key"),
        pytest.param(lambda t: TokenFactory(kid="other-kid").make("admin", 2), id="unknown-kid"),
        pytest.param(lambda t: t.make("admin", 2, typ="refresh"), id="refresh-token"),
        pytest.param(lambda t: t.make("admin", 2, aud="someone-else"), id="wrong-audience"),
    ],
)
async def test_bad_tokens_are_refused_at_the_gateway(
    client: httpx.AsyncClient, tokens: TokenFactory, make_token
) -> None:
    token = make_token(tokens)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.get("/api/v1/interventions", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_basic_scheme_is_refused(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/users", headers={"Authorization": "Basic dTpw"}), 401)


async def test_headers_are_propagated(
    upstream: dict[str, str], client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    headers = {
        **auth(tokens, 3),
        "X-Request-ID": "req-abc-123",
        "X-Forwarded-For": "198.51.100.9",
        "User-Agent": "mif-mobile/2.1",
        "Accept-Language": "fr-MA",
        "Proxy-Authorization": "Basic secret",
        "TE": "trailers",
        "Connection": "keep-alive, X-Private-Hop",
        "X-Private-Hop": "dropped",
    }
    response = await client.get("/api/v1/users", headers=headers)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-abc-123"
    assert response.headers.get_list("x-request-id") == ["req-abc-123"]
    assert response.headers.get_list("server") == ["uvicorn"]
    seen = dict(response.json()["headers"])
    assert seen["x-request-id"] == "req-abc-123"
    # the caller's own X-Forwarded-For is not believed: the gateway says what it saw
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["user-agent"] == "mif-mobile/2.1"
    assert seen["accept-language"] == "fr-MA"
    assert seen["authorization"] == headers["Authorization"]
    assert seen["host"] == upstream["auth"].removeprefix("http://")
    for hop in ("proxy-authorization", "te", "x-private-hop", "keep-alive"):
        assert hop not in seen


async def test_request_id_is_made_when_missing_or_invalid(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    for given in ({}, {"X-Request-ID": "has space"}, {"X-Request-ID": "x" * 200}):
        response = await client.get("/api/v1/users", headers={**auth(tokens, 3), **given})
        rid = response.headers["x-request-id"]
        assert len(rid) == 32 and int(rid, 16) >= 0
        assert dict(response.json()["headers"])["x-request-id"] == rid
        assert dict(response.json()["headers"])["x-forwarded-for"] == "127.0.0.1"
    # the gateway's own answers carry it too
    assert (await client.get("/healthz", headers={"X-Request-ID": "h-1"})).headers[
        "x-request-id"
    ] == "h-1"
    assert len((await client.get("/api/v1/nothing")).headers["x-request-id"]) == 32


async def test_post_body_and_status_pass_through(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.post(
        "/api/v1/interventions", headers=auth(tokens, 4), json={"titre": "Fuite"}
    )
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["body_bytes"] == len(b'{"titre":"Fuite"}')
    seen = dict(echo["headers"])
    assert seen["content-type"] == "application/json"
    # a request without body reaches the service without one
    deleted = await client.delete("/api/v1/pieces/3", headers=auth(tokens, 4))
    assert deleted.json()["body_bytes"] == 0
    empty = await client.post("/api/v1/factures/3/emission", headers=auth(tokens, 4))
    assert empty.json()["method"] == "POST"
    assert empty.json()["body_bytes"] == 0
    assert "transfer-encoding" not in dict(empty.json()["headers"])
    # other methods and statuses pass through as they are
    patched = await client.patch(
        "/api/v1/contrats/2", headers={**auth(tokens, 4), "If-Match": "3"}, content=b"{}"
    )
    assert patched.json()["method"] == "PATCH"
    assert dict(patched.json()["headers"])["if-match"] == "3"


async def test_readiness_when_every_service_is_up(upstream: dict[str, str]) -> None:
    settings = Settings(**{f"{name}_url": url for name, url in upstream.items()})
    app = create_app(settings)
    try:
        async with asgi_client(app) as local:  # type: ignore[arg-type]
            ready = await local.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "ready"
    finally:
        await app.proxy.close()


@pytest.mark.parametrize("code", [201, 404, 409, 412, 422, 500])
async def test_upstream_status_and_headers_pass_through(
    client: httpx.AsyncClient, tokens: TokenFactory, code: int
) -> None:
    response = await client.post(
        f"/api/v1/pieces/status?code={code}", headers=auth(tokens, 10), json={}
    )
    assert response.status_code == code
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {"status": code, "title": "from upstream"}
    assert response.headers["location"] == "/api/v1/somewhere"
    assert response.headers["set-cookie"] == "a=b"


async def _zeros(total: int, chunk: int = MB) -> AsyncIterator[bytes]:
    block = bytes(chunk)
    sent = 0
    while sent < total:
        piece = block[: min(chunk, total - sent)]
        sent += len(piece)
        yield piece


async def test_large_upload_streams_without_buffering(
    gateway, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    total = 200 * MB
    rss_before = rss_kb(gateway.pid, "VmRSS")
    response = await client.post(
        "/api/v1/interventions/5/documents",
        headers={**auth(tokens, 5), "Content-Type": "application/octet-stream"},
        content=_zeros(total),  # chunked: the gateway never knows the size in advance
    )
    assert response.status_code == 200, response.text
    assert response.json()["body_bytes"] == total
    peak = rss_kb(gateway.pid, "VmHWM")
    assert peak - rss_before < 40 * 1024, f"gateway RSS grew by {(peak - rss_before) // 1024} MB"


async def test_large_download_streams_without_buffering(
    gateway, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    total = 200 * MB
    rss_before = rss_kb(gateway.pid, "VmRSS")
    received = 0
    async with client.stream(
        "GET", f"/api/v1/documents/9/download?size={total}", headers=auth(tokens, 6)
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-length"] == str(total)
        async for chunk in response.aiter_raw():
            received += len(chunk)
    assert received == total
    peak = rss_kb(gateway.pid, "VmHWM")
    assert peak - rss_before < 40 * 1024, f"gateway RSS grew by {(peak - rss_before) // 1024} MB"


async def test_upstream_down_answers_503_at_once(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    start = time.perf_counter()
    response = await client.get("/api/v1/notifications", headers=auth(tokens, 7))
    elapsed = time.perf_counter() - start
    body = assert_problem(response, 503)
    assert body["service"] == "notifications"
    assert elapsed < 0.5


async def test_upstream_timeout_answers_504(
    gateway, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    start = time.perf_counter()
    response = await client.get("/api/v1/reports/slow?seconds=3", headers=auth(tokens, 8))
    elapsed = time.perf_counter() - start
    body = assert_problem(response, 504)
    assert body["service"] == "reporting"
    assert gateway.read_timeout <= elapsed < gateway.read_timeout + 1.0
    # a slow answer within the read timeout is fine
    ok = await client.get("/api/v1/reports/slow?seconds=0.3", headers=auth(tokens, 8))
    assert ok.status_code == 200


async def test_cors_preflight_and_simple_requests(
    gateway, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    origin = gateway.cors_origin
    preflight = await client.options(
        "/api/v1/interventions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "authorization, content-type"
    assert preflight.headers["access-control-max-age"] == "600"

    refused = await client.options(
        "/api/v1/interventions",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert_problem(refused, 403)
    assert "access-control-allow-origin" not in refused.headers

    simple = await client.get(
        "/api/v1/interventions", headers={**auth(tokens, 9), "Origin": origin}
    )
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == origin
    assert "X-Request-ID" in simple.headers["access-control-expose-headers"]
    # error answers carry CORS too, or the browser hides them from the front end
    denied = await client.get("/api/v1/interventions", headers={"Origin": origin})
    assert denied.status_code == 401
    assert denied.headers["access-control-allow-origin"] == origin
    other = await client.get(
        "/api/v1/interventions", headers={**auth(tokens, 9), "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


async def test_rate_limit_per_user(
    gateway, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    limited = auth(tokens, 4242)
    responses = await asyncio.gather(
        *(client.get("/api/v1/users", headers=limited) for _ in range(gateway.burst + 20))
    )
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) >= gateway.burst
    refused = [r for r in responses if r.status_code == 429]
    assert refused, statuses
    assert_problem(refused[0], 429)
    assert int(refused[0].headers["retry-after"]) >= 1
    # another user is not affected
    assert (await client.get("/api/v1/users", headers=auth(tokens, 4243))).status_code == 200
    await asyncio.sleep(1.0)
    assert (await client.get("/api/v1/users", headers=limited)).status_code == 200


async def test_merged_openapi_and_docs(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["x-unavailable-services"] == ["notifications"]
    assert set(doc["paths"]) == {
        "/api/v1/auth/me",
        "/api/v1/interventions",
        "/api/v1/pieces",
        "/api/v1/factures",
        "/api/v1/reports",
    }
    schemas = doc["components"]["schemas"]
    assert set(schemas) >= {"Problem", "Item", "inventory__Item", "billing__Item"}
    ref = doc["paths"]["/api/v1/pieces"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["$ref"]
    assert ref == "#/components/schemas/inventory__Item"
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "/openapi.json" in docs.text
    # served by the gateway itself, not from a CDN: /docs works offline
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert (await client.get("/docs/assets/swagger-ui.css")).status_code == 200


async def test_health_readiness_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    # ready while it can serve: a service that is down is reported, not the verdict
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["not_ready"] == ["notifications"]
    assert body["checks"]["auth"] == "ok"
    assert body["checks"]["notifications"].startswith("unreachable")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'gateway_requests_total{method="GET",status="200",upstream="auth"}' in metrics.text
    assert "gateway_request_duration_seconds_bucket" in metrics.text
