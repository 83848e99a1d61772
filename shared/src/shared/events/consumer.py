"""Consuming domain events inside a service's Celery worker, each event applied once and
none ever dropped.

A service declares `handlers = {"technicien.created": on_technicien, "technicien.*": ...}`;
the worker gets a bootstep that consumes the service's durable event queue and, for each
message, runs the matching handler in a unit of work (`shared.uow`) and records the event
id in the service's inbox in the same transaction (delivery is at least once, the effect
exactly once). Events a handler emits carry the incoming event's actor and correlation id.

A handler that raises is retried with exponential backoff (`RetryPolicy`); after the last
attempt the event is parked in the service's `dead_letters` table with the error and the
attempt count, and only then acked. A message that is not an event is parked at once. If
even the dead-letter store cannot be written (database down), the message is put back on
the queue: it is never acked into the void.
"""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from celery import bootsteps
from kombu import Consumer, Message
from pydantic import ValidationError

from shared.context import RequestMeta
from shared.db import Database
from shared.events.broker import kombu_queues
from shared.events.dead_letters import park
from shared.events.envelope import Event, EventQueue
from shared.events.outbox import claim_event
from shared.events.topics import topic_matches
from shared.logging import get_logger
from shared.uow import Handler, unit_of_work

log = get_logger(__name__)

__all__ = ["Handler", "RetryPolicy", "apply_event", "make_event_consumer_step", "match_handler"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failing handler is tried before its event is dead-lettered."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """Backoff before attempt `attempt + 1`: exponential, with jitter (50-100 %)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * (0.5 + random.random() / 2)


def match_handler(handlers: dict[str, Handler], event_type: str) -> Handler | None:
    """Exact type first, then topic patterns (`technicien.*`, `#`) as the broker binds."""
    if event_type in handlers:
        return handlers[event_type]
    for pattern, handler in handlers.items():
        if topic_matches(pattern, event_type):
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


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


class EventProcessor:
    """What the consumer does with one message body; separate from kombu so that it can be
    driven directly."""

    def __init__(
        self,
        schema: str,
        handlers: dict[str, Handler],
        database: Callable[[], Database],
        run: Callable[[Awaitable[Any]], Any],
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.schema = schema
        self.handlers = handlers
        self.database = database
        self.run = run
        self.policy = policy
        self.sleep = sleep

    def process(self, body: Any) -> bool:
        """Apply or park `body`; True when it may be acked, False to put it back."""
        try:
            event = Event.model_validate(body)
        except ValidationError as exc:
            log.error("event.malformed", schema=self.schema, error=str(exc)[:500])
            return self._park(body, f"malformed: {exc}", 0, None)
        error = ""
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                self.run(apply_event(self.database(), self.schema, self.handlers, event))
                return True
            except Exception as exc:
                error = _describe(exc)
                log.warning(
                    "event.handler_failed",
                    event_id=str(event.id),
                    type=event.type,
                    attempt=attempt,
                    error=error[:500],
                )
                if attempt < self.policy.max_attempts:
                    self.sleep(self.policy.delay(attempt))
        return self._park(body, error, self.policy.max_attempts, event)

    def park_undecodable(self, raw: Any, error: str) -> bool:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        return self._park({"raw": raw if isinstance(raw, str) else repr(raw)}, error, 0, None)

    def _park(self, body: Any, error: str, attempts: int, event: Event | None) -> bool:
        try:
            self.run(
                park(
                    self.database(),
                    self.schema,
                    body,
                    error,
                    attempts,
                    event.id if event else None,
                    event.type if event else None,
                )
            )
        except Exception as exc:
            log.error("event.dead_letter_failed", schema=self.schema, error=_describe(exc))
            self.sleep(self.policy.max_delay)
            return False
        log.error(
            "event.dead_lettered",
            schema=self.schema,
            event_id=str(event.id) if event else None,
            attempts=attempts,
        )
        return True


def make_event_consumer_step(
    queue: EventQueue,
    schema: str,
    handlers: dict[str, Handler],
    database: Callable[[], Database],
    run: Callable[[Awaitable[Any]], Any],
    policy: RetryPolicy | None = None,
) -> type[bootsteps.ConsumerStep]:
    """A Celery consumer bootstep consuming `queue` with `handlers`."""
    processor = EventProcessor(schema, handlers, database, run, policy or RetryPolicy())

    class EventConsumerStep(bootsteps.ConsumerStep):
        name = f"EventConsumer[{queue.name}]"

        def get_consumers(self, channel: Any) -> list[Consumer]:
            return [
                Consumer(
                    channel,
                    queues=kombu_queues(queue),
                    callbacks=[self.on_message],
                    on_decode_error=self.on_decode_error,
                    accept=["json"],
                    prefetch_count=10,
                )
            ]

        def on_message(self, body: Any, message: Message) -> None:
            if processor.process(body):
                message.ack()
            else:
                message.requeue()

        def on_decode_error(self, message: Message, exc: Exception) -> None:
            log.error("event.undecodable", queue=queue.name, error=str(exc)[:500])
            if processor.park_undecodable(message.body, f"undecodable: {exc}"):
                message.ack()
            else:
                message.requeue()

    return EventConsumerStep
