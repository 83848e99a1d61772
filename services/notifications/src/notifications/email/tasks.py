"""Celery tasks of e-mail delivery (thin: the work is in the service)."""

from __future__ import annotations

import datetime as dt

from celery import Task
from shared.worker import run_async, worker_database

from notifications.email.service import envoyer_email, oublies
from notifications.worker import app, settings

SEND = "notifications.email.envoyer"
SWEEP = "notifications.email.relancer"


@app.task(bind=True, name=SEND, max_retries=None, soft_time_limit=120, time_limit=180)
def envoyer(self: Task, envoi_id: int) -> str | None:
    """Send one e-mail; on failure try again later, waiting twice as long each time, until
    the delivery is marked `echec`."""
    result = run_async(envoyer_email(worker_database(settings), settings, envoi_id))
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.statut.value if result.statut else None


@app.task(name=SWEEP, soft_time_limit=50, time_limit=60)
def relancer() -> int:
    """Queue again the deliveries whose task was lost (planned, never attempted)."""
    ids = run_async(oublies(worker_database(settings), dt.timedelta(minutes=2)))
    for envoi_id in ids:
        envoyer.delay(envoi_id)
    return len(ids)
