"""The periodic work of the service (the beat tasks' bodies)."""

from __future__ import annotations

import datetime as dt

from shared.db import Database
from shared.uow import unit_of_work

from reporting.config import Settings
from reporting.database import SCHEMA
from reporting.reports import service as reports
from reporting.reports.files import reports_storage
from reporting.schedules import service as schedules
from reporting.stats import repository as stats


async def refresh_views(db: Database) -> None:
    async with unit_of_work(db, schema=SCHEMA) as uow:
        await stats.refresh_views(uow.session)


async def run_schedules(db: Database, now: dt.datetime | None = None) -> list[int]:
    """Reports started by due schedules (send their tasks after this returns)."""
    async with unit_of_work(db, schema=SCHEMA) as uow:
        return await schedules.tick(uow, now or dt.datetime.now(dt.UTC))


async def reports_to_resume(db: Database, settings: Settings) -> list[int]:
    async with unit_of_work(db, schema=SCHEMA) as uow:
        return await reports.to_resume(uow, grace_seconds=settings.report_lease_seconds)


async def purge_files(db: Database, settings: Settings) -> int:
    """Remove report files past retention; returns how many."""
    storage = reports_storage(settings.reports_dir)
    async with unit_of_work(db, schema=SCHEMA) as uow:
        expired = await reports.expired_files(uow, settings.report_retention_days)
    for _, chemin in expired:
        await storage.remove(chemin)
    return len(expired)
