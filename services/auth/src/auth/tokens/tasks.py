"""Periodic upkeep of refresh tokens."""

from __future__ import annotations

import datetime as dt

from shared.db import utcnow
from shared.logging import get_logger
from shared.tasks import service_task
from shared.uow import unit_of_work
from shared.worker import run_async, worker_database

from auth.models import SCHEMA
from auth.tokens import repository
from auth.worker import app, settings

log = get_logger(__name__)

# Expired tokens are kept a while so that a late reuse is still recognised and logged.
RETENTION = dt.timedelta(days=7)
BATCH = 5_000


async def purge_expired_refresh_tokens() -> int:
    """Delete refresh tokens expired for more than RETENTION, in batches."""
    db = worker_database(settings)
    total = 0
    while True:
        async with unit_of_work(db, schema=SCHEMA) as uow:
            deleted = await repository.delete_expired(uow.session, utcnow() - RETENTION, BATCH)
        total += deleted
        if deleted < BATCH:
            break
    log.info("refresh_tokens.purged", count=total)
    return total


@service_task(app, "auth.tokens.purge_expired", soft_time_limit=240, time_limit=300)
def purge_expired() -> int:
    return run_async(purge_expired_refresh_tokens())
