"""Events the interventions service consumes: its durable queue, bindings and handlers."""

from shared.events import EventQueue
from shared.events.consumer import Handler

from interventions.interventions.service import on_piece_consommee
from interventions.techniciens.service import on_client, on_technicien

EVENT_QUEUE = EventQueue("interventions.events", ["technicien.*", "client.*", "piece.consommee"])
HANDLERS: dict[str, Handler] = {
    "technicien.*": on_technicien,
    "client.*": on_client,
    "piece.consommee": on_piece_consommee,
}
