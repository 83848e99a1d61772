"""Celery tasks of the planning feature (thin: the work is in the service)."""

from __future__ import annotations

from shared.tasks import service_task
from shared.worker import run_async, worker_database

from interventions.planning.service import envoyer_rappels
from interventions.worker import app, settings

SEND_REMINDERS = "interventions.planning.send_reminders"


@service_task(app, SEND_REMINDERS, soft_time_limit=240, time_limit=300)
def send_reminders() -> int:
    """Remind confirmed slots starting within 24 h (each exactly once); returns how many."""
    return run_async(
        envoyer_rappels(worker_database(settings), batch_size=settings.reminder_batch_size)
    )
