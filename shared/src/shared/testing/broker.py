"""Broker clean-up for tests that declare their own event queues."""

from __future__ import annotations

from typing import Any

import redis
from kombu import Connection, Queue

from shared.events.envelope import EXCHANGE_NAME
from shared.settings import redis_client_url


def drop_event_queue(redis_url: str, queue_name: str) -> None:
    """Delete a test queue and its bindings on `mif.events` (kombu's Redis transport keeps
    bindings in a set that `queue_delete` from another connection does not clean)."""
    client = redis.Redis.from_url(redis_client_url(redis_url), decode_responses=True)
    key = f"_kombu.binding.{EXCHANGE_NAME}"
    separator = "\x06\x16"  # kombu's field separator in binding entries
    members: set[str] = client.smembers(key)  # type: ignore[assignment]
    for member in members:
        if member.split(separator)[-1] == queue_name:
            client.srem(key, member)
    client.delete(queue_name)
    client.close()


def drain(broker_url: str, queue: Queue, wait: float = 0.5) -> list[dict[str, Any]]:
    """Every message waiting in `queue` (acked), stopping after `wait` s without one."""
    messages: list[dict[str, Any]] = []
    with Connection(broker_url) as conn, conn.SimpleQueue(queue) as simple:
        while True:
            try:
                message = simple.get(timeout=wait)
            except simple.Empty:
                return messages
            messages.append(message.payload)
            message.ack()
