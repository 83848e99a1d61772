"""Issue 7 in the shared library: strict tokens, keys that follow rotation and retirement,
revocation markers, one Authorization header, the client address a service believes,
readiness without the broker, no slash redirects."""

from __future__ import annotations

import asyncio
import ipaddress
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from fastapi import APIRouter
from shared.app import create_service_app
from shared.context import client_address, parse_ip, parse_networks, request_meta
from shared.db import libpq_url
from shared.errors import Problem
from shared.revocation import Revocations, revoke_session, revoke_user
from shared.security import CurrentUserDep, RemoteJWKS, StaticKeys, TokenVerifier
from shared.settings import ServiceSettings
from shared.testing.plugin import asgi_client, trust_test_tokens
from shared.testing.tokens import AUDIENCE, ISSUER, TokenFactory

A = TokenFactory(kid="key-a")
B = TokenFactory(kid="key-b")


async def refused(verifier: TokenVerifier, token: str) -> int:
    try:
        await verifier.verify(token)
    except Problem as problem:
        return problem.status
    return 0


# -- item 10: strict base64url --------------------------------------------------------


def _variants(token: str) -> list[str]:
    header, payload, signature = token.split(".")
    last = signature[-1]
    # Ed25519 signatures are 64 bytes: 86 characters, the last one carrying 4 bits only
    flipped = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    stray = flipped[flipped.index(last) ^ 1]
    return [
        f"{token}==",
        f"{token}=",
        f"{header}.{payload}.{signature[:-1]}{stray}",  # same bytes, other spelling
        f"{header}=.{payload}.{signature}",
        f"{header}.{payload}.{signature}A",
        f" {token}",
        f"{header}.{payload}.{signature.replace('-', '+').replace('_', '/')}",
    ]


async def test_only_the_canonical_spelling_of_a_token_is_accepted() -> None:
    verifier = TokenVerifier(StaticKeys(A.jwks), issuer=ISSUER, audience=AUDIENCE)
    token = A.make("admin", 1)
    assert (await verifier.verify(token)).id == 1
    for variant in _variants(token):
        if variant == token:
            continue
        assert await refused(verifier, variant) == 401, variant


# -- item 5: keys follow rotation and retirement ----------------------------------------


@pytest.fixture
async def jwks_server() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    published: dict[str, Any] = {"keys": list(A.jwks["keys"])}
    hits = {"count": 0}

    async def handle(_request: web.Request) -> web.Response:
        hits["count"] += 1
        return web.json_response(published)

    app = web.Application()
    app.router.add_get("/jwks.json", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    published["_hits"] = hits
    try:
        yield f"http://127.0.0.1:{port}/jwks.json", published
    finally:
        await runner.cleanup()


async def test_a_new_key_is_accepted_at_once(jwks_server) -> None:
    url, published = jwks_server
    jwks = RemoteJWKS(url)
    verifier = TokenVerifier(jwks, issuer=ISSUER, audience=AUDIENCE)
    assert (await verifier.verify(A.make("admin", 1))).id == 1
    # rotation: the new key is published and used right away
    published["keys"] = [*A.jwks["keys"], *B.jwks["keys"]]
    started = time.monotonic()
    assert (await verifier.verify(B.make("admin", 2))).id == 2
    assert time.monotonic() - started < 2.0  # was: 401 "unknown key" for 10 s
    # a forged key id costs at most one fetch per interval, whoever asks
    before = published["_hits"]["count"]
    results = await asyncio.gather(
        *(refused(verifier, TokenFactory(kid=f"forged-{i}").make()) for i in range(20))
    )
    assert set(results) == {401}
    assert published["_hits"]["count"] - before <= 3


async def test_a_retired_key_is_refused_within_the_cache_lifetime(jwks_server) -> None:
    url, published = jwks_server
    published["keys"] = [*A.jwks["keys"], *B.jwks["keys"]]
    jwks = RemoteJWKS(url, max_age_seconds=1.0, min_refresh_seconds=0.2)
    verifier = TokenVerifier(jwks, issuer=ISSUER, audience=AUDIENCE)
    old = A.make("admin", 1)
    assert (await verifier.verify(old)).id == 1  # verified and cached
    published["keys"] = list(B.jwks["keys"])  # key A retired
    deadline = time.monotonic() + 5.0
    status = 0
    while time.monotonic() < deadline:
        status = await refused(verifier, old)
        if status == 401:
            break
        await asyncio.sleep(0.1)
    assert status == 401
    assert (await verifier.verify(B.make("admin", 2))).id == 2


# -- item 5: revocation markers --------------------------------------------------------


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[tuple[Any, str]]:
    client = aioredis.from_url(redis_url)
    prefix = f"test-revoked-{uuid.uuid4().hex[:8]}:"
    try:
        yield client, prefix
    finally:
        keys = await client.keys(prefix + "*")
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def _refused_within(verifier: TokenVerifier, token: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await refused(verifier, token) == 401:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_revoked_users_and_sessions_are_refused_within_a_second(
    redis_url: str, redis_prefix
) -> None:
    client, prefix = redis_prefix
    revocations = Revocations(redis_url, prefix=prefix)
    verifier = TokenVerifier(
        StaticKeys(A.jwks), issuer=ISSUER, audience=AUDIENCE, revocations=revocations
    )
    try:
        mine = A.make("client", 41, iat=time.time() - 5)
        other_user = A.make("client", 42, iat=time.time() - 5)
        session_1 = A.make("technicien", 43, sid="s-1", iat=time.time() - 5)
        session_2 = A.make("technicien", 43, sid="s-2", iat=time.time() - 5)
        for token in (mine, other_user, session_1, session_2):
            assert await refused(verifier, token) == 0
        await revoke_user(client, 41, prefix=prefix)
        await revoke_session(client, "s-1", prefix=prefix)
        assert await _refused_within(verifier, mine, 1.5)
        assert await _refused_within(verifier, session_1, 1.5)
        # others keep working, and so does a token issued after the revocation
        assert await refused(verifier, other_user) == 0
        assert await refused(verifier, session_2) == 0
        assert await refused(verifier, A.make("client", 41, iat=time.time() + 0.01)) == 0
    finally:
        await revocations.close()


async def test_redis_down_does_not_refuse_everyone() -> None:
    revocations = Revocations("redis://127.0.0.1:1/0", timeout=0.2)
    verifier = TokenVerifier(
        StaticKeys(A.jwks), issuer=ISSUER, audience=AUDIENCE, revocations=revocations
    )
    assert (await verifier.verify(A.make("admin", 1))).id == 1
    await revocations.close()


# -- items 3, 8, 9, 11 in a service --------------------------------------------------------

router = APIRouter()


@router.get("/meta")
async def meta(user: CurrentUserDep) -> dict[str, Any]:
    m = request_meta()
    return {"client_ip": m.client_ip, "user_agent": m.user_agent, "user": user.id}


def _app(tokens: TokenFactory, **settings: Any):
    app = create_service_app(
        service="demo",
        settings=ServiceSettings(revocation_check=False, **settings),
        routers=[router],
    )
    trust_test_tokens(app, tokens)
    return app


async def test_a_caller_reaching_a_service_cannot_choose_its_address(tokens) -> None:
    # the test client is 203.0.113.7, not a trusted hop
    async with asgi_client(_app(tokens)) as client:
        response = await client.get(
            "/api/v1/meta",
            headers={**tokens.headers(), "X-Forwarded-For": "198.51.100.9",
                     "User-Agent": "x" * 200_000},
        )  # fmt: skip
        assert response.json()["client_ip"] == "203.0.113.7"
        assert response.json()["user_agent"] == "x" * 256
    # behind a trusted hop (the gateway), its X-Forwarded-For is believed, from the right
    async with asgi_client(_app(tokens, forwarded_allow_ips="203.0.113.0/24")) as client:
        for given, seen in [
            ("198.51.100.9", "198.51.100.9"),
            ("1.2.3.4, 198.51.100.9", "198.51.100.9"),
            ("fe80::1%eth0", "fe80::1"),
            ("not-an-address", "203.0.113.7"),
        ]:
            response = await client.get(
                "/api/v1/meta", headers={**tokens.headers(), "X-Forwarded-For": given}
            )
            assert response.json()["client_ip"] == seen, given


@pytest.mark.parametrize(
    "value",
    ["fe80::1%eth0", "[2001:db8::1]:443", "192.0.2.1:8080", "::ffff:192.0.2.1", "junk", "",
     "1.2.3.4.5", "fe80::1%25eth0"],
)  # fmt: skip
def test_every_address_that_comes_out_is_one_inet_accepts(postgres_url: str, value: str) -> None:
    address = client_address(value, None, parse_networks(""))
    if address is None:
        return
    assert parse_ip(address) == ipaddress.ip_address(address)
    with psycopg.connect(libpq_url(postgres_url)) as conn:
        assert conn.execute("SELECT %s::inet", (address,)).fetchone() is not None


async def test_two_authorization_headers_are_400(tokens) -> None:
    async with asgi_client(_app(tokens)) as client:
        response = await client.get(
            "/api/v1/meta",
            headers=[
                ("Authorization", tokens.headers("client", 5)["Authorization"]),
                ("Authorization", tokens.headers("admin", 1)["Authorization"]),
            ],
        )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_no_redirect_for_a_trailing_slash(tokens) -> None:
    async with asgi_client(_app(tokens)) as client:
        response = await client.get("/api/v1/meta/", headers=tokens.headers())
    assert response.status_code == 404
    assert "location" not in response.headers


async def test_ready_when_the_database_answers_even_without_the_broker(tokens) -> None:
    app = _app(tokens, broker_url="redis://127.0.0.1:1/0")
    async with asgi_client(app) as client:
        response = await client.get("/readyz")
    await app.state.db.dispose()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


# -- item 12: Celery's lines are JSON too -------------------------------------------------


def test_beat_logs_json_lines_without_banner(tmp_path, redis_url: str) -> None:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    celery = str(Path(sys.executable).parent / "celery")
    env = {**os.environ, "ENVIRONMENT": "production", "LOG_LEVEL": "INFO",
           "REDIS_URL": redis_url, "LOG_FORMAT": "auto"}  # fmt: skip
    log_path = tmp_path / "beat.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [celery, "--quiet", "-A", "shared.beat", "beat", "--schedule",
             str(tmp_path / "schedule"), "--loglevel", "INFO"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120  # importing every service takes a while
            while time.monotonic() < deadline and "celery.ready" not in log_path.read_text():
                assert process.poll() is None, log_path.read_text()
                time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(10)
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # each line JSON, or this raises
    assert any(r["event"] == "celery.ready" for r in records)
