"""Events the notifications service consumes: its durable queue, bindings and handlers.
The directory is fed by auth's and interventions' events; every event of `inbox.rules`
becomes its notifications (each once: the consumer's inbox)."""

from shared.events import EventQueue
from shared.events.consumer import Handler

from notifications.annuaire.service import on_client, on_equipement, on_technicien, on_user
from notifications.inbox.rules import PAR_EVENT
from notifications.inbox.service import notifier

HANDLERS: dict[str, Handler] = {
    "user.*": on_user,
    "technicien.*": on_technicien,
    "client.*": on_client,
    "equipement.*": on_equipement,
    # every intervention event updates the names; those of the rules also notify
    "intervention.*": notifier,
    **{event: notifier for event in PAR_EVENT if not event.startswith("intervention.")},
}
EVENT_QUEUE = EventQueue("notifications.events", list(HANDLERS))
