"""Celery tasks of the core (thin: the work is in interventions.periodic)."""

from __future__ import annotations

from shared.tasks import service_task
from shared.worker import run_async, worker_database

from interventions.interventions import periodic
from interventions.worker import app, settings

GENERATE_PREVENTIVE = "interventions.preventive.generate"
ARCHIVE = "interventions.archival.run"


@service_task(app, GENERATE_PREVENTIVE, soft_time_limit=240, time_limit=300)
def generate_preventive() -> int:
    """Open the preventive interventions due within the horizon; returns how many."""
    return run_async(
        periodic.generate_preventive(
            worker_database(settings),
            horizon_days=settings.preventive_horizon_days,
            batch=settings.periodic_batch_size,
        )
    )


@service_task(app, ARCHIVE, soft_time_limit=480, time_limit=540)
def archive_and_purge() -> dict[str, int]:
    """Archive old closed interventions, then purge audit rows past retention."""
    db = worker_database(settings)
    archived = run_async(
        periodic.archive(
            db, after_days=settings.archive_after_days, batch=settings.periodic_batch_size
        )
    )
    purged = run_async(
        periodic.purge_historique(db, retention_days=settings.historique_retention_days, batch=1000)
    )
    return {"archived": archived, "purged": purged}
