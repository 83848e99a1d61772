"""Periodic tasks of the reporting service, collected by beat (entry point mif.beat)."""

import os

from shared.schedule import schedule

BEAT_SCHEDULE = schedule(
    "reporting",
    {
        # the seed's views, REFRESH ... CONCURRENTLY (readers never wait)
        "reporting.stats.refresh": float(os.environ.get("REPORTING_MV_REFRESH_SECONDS", "5")),
        "reporting.schedules.tick": 30,
        "reporting.reports.resume": 15,
        "reporting.reports.purge": 3600,
    },
)
