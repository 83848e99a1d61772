"""/healthz (alive), /readyz (dependencies reachable), /metrics (Prometheus text)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

from shared.errors import Problem

Check = Callable[[], Awaitable[None]]


async def _run(named: dict[str, Check]) -> dict[str, str]:
    results = await asyncio.gather(
        *(asyncio.wait_for(check(), timeout=2.0) for check in named.values()),
        return_exceptions=True,
    )
    return {
        name: "ok" if not isinstance(result, BaseException) else f"error: {result!r}"[:200]
        for name, result in zip(named, results, strict=True)
    }


def health_router(
    checks: Callable[[Request], dict[str, Check]],
    optional: Callable[[Request], dict[str, Check]] | None = None,
) -> APIRouter:
    """`checks` decide readiness (503 when one fails); `optional` ones are only reported."""
    router = APIRouter(tags=["operations"], include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> dict[str, object]:
        required, extra = await asyncio.gather(
            _run(checks(request)), _run(optional(request) if optional else {})
        )
        if any(value != "ok" for value in required.values()):
            raise Problem(503, "not ready", checks={**required, **extra})
        return {"status": "ready", "checks": {**required, **extra}}

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        await refresh_dead_letter_gauge(request)
        await refresh_outbox_and_pool_gauges(request)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def refresh_dead_letter_gauge(request: Request) -> None:
    """The worker has no HTTP port: the service's API reports its dead letters, read from
    the table at each scrape. A service without a database (the gateway) has none."""
    state = request.app.state
    db, schema = getattr(state, "db", None), getattr(state, "service", None)
    if db is None or schema is None:
        return
    from shared.events.dead_letters import refresh_gauge

    try:
        await asyncio.wait_for(refresh_gauge(db, schema), timeout=2.0)
    except Exception:  # a scrape must answer even when the database does not
        return


OUTBOX_BACKLOG = Gauge(
    "mif_outbox_backlog", "Events written but not yet published by the relay", ["service"]
)
OUTBOX_AGE = Gauge(
    "mif_outbox_oldest_age_seconds",
    "Age of the oldest event not yet published (0 when none waits)",
    ["service"],
)
POOL_IN_USE = Gauge(
    "mif_db_pool_checked_out", "Database connections in use by this process", ["service"]
)
POOL_SIZE = Gauge("mif_db_pool_size", "Database connections kept by this process", ["service"])


async def refresh_outbox_and_pool_gauges(request: Request) -> None:
    """Issue 7, item 13: the relay's backlog and how late it is, read from the outbox at each
    scrape (the relay has no port of its own), and this process's database pool."""
    state = request.app.state
    db, schema = getattr(state, "db", None), getattr(state, "service", None)
    if db is None or schema is None:
        return
    pool = db.engine.sync_engine.pool
    POOL_IN_USE.labels(service=schema).set(getattr(pool, "checkedout", lambda: 0)())
    POOL_SIZE.labels(service=schema).set(getattr(pool, "size", lambda: 0)())
    from sqlalchemy import func, select

    from shared.events.outbox import outbox_table

    table = outbox_table(schema)
    query = select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
    try:
        async with asyncio.timeout(2.0), db.sessionmaker() as session:
            count, oldest = (await session.execute(query)).one()
            now = await session.scalar(select(func.clock_timestamp()))
    except Exception:  # a scrape must answer even when the database does not
        return
    OUTBOX_BACKLOG.labels(service=schema).set(count or 0)
    OUTBOX_AGE.labels(service=schema).set((now - oldest).total_seconds() if oldest else 0.0)
