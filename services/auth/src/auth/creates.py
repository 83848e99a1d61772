"""Creates answer 201 + Location, once per `Idempotency-Key` (a retry gets the first body)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse
from shared.app import API_PREFIX
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import SCHEMA
from shared import idempotency


async def created(
    session: AsyncSession,
    *,
    key: str | None,
    actor_id: int,
    collection: str,
    make: Callable[[], Awaitable[dict[str, Any]]],
) -> JSONResponse:
    """Run `make` (returns the JSON body of the new resource) unless `key` was seen, in the
    request's transaction; answer 201 with `Location: /api/v1/<collection>/<id>`."""
    stored = await idempotency.claim(session, SCHEMA, key, actor_id, f"POST /{collection}")
    if stored is None:
        stored = await make()
        await idempotency.remember(session, SCHEMA, key, actor_id, stored)
    location = f"{API_PREFIX}/{collection}/{stored['id']}"
    return JSONResponse(stored, status_code=201, headers={"Location": location})
