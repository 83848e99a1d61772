"""Writing this service's domain events to its outbox, in the caller's transaction."""

from __future__ import annotations

from pydantic import BaseModel
from shared.events import Event, add_event
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import SCHEMA

PRODUCER = "auth"


async def emit(session: AsyncSession, type_: str, aggregate_id: int, data: BaseModel) -> None:
    """Queue `type_` for publication if and only if the current transaction commits."""
    event = Event.new(
        type_, producer=PRODUCER, aggregate_id=aggregate_id, data=data.model_dump(mode="json")
    )
    await add_event(session, SCHEMA, event)
