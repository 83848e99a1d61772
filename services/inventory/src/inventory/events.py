"""Events the inventory service consumes: its durable queue, bindings and handlers."""

from shared.events import EventQueue
from shared.events.consumer import Handler

from inventory.replicas import on_intervention, on_technicien

EVENT_QUEUE = EventQueue("inventory.events", ["intervention.*", "technicien.*"])
HANDLERS: dict[str, Handler] = {
    "intervention.*": on_intervention,
    "technicien.*": on_technicien,
}
