"""Events the auth service consumes: its durable queue, bindings and handlers."""

from shared.events import EventQueue
from shared.events.consumer import Handler

EVENT_QUEUE = EventQueue("auth.events", [])
HANDLERS: dict[str, Handler] = {}
