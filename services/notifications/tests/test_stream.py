"""The live stream: real HTTP servers (two replicas of the API), notifications written by
the real event consumer; a notification reaches every replica's stream within a second,
and a client that reconnects with Last-Event-ID gets what it missed, once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from notifications.config import Settings
from notifications.main import create_app
from shared.testing.plugin import trust_test_tokens

from .conftest import World, event, new_id


@contextlib.asynccontextmanager
async def serve(tokens: Any, **settings: Any) -> AsyncIterator[str]:
    """The notifications API on a free port of this machine; yields its base URL."""
    app = create_app(Settings(**settings))
    trust_test_tokens(app, tokens)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class Stream:
    """An SSE client collecting (id, data) of `notification` events and comment lines."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base = base
        self.headers = headers
        self.events: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
        self.comments: list[str] = []
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async with (
            httpx.AsyncClient(base_url=self.base, timeout=httpx.Timeout(10, read=60)) as http,
            http.stream("GET", "/api/v1/notifications/stream", headers=self.headers) as answer,
        ):
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/event-stream")
            fields: dict[str, str] = {}
            async for line in answer.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line)
                    self.connected.set()
                elif line == "":
                    if fields.get("event") == "notification":
                        self.events.put_nowait((int(fields["id"]), json.loads(fields["data"])))
                    fields = {}
                else:
                    name, _, value = line.partition(": ")
                    fields[name] = value

    async def __aenter__(self) -> Stream:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def next(self, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
        return await asyncio.wait_for(self.events.get(), timeout)


async def close_intervention(world: World) -> int:
    """An event that tells the client (among others); returns the intervention id."""
    i = new_id()
    await world.apply(event("intervention.cloturee", world.intervention(i)))
    return i


@pytest.mark.timeout(120)
async def test_two_replicas_both_stream_within_a_second(world: World, tokens: Any) -> None:
    me = tokens.headers("client", world.client_user, client_id=world.client)
    other = tokens.headers("client", world.autre_client_user, client_id=world.autre_client)
    async with (
        serve(tokens, heartbeat_seconds=0.3) as replica_a,
        serve(tokens) as replica_b,
        Stream(replica_a, me) as on_a,
        Stream(replica_b, me) as on_b,
        Stream(replica_b, other) as stranger,
    ):
        started = time.monotonic()
        i = await close_intervention(world)
        for stream in (on_a, on_b):
            _, data = await stream.next(timeout=1.0)
            assert data["intervention_id"] == i
            assert data["titre"] == f"Intervention n°{i} clôturée"
            assert data["user_id"] == world.client_user
        assert time.monotonic() - started < 1.0
        # the other client's stream got nothing: its next event is its own marker
        mine = await close_intervention_of_other_client(world)
        _, data = await stranger.next(timeout=2.0)
        assert data["intervention_id"] == mine
        # idle: heartbeats (0.3 s on replica A)
        deadline = time.monotonic() + 5
        while sum(c == ": ping" for c in on_a.comments) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)


async def close_intervention_of_other_client(world: World) -> int:
    i = new_id()
    await world.apply(
        event("intervention.cloturee", world.intervention(i, client_id=world.autre_client))
    )
    return i


@pytest.mark.timeout(120)
async def test_reconnecting_with_last_event_id_misses_nothing_and_repeats_nothing(
    world: World, tokens: Any
) -> None:
    me = tokens.headers("client", world.client_user, client_id=world.client)
    async with serve(tokens) as base:
        async with Stream(base, me) as stream:
            await close_intervention(world)
            last_id, _ = await stream.next()
        # disconnected (the phone lost the network) while two notifications arrive
        missed = [await close_intervention(world), await close_intervention(world)]
        async with Stream(base, {**me, "Last-Event-ID": str(last_id)}) as stream:
            got = [await stream.next(), await stream.next()]
            assert [data["intervention_id"] for _, data in got] == missed
            assert got[0][0] > last_id and got[1][0] > got[0][0]
            # nothing repeated: the next event is a later marker
            marker = await close_intervention(world)
            _, data = await stream.next()
            assert data["intervention_id"] == marker
