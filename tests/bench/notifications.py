"""Notifications: 1,000 server-sent event streams held open through the gateway, and the
delay from an intervention event to its notification arriving on a stream, under a
steady 200 events per second.

The path measured: `intervention.statut_change` published on the broker (what the outbox
relay does after a transition commits) -> the notifications worker (inbox, rules, insert)
-> PostgreSQL NOTIFY -> the notifications API's listener -> the stream -> the gateway ->
the client. Each event tells one of the 1,000 connected clients (no responsables exist,
so exactly one notification per event). Ports 48040-48049."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psycopg

from tests.bench.harness import PYTHON, ROOT, Bench, Result

STUB_PORT = 48040
API_PORT = 48041
GATEWAY_PORT = 48042
STREAMS = int(os.environ.get("BENCH_SSE_STREAMS", "1000"))
RATE = float(os.environ.get("BENCH_SSE_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_SSE_SECONDS", "10"))
BASE_ID = 900_000_000


def private_redis(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        return urlunsplit(parts._replace(path=f"/{random.randint(1, 12)}"))
    return url


def seed_directory(database_url: str) -> None:
    """STREAMS client users, their clients, one equipment: the directory the events
    would have built."""
    from shared.db import libpq_url

    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO notifications.utilisateurs_replica (id, username, role, is_active,"
            " client_id, updated_at) SELECT g, 'client' || g, 'client', true, g, now()"
            " FROM generate_series(%s, %s) g",
            (BASE_ID + 1, BASE_ID + STREAMS),
        )
        conn.execute(
            "INSERT INTO notifications.clients_replica (id, user_id, nom_entreprise, is_active,"
            " updated_at) SELECT g, g, 'Client ' || g, true, now()"
            " FROM generate_series(%s, %s) g",
            (BASE_ID + 1, BASE_ID + STREAMS),
        )
        conn.execute(
            "INSERT INTO notifications.equipements_replica (id, nom, numero_serie, updated_at)"
            " VALUES (%s, 'Compresseur', 'NS-BENCH', now())",
            (BASE_ID,),
        )


async def hold_streams(
    gateway: str, tokens: Any, arrived: dict[int, float], ready: asyncio.Event
) -> tuple[list[asyncio.Task[None]], aiohttp.ClientSession, dict[str, int]]:
    connector = aiohttp.TCPConnector(limit=0)
    session = aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=None, sock_read=None)
    )
    state = {"open": 0, "failed": 0}

    async def one(user_id: int) -> None:
        headers = tokens.headers("client", user_id, client_id=user_id)
        try:
            async with session.get(
                f"{gateway}/api/v1/notifications/stream", headers=headers
            ) as answer:
                if answer.status != 200:
                    state["failed"] += 1
                    return
                state["open"] += 1
                if state["open"] == STREAMS:
                    ready.set()
                async for raw in answer.content:
                    line = raw.decode()
                    if line.startswith("data: "):
                        data = json.loads(line[6:])
                        arrived.setdefault(data["intervention_id"], time.monotonic())
        except (aiohttp.ClientError, asyncio.CancelledError):
            if not ready.is_set():
                state["failed"] += 1

    tasks = []
    for k in range(1, STREAMS + 1):
        tasks.append(asyncio.create_task(one(BASE_ID + k)))
        if k % 100 == 0:
            await asyncio.sleep(0.05)  # open them in waves, not as a SYN flood
    return tasks, session, state


def publish_events(broker: str, sent: dict[int, float], total: int, first: int = 0) -> float:
    """`total` events at RATE per second, paced; returns the rate achieved."""
    from kombu import Connection
    from shared.events import Event
    from shared.events.broker import publish

    with Connection(broker) as conn, conn.Producer() as producer:
        start = time.monotonic()
        for k in range(total):
            n = first + k
            due = start + k / RATE
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            intervention_id = BASE_ID + STREAMS + 1 + n
            client_id = BASE_ID + 1 + n % STREAMS
            event = Event(
                type="intervention.statut_change",
                producer="interventions",
                aggregate_id=str(intervention_id),
                data={
                    "id": intervention_id,
                    "equipement_id": BASE_ID,
                    "client_id": client_id,
                    "technicien_id": None,
                    "statut": "en_cours",
                    "ancien_statut": "affectee",
                    "priorite": "normale",
                    "titre": f"Bench {n}",
                },
            )
            sent[intervention_id] = time.monotonic()
            publish(producer, json.loads(event.model_dump_json()))
        return total / (time.monotonic() - start)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def notifications(bench: Bench) -> None:
    from shared.migrations import upgrade
    from shared.testing.tokens import TokenFactory

    bench.infrastructure()
    upgrade("notifications", bench.database_url)
    seed_directory(bench.database_url)
    broker = private_redis(bench.redis_url)
    tokens = TokenFactory()
    stub = bench.start(
        "jwks-stub",
        "tests.bench.hello:app",
        STUB_PORT,
        factory=False,
        env={"BENCH_JWKS": json.dumps(tokens.jwks)},
    )
    jwks = f"{stub.url}/api/v1/auth/jwks.json"
    api = bench.start(
        "notifications",
        "notifications.main:create_app",
        API_PORT,
        env={"JWKS_URL": jwks, "BROKER_URL": broker},
    )
    gateway = bench.start(
        "gateway-sse",
        "gateway.main:create_app",
        GATEWAY_PORT,
        env={
            "GATEWAY_NOTIFICATIONS_URL": api.url,
            "GATEWAY_AUTH_URL": stub.url,
            "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000000",
            "GATEWAY_RATE_LIMIT_BURST": "1000000000",
            # every open stream holds one upstream connection
            "GATEWAY_UPSTREAM_POOL_SIZE": str(STREAMS + 500),
        },
    )
    log = Path(bench._logs) / "notifications-worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [str(Path(PYTHON).with_name("celery")), "-A", "notifications.worker", "worker",
             "-Q", "notifications", "--concurrency", "1", "--loglevel", "WARNING",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env={**os.environ, **bench.env, "BROKER_URL": broker},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        asyncio.run(_measure(bench, gateway.url, tokens, broker))
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()


async def _measure(bench: Bench, gateway: str, tokens: Any, broker: str) -> None:
    from kombu import Connection
    from notifications.events import EVENT_QUEUE
    from shared.events.broker import declare

    with Connection(broker) as conn:  # the queue exists before the first event
        declare(conn, [EVENT_QUEUE])
    arrived: dict[int, float] = {}
    sent: dict[int, float] = {}
    ready = asyncio.Event()
    opened = time.monotonic()
    tasks, session, state = await hold_streams(gateway, tokens, arrived, ready)
    try:
        await asyncio.wait_for(ready.wait(), 120)
    except TimeoutError:
        bench.notes.append(f"notifications: only {state['open']} of {STREAMS} streams opened")
    open_seconds = time.monotonic() - opened
    print(f"  {state['open']} streams open through the gateway in {open_seconds:.1f} s")
    # warm-up: one event through the whole path (the worker may still be starting)
    warm: dict[int, float] = {}
    await asyncio.to_thread(publish_events, broker, warm, 1, 10_000_000)
    deadline = time.monotonic() + 120
    while not warm.keys() <= arrived.keys():
        if time.monotonic() > deadline:
            raise RuntimeError("the warm-up notification never reached its stream")
        await asyncio.sleep(0.05)
    rate = await asyncio.to_thread(publish_events, broker, sent, int(RATE * SECONDS))
    deadline = time.monotonic() + 30
    while len(arrived.keys() & sent.keys()) < len(sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    still_open = state["open"] - state["failed"]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await session.close()
    delays = [(arrived[i] - t) * 1000 for i, t in sent.items() if i in arrived]
    missing = len(sent) - len(delays)
    result = Result(
        name="notification transition->SSE",
        url=f"{gateway}/api/v1/notifications/stream",
        tool="python (aiohttp)",
        rps=round(rate, 1),
        p50_ms=round(percentile(delays, 0.50), 1) if delays else None,
        p99_ms=round(percentile(delays, 0.99), 1) if delays else None,
        errors=missing + state["failed"],
    )
    bench.results[result.name] = result
    bench.notes.append(
        f"notifications: {still_open} SSE streams held through the gateway "
        f"(opened in {open_seconds:.1f} s); {len(sent)} events at {rate:.0f}/s, "
        f"{len(delays)} arrived; delay event->stream p50 {result.p50_ms} ms, "
        f"p99 {result.p99_ms} ms (goal p99 < 1000 ms), max "
        f"{max(delays) if delays else float('nan'):.0f} ms"
    )
    print(f"  {bench.notes[-1]}", flush=True)
