"""Periodic tasks of the billing service, collected by beat (entry point mif.beat)."""

from shared.schedule import schedule

BEAT_SCHEDULE = schedule(
    "billing",
    {
        "billing.contrats.expire": 3600,
        "billing.factures.en_retard": 3600,
        "billing.sla.echeances": 60,
    },
)
