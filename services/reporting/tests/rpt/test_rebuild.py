"""A rebuild (read models and inbox emptied, the history delivered again, in another
order) gives the same figures as the live read models."""

from __future__ import annotations

import random
from typing import Any

import sqlalchemy as sa
from reporting.events import HANDLERS
from reporting.rebuild import refresh, truncate
from shared.db import Database
from shared.events import Event
from shared.events.consumer import apply_event

from .conftest import Apply
from .test_stats import _history


async def _figures(client: Any, tokens: Any, ids: dict[str, int]) -> tuple[Any, Any, Any]:
    h = tokens.headers("admin")
    kpis = (
        await client.get(
            "/api/v1/stats/kpis",
            headers=h,
            params={"du": "2026-11-01", "au": "2026-11-30", "client_id": ids["client"]},
        )
    ).json()
    techs = [
        r
        for r in (await client.get("/api/v1/stats/techniciens", headers=h)).json()["items"]
        if r["technician_id"] == ids["technicien"]
    ]
    clients = [
        r
        for r in (await client.get("/api/v1/stats/clients", headers=h)).json()["items"]
        if r["client_id"] == ids["client"]
    ]
    return kpis, techs, clients


async def test_rebuild_gives_the_same_figures(
    apply: Apply, db: Database, client: Any, tokens: Any
) -> None:
    events: list[Event] = []

    async def recording(*args: Any, **kwargs: Any) -> Event:
        event = await apply(*args, **kwargs)
        events.append(event)
        return event

    ids = await _history(recording)
    await refresh(db)
    live = await _figures(client, tokens, ids)
    assert live[0]["interventions_cloturees"] == 4 and len(live[1]) == len(live[2]) == 1

    await truncate(db)
    async with db.engine.connect() as conn:
        left = (
            await conn.execute(sa.text("SELECT count(*) FROM reporting.rm_interventions"))
        ).scalar_one()
    assert left == 0
    replay = list(events)
    random.Random(12).shuffle(replay)
    for event in replay:
        assert await apply_event(db, "reporting", HANDLERS, event)
    await refresh(db)
    assert await _figures(client, tokens, ids) == live
