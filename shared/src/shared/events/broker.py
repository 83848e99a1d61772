"""The kombu side of events: the topic exchange, queue declarations, publishing."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from kombu import Connection, Exchange, Queue

from shared.events.envelope import EXCHANGE_NAME, EventQueue

EXCHANGE = Exchange(EXCHANGE_NAME, type="topic", durable=True)


def kombu_queues(queue: EventQueue) -> list[Queue]:
    """One kombu Queue per binding; they share the name, so they are one durable queue."""
    return [
        Queue(queue.name, exchange=EXCHANGE, routing_key=key, durable=True)
        for key in queue.bindings
    ]


def registered_event_queues() -> list[EventQueue]:
    """Every service's event queue, from the `mif.event_queues` entry points."""
    return [ep.load() for ep in entry_points(group="mif.event_queues")]


def declare(connection: Connection, queues: list[EventQueue]) -> None:
    """Declare the exchange and bind each queue, so that no event published before its
    consumer first starts is dropped (a topic exchange only delivers to bound queues)."""
    channel = connection.default_channel
    EXCHANGE(channel).declare()
    for queue in queues:
        for q in kombu_queues(queue):
            q(channel).declare()


def publish(producer: Any, payload: dict[str, Any]) -> None:
    """Publish one event envelope. The exchange is declared on the producer's channel
    (cached per connection): kombu's Redis transport only knows an exchange's type on a
    connection that declared it, and would otherwise route a topic as a direct exchange."""
    producer.publish(
        payload,
        exchange=EXCHANGE,
        routing_key=payload["type"],
        serializer="json",
        delivery_mode=2,
        message_id=str(payload["id"]),
        headers={"event_type": payload["type"]},
        retry=False,
        declare=[EXCHANGE],
    )
