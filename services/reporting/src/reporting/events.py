"""Events the reporting service consumes: its durable queue, bindings and handlers
(the read models, see reporting.readmodels)."""

from shared.events import EventQueue
from shared.events.consumer import Handler

from reporting.readmodels import handlers as h

HANDLERS: dict[str, Handler] = {
    "user.*": h.on_user,
    "technicien.*": h.on_technicien,
    "client.*": h.on_client,
    "equipement.*": h.on_equipement,
    "intervention.*": h.on_intervention,
    "planning.*": h.on_planning,
    "piece.consommee": h.on_piece_consommee,
    "piece.*": h.on_piece,
    "stock.mouvement": h.on_stock_mouvement,
    "stock.seuil_bas": h.on_seuil_bas,
    "facture.*": h.on_facture,
    "avoir.*": h.on_facture,
    "sla.*": h.on_sla,
}
# one binding per aggregate (a queue gets each event once whatever the bindings matched)
EVENT_QUEUE = EventQueue(
    "reporting.events",
    [
        "user.*",
        "technicien.*",
        "client.*",
        "equipement.*",
        "intervention.*",
        "planning.*",
        "piece.*",
        "stock.*",
        "facture.*",
        "avoir.*",
        "sla.*",
    ],
)
