"""Events the notifications service consumes: its durable queue, bindings and handlers."""

from shared.events import EventQueue
from shared.events.consumer import Handler

EVENT_QUEUE = EventQueue("notifications.events", [])
HANDLERS: dict[str, Handler] = {}
