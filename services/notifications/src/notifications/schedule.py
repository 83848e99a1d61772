"""Periodic tasks of the notifications service, collected by beat (entry point mif.beat)."""

from shared.schedule import schedule

BEAT_SCHEDULE = schedule(
    "notifications",
    {
        "notifications.retention.purger": 3600,
        "notifications.email.relancer": 60,
    },
)
