"""GET /notifications/stream: server-sent events of one's new notifications."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from shared.db import Database
from shared.errors import Problem
from shared.security import CurrentUserDep

from notifications.inbox import repository
from notifications.inbox.schemas import NotificationRead
from notifications.stream.hub import Hub

router = APIRouter(tags=["notifications"])
BATCH = 100


def hub_of(request: Request) -> Hub:
    hub: Hub | None = getattr(request.app.state, "hub", None)
    if hub is None:
        hub = request.app.state.hub = Hub(request.app.state.settings.database_url)
    return hub


def parse_last_event_id(header: str | None, query: str | None) -> int | None:
    raw = header if header is not None else query
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Problem(
            400,
            "Last-Event-ID must be the id of a notification",
            errors=[{"field": "Last-Event-ID", "message": "not a notification id"}],
        )
    return int(raw)


def sse(row: NotificationRead) -> str:
    return f"id: {row.id}\nevent: notification\ndata: {row.model_dump_json()}\n\n"


async def events(
    db: Database, hub: Hub, user_id: int, last_id: int | None, heartbeat: float
) -> AsyncIterator[str]:
    wake = hub.subscribe(user_id)
    try:
        await hub.wait_ready(5.0)
        if last_id is None:
            async with db.sessionmaker() as session:
                last_id = await repository.dernier_id(session, user_id)
        yield f"retry: 2000\n: connecté, après {last_id}\n\n"
        wake.set()  # catch up with what came after Last-Event-ID
        while True:
            try:
                await asyncio.wait_for(wake.wait(), heartbeat)
            except TimeoutError:
                yield ": ping\n\n"
                continue
            wake.clear()
            while True:
                async with db.sessionmaker() as session:
                    rows = await repository.apres(session, user_id, last_id, BATCH)
                    envois = await repository.envois_de(session, [r.id for r in rows])
                for row in rows:
                    yield sse(NotificationRead.of(row, envois.get(row.id)))
                    last_id = row.id
                if len(rows) < BATCH:
                    break
    finally:
        hub.unsubscribe(user_id, wake)


@router.get(
    "/notifications/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    user: CurrentUserDep,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
    last_event_id_query: Annotated[str | None, Query(alias="last_event_id", max_length=32)] = None,
) -> StreamingResponse:
    """Server-sent events (`event: notification`, `id:` the notification id) of one's new
    notifications, a `: ping` comment line when idle; `Last-Event-ID` (header, or the
    `last_event_id` query parameter) resumes after that id without loss."""
    last_id = parse_last_event_id(last_event_id, last_event_id_query)
    heartbeat = request.app.state.settings.heartbeat_seconds
    return StreamingResponse(
        events(request.app.state.db, hub_of(request), user.id, last_id, heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
