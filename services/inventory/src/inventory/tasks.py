"""Celery tasks of the inventory service (thin: the work is in the feature modules)."""

from __future__ import annotations

from shared.worker import run_async, worker_database

from inventory.stock import alertes
from inventory.worker import app, settings

SWEEP = "inventory.stock.seuil_sweep"


@app.task(name=SWEEP, soft_time_limit=240, time_limit=300)
def seuil_sweep() -> int:
    """stock.seuil_bas for every part under its minimum without an alert yet."""
    return run_async(alertes.sweep(worker_database(settings)))
