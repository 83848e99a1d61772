"""Consuming domain events inside a service's Celery worker, each event applied once.

A service declares `handlers = {"technicien.created": on_technicien, "technicien.*": ...}`;
the worker gets a bootstep that consumes the service's durable event queue and, for each
message, runs the matching handler in a unit of work (`shared.uow`) and records the event
id in the service's inbox in the same transaction (delivery is at least once, the effect
exactly once). Events a handler emits carry the incoming event's actor and correlation id.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable
from typing import Any

from celery import bootsteps
from kombu import Consumer, Message
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError

from shared.context import RequestMeta
from shared.db import Database
from shared.events.broker import kombu_queues
from shared.events.envelope import Event, EventQueue
from shared.events.outbox import claim_event
from shared.logging import get_logger
from shared.uow import Handler, unit_of_work

log = get_logger(__name__)


def match_handler(handlers: dict[str, Handler], event_type: str) -> Handler | None:
    """Exact type first, then kombu-style patterns (`technicien.*`, `#`)."""
    if event_type in handlers:
        return handlers[event_type]
    for pattern, handler in handlers.items():
        if fnmatch.fnmatchcase(event_type, pattern.replace("#", "*")):
            return handler
    return None


async def apply_event(
    db: Database, schema: str, handlers: dict[str, Handler], event: Event
) -> bool:
    """Apply `event` once; returns False when it had already been applied or is not ours."""
    handler = match_handler(handlers, event.type)
    meta = RequestMeta(
        request_id=event.correlation_id or str(event.id), client_ip=None, user_agent=None
    )
    async with unit_of_work(db, schema=schema, actor_id=event.actor_id, meta=meta) as uow:
        if not await claim_event(uow.session, schema, event):
            log.info("event.duplicate_skipped", event_id=str(event.id), type=event.type)
            return False
        if handler is not None:
            await handler(uow, event)
    return handler is not None


def make_event_consumer_step(
    queue: EventQueue,
    schema: str,
    handlers: dict[str, Handler],
    database: Callable[[], Database],
    run: Callable[[Awaitable[Any]], Any],
) -> type[bootsteps.ConsumerStep]:
    """A Celery consumer bootstep consuming `queue` with `handlers`."""

    class EventConsumerStep(bootsteps.ConsumerStep):
        def get_consumers(self, channel: Any) -> list[Consumer]:
            return [
                Consumer(
                    channel,
                    queues=kombu_queues(queue),
                    callbacks=[self.on_message],
                    accept=["json"],
                    prefetch_count=10,
                )
            ]

        def on_message(self, body: dict[str, Any], message: Message) -> None:
            try:
                event = Event.model_validate(body)
            except ValidationError as exc:
                log.error("event.malformed", error=str(exc)[:500])
                message.ack()
                return
            try:
                run(apply_event(database(), schema, handlers, event))
            except (OperationalError, ConnectionError, OSError) as exc:
                # transient: leave it on the queue for another try
                log.warning("event.retry", event_id=str(event.id), error=str(exc))
                message.requeue()
                return
            except DBAPIError:
                log.exception("event.failed", event_id=str(event.id), type=event.type)
            except Exception:
                log.exception("event.failed", event_id=str(event.id), type=event.type)
            message.ack()

    return EventConsumerStep
