"""Domain events: envelope, transactional outbox, relay to the broker, idempotent inbox."""

from shared.events.envelope import EXCHANGE_NAME, Event, EventQueue
from shared.events.outbox import add_event

__all__ = ["EXCHANGE_NAME", "Event", "EventQueue", "add_event"]
