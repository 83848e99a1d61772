"""The envelope every domain event travels in."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic import BaseModel, Field

EXCHANGE_NAME = "mif.events"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Event(BaseModel):
    """`type` is `<aggregate>.<past participle>` (`technicien.created`), the routing key."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: dt.datetime = Field(default_factory=_utcnow)
    producer: str
    aggregate_id: str
    actor_id: int | None = None
    correlation_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def new(cls, type_: str, *, producer: str, aggregate_id: object, data: dict[str, Any]) -> Event:
        """An event stamped with the current request's id and user (from the log context)."""
        context = structlog.contextvars.get_contextvars()
        actor = context.get("user_id")
        return cls(
            type=type_,
            producer=producer,
            aggregate_id=str(aggregate_id),
            actor_id=int(actor) if actor is not None else None,
            correlation_id=context.get("request_id"),
            data=data,
        )


@dataclass(frozen=True)
class EventQueue:
    """A service's durable event queue and the routing keys bound to it
    (`technicien.*`, `intervention.cloturee`, `#`)."""

    name: str
    bindings: list[str] = field(default_factory=list)
