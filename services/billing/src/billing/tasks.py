"""Celery tasks of the billing service (thin: the work is in the features' services)."""

from __future__ import annotations

import datetime as dt

from shared.uow import unit_of_work
from shared.worker import run_async, worker_database

from billing.common import today
from billing.contrats import service as contrats
from billing.database import SCHEMA
from billing.factures import service as factures
from billing.sla import service as sla
from billing.worker import app, settings

EXPIRE_CONTRATS = "billing.contrats.expire"
MARK_LATE = "billing.factures.en_retard"
SLA_DEADLINES = "billing.sla.echeances"


async def run_until_done(step, *args) -> int:  # type: ignore[no-untyped-def]
    """Run a batch step in its own unit of work until a batch comes back short."""
    db = worker_database(settings)
    total = 0
    while True:
        async with unit_of_work(db, schema=SCHEMA) as uow:
            done = await step(uow, *args, settings.periodic_batch_size)
        total += done
        if done < settings.periodic_batch_size:
            return total


@app.task(name=EXPIRE_CONTRATS, soft_time_limit=240, time_limit=300)
def expire_contrats() -> int:
    return run_async(run_until_done(contrats.expire_due, today()))


@app.task(name=MARK_LATE, soft_time_limit=240, time_limit=300)
def mark_late() -> int:
    return run_async(run_until_done(factures.mark_late, today()))


@app.task(name=SLA_DEADLINES, soft_time_limit=240, time_limit=300)
def sla_deadlines() -> int:
    """One pass over the running SLA clocks (a batch; the next beat takes the rest)."""

    async def one() -> int:
        async with unit_of_work(worker_database(settings), schema=SCHEMA) as uow:
            return await sla.check_deadlines(
                uow, dt.datetime.now(dt.UTC), settings.periodic_batch_size
            )

    return run_async(one())
