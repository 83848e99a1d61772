"""Issue 7 at the edge: bounded heads (431) and bodies (413), slow callers cut off (408),
the User-Agent cut, one Authorization header, the client address and scheme the gateway
saw (never the caller's claims), 501 for modules not built yet, /metrics off the public."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from gateway.config import Settings
from gateway.main import create_app
from shared.testing.plugin import asgi_client
from shared.testing.tokens import TokenFactory

# as set for the gateway process in conftest.py
MAX_JSON_BODY = 64 * 1024
SLOW_TIMEOUT = 2.0


def auth(tokens: TokenFactory, user_id: int, role: str = "admin") -> dict[str, str]:
    return tokens.headers(role, user_id)


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


async def test_too_many_headers_is_431_and_not_forwarded(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    many = {f"X-H-{i}": "v" for i in range(150)}
    response = await client.get("/api/v1/users", headers={**auth(tokens, 1), **many})
    body = assert_problem(response, 431)
    assert "service" not in body  # the gateway answered, no echo from the service


async def test_a_huge_header_is_431(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    response = await client.get(
        "/api/v1/users", headers={**auth(tokens, 1), "X-Big": "a" * (1024 * 1024)}
    )
    assert response.status_code == 431, response.text[:200]
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_user_agent_is_cut(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    response = await client.get(
        "/api/v1/users", headers={**auth(tokens, 1), "User-Agent": "u" * 10_000}
    )
    assert response.status_code == 200, response.text
    assert dict(response.json()["headers"])["user-agent"] == "u" * 256


async def test_a_json_body_over_the_limit_is_413_without_reaching_the_service(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    big = b'{"titre":"' + b"x" * (MAX_JSON_BODY + 10) + b'"}'
    response = await client.post(
        "/api/v1/interventions",
        headers={**auth(tokens, 2), "Content-Type": "application/json"},
        content=big,
    )
    assert_problem(response, 413)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_JSON_BODY // 1024 + 10):
            yield b"x" * 1024

    response = await client.post(
        "/api/v1/interventions",
        headers={**auth(tokens, 2), "Content-Type": "application/json"},
        content=chunks(),  # chunked: the size is only known while reading
    )
    assert_problem(response, 413)
    # at the limit it passes
    ok = await client.post(
        "/api/v1/interventions",
        headers={**auth(tokens, 2), "Content-Type": "application/json"},
        content=b"x" * MAX_JSON_BODY,
    )
    assert ok.status_code == 200 and ok.json()["body_bytes"] == MAX_JSON_BODY


async def test_two_authorization_headers_are_400(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    token = auth(tokens, 1)["Authorization"]
    other = auth(tokens, 2, "client")["Authorization"]
    response = await client.get(
        "/api/v1/users",
        headers=httpx.Headers([("Authorization", token), ("Authorization", other)]),
    )
    assert_problem(response, 400)


async def test_the_caller_does_not_choose_its_address_or_scheme(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.get(
        "/api/v1/users",
        headers={
            **auth(tokens, 1),
            "X-Forwarded-For": "198.51.100.9, 203.0.113.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
            "Forwarded": "for=198.51.100.9;proto=https",
            "X-Real-IP": "198.51.100.9",
        },
    )
    seen = dict(response.json()["headers"])
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    for claimed in ("x-forwarded-host", "forwarded", "x-real-ip"):
        assert claimed not in seen


async def test_trusted_proxies_are_believed(upstream: dict[str, str], tokens) -> None:
    settings = Settings(
        **{f"{name}_url": url for name, url in upstream.items()},
        trusted_proxies="203.0.113.0/24",  # the test client's address
    )
    app = create_app(settings)
    try:
        async with asgi_client(app) as local:  # type: ignore[arg-type]
            response = await local.get(
                "/api/v1/users",
                headers={
                    **auth(tokens, 1),
                    "X-Forwarded-For": "198.51.100.20, 198.51.100.9, 203.0.113.99",
                    "X-Forwarded-Proto": "https",
                },
            )
            seen = dict(response.json()["headers"])
            # the rightmost address that is not a trusted proxy
            assert seen["x-forwarded-for"] == "198.51.100.9"
            assert seen["x-forwarded-proto"] == "https"
    finally:
        await app.proxy.close()


async def test_unbuilt_modules_answer_501_naming_the_module(
    upstream: dict[str, str], tokens: TokenFactory
) -> None:
    settings = Settings(
        **{f"{name}_url": url for name, url in upstream.items()},
        modules="auth,interventions",
    )
    app = create_app(settings)
    try:
        async with asgi_client(app) as local:  # type: ignore[arg-type]
            for path, module in [
                ("/api/v1/factures", "billing"),
                ("/api/v1/pieces/3", "inventory"),
                ("/api/v1/interventions/7/reservations", "inventory"),
                ("/api/v1/stats/kpis", "reporting"),
                ("/api/v1/notifications", "notifications"),
            ]:
                body = assert_problem(await local.get(path, headers=auth(tokens, 1)), 501)
                assert body["module"] == module and module in body["detail"]
            ok = await local.get("/api/v1/interventions/7", headers=auth(tokens, 1))
            assert ok.status_code == 200
            ready = (await local.get("/readyz")).json()
            assert set(ready["checks"]) == {"auth", "interventions"}
    finally:
        await app.proxy.close()


async def test_metrics_only_from_allowed_networks(upstream: dict[str, str]) -> None:
    app = create_app(Settings(**{f"{name}_url": url for name, url in upstream.items()}))
    try:
        async with asgi_client(app) as local:  # type: ignore[arg-type]
            # the test client is 203.0.113.7: a public address
            assert_problem(await local.get("/metrics"), 404)
            assert_problem(
                await local.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}), 404
            )
    finally:
        await app.proxy.close()


async def _read_until_closed(reader: asyncio.StreamReader, timeout: float) -> bytes:
    return await asyncio.wait_for(reader.read(), timeout)


async def test_a_slow_request_head_is_cut_off(gateway) -> None:
    url = urlsplit(gateway.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    started = time.monotonic()
    writer.write(b"GET /api/v1/users HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()

    async def dribble() -> None:
        try:
            for _ in range(40):  # one byte every 0.5 s would take 20 s
                await asyncio.sleep(0.5)
                writer.write(b"X")
                await writer.drain()
        except (ConnectionError, OSError):
            return

    task = asyncio.create_task(dribble())
    answer = await _read_until_closed(reader, SLOW_TIMEOUT + 8)
    elapsed = time.monotonic() - started
    task.cancel()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert elapsed < SLOW_TIMEOUT + 3


async def test_a_slow_request_body_is_cut_off(gateway, tokens: TokenFactory) -> None:
    url = urlsplit(gateway.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    token = auth(tokens, 1)["Authorization"]
    writer.write(
        b"POST /api/v1/interventions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: " + token.encode() + b"\r\nContent-Length: 100\r\n\r\n{"
    )
    await writer.drain()
    started = time.monotonic()
    answer = await _read_until_closed(reader, SLOW_TIMEOUT + 8)
    elapsed = time.monotonic() - started
    writer.close()
    assert elapsed < SLOW_TIMEOUT + 3
    assert b'"service"' not in answer  # never reached a service with half a body


@pytest.mark.parametrize("path", ["/api/v1/users/", "/api/v1/interventions/"])
async def test_trailing_slash_is_not_redirected_by_the_gateway(
    client: httpx.AsyncClient, tokens: TokenFactory, path: str
) -> None:
    response = await client.get(path, headers=auth(tokens, 1))
    assert response.status_code != 307
    assert "location" not in response.headers


def test_every_log_line_is_json_in_production(launch_gateway) -> None:
    """uvicorn's lines included; the gateway logs its own refusals with `request_id`."""
    url, log_path = launch_gateway(ENVIRONMENT="production", LOG_LEVEL="INFO", LOG_FORMAT="auto")
    r = httpx.get(f"{url}/api/v1/users", headers={"X-Request-ID": "refused-1"})
    assert r.status_code == 401
    # a later marker: the refusal is logged before this second answer
    assert httpx.get(f"{url}/api/v1/nothing").status_code == 404
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # each line JSON, or this raises
    refused = [r for r in records if r.get("event") == "gateway.refused"]
    assert refused and refused[0]["request_id"] == "refused-1" and refused[0]["status"] == 401
    assert any("Started server process" in r.get("event", "") for r in records)
    assert not any("rid" in r for r in records)
