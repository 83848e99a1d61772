"""Events the billing service consumes: its durable queue, bindings and handlers."""

from shared.events import Event, EventQueue
from shared.events.consumer import Handler
from shared.uow import UnitOfWork

from billing.clients.service import on_client
from billing.factures.inputs import on_cloturee, on_corrigee, on_piece
from billing.sla.service import on_intervention


async def on_intervention_cloturee(uow: UnitOfWork, event: Event) -> None:
    """Closing bills the work (quota, lines), then stops the SLA clocks."""
    await on_cloturee(uow, event)
    await on_intervention(uow, event)


async def on_intervention_corrigee(uow: UnitOfWork, event: Event) -> None:
    await on_corrigee(uow, event)


EVENT_QUEUE = EventQueue("billing.events", ["intervention.*", "piece.consommee", "client.*"])
HANDLERS: dict[str, Handler] = {
    "intervention.cloturee": on_intervention_cloturee,
    "intervention.corrigee": on_intervention_corrigee,
    "intervention.*": on_intervention,
    "piece.consommee": on_piece,
    "client.*": on_client,
}
