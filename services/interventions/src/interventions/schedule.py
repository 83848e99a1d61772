"""Periodic tasks of the interventions service, collected by beat (entry point mif.beat)."""

from shared.schedule import schedule

BEAT_SCHEDULE = schedule(
    "interventions",
    {
        "interventions.planning.send_reminders": 60,
        "interventions.preventive.generate": 3600,
        "interventions.archival.run": 86400,
    },
)
