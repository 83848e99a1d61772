"""Celery tasks of the inbox: the retention policy."""

from __future__ import annotations

from shared.worker import run_async, worker_database

from notifications.inbox.service import purger
from notifications.worker import app, settings

PURGE = "notifications.retention.purger"


@app.task(name=PURGE, soft_time_limit=240, time_limit=300)
def purge() -> int:
    """Delete read notifications older than the retention period, in batches; unread ones
    are kept whatever their age. Returns how many were deleted."""
    return run_async(
        purger(
            worker_database(settings),
            retention_days=settings.retention_days,
            batch_size=settings.purge_batch_size,
        )
    )
