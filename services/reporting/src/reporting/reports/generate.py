"""Writing one report under its lease (the body of the `reporting.reports.generate` task)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from shared.db import Database, libpq_url
from shared.logging import get_logger
from shared.uow import unit_of_work

from reporting.config import Settings
from reporting.database import SCHEMA
from reporting.reports import service, writers
from reporting.reports.files import reports_storage
from reporting.reports.queries import report_query

log = get_logger(__name__)
HEARTBEAT_SECONDS = 1.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Lease:
    """Renews the lease with the progress, at most every HEARTBEAT_SECONDS (or when the
    percentage moves by 5); raises LeaseLost once another worker took the report."""

    def __init__(self, db: Database, settings: Settings, report_id: int, owner: str) -> None:
        self.db, self.settings, self.report_id, self.owner = db, settings, report_id, owner
        self.last_time = 0.0
        self.last_pct = -100

    async def progress(self, done: int, total: int) -> None:
        # 0..95 while writing rows; 100 is written with the completion
        pct = min(95, int(95 * done / total)) if total else 95
        now = time.monotonic()
        if now - self.last_time >= HEARTBEAT_SECONDS or pct - self.last_pct >= 5:
            async with unit_of_work(self.db, schema=SCHEMA) as uow:
                await service.heartbeat(
                    uow, self.report_id, self.owner, self.settings.report_lease_seconds, pct
                )
            self.last_time, self.last_pct = now, pct
        if self.settings.report_pause_seconds:
            await asyncio.sleep(self.settings.report_pause_seconds)


async def generate(db: Database, settings: Settings, report_id: int) -> str:
    """Write the report if its lease can be taken; returns what happened."""
    owner = worker_name()
    async with unit_of_work(db, schema=SCHEMA) as uow:
        row = await service.claim(uow, report_id, owner, settings.report_lease_seconds)
        if row is not None and row["tentatives"] > settings.report_max_tentatives:
            await service.fail(
                uow,
                report_id,
                f"abandonné après {settings.report_max_tentatives} tentatives",
                owner,
            )
            return "abandonne"
    if row is None:
        return "deja_pris"
    storage = reports_storage(settings.reports_dir)
    lease = _Lease(db, settings, report_id, owner)
    temp: Path | None = None
    try:
        temp = storage.temp_path()
        await _write(settings, row, temp, lease)
        stored = await storage.keep_object(temp)
        chemin = stored.key
        async with unit_of_work(db, schema=SCHEMA) as uow:
            done = await service.complete(uow, report_id, owner, chemin, stored.size)
        if not done:
            await storage.remove(chemin)
            return "bail_perdu"
        log.info("report.termine", report_id=report_id)
        return "termine"
    except service.LeaseLost:
        log.warning("report.lease_lost", report_id=report_id)
        return "bail_perdu"
    except Exception as exc:
        log.exception("report.failed", report_id=report_id)
        async with unit_of_work(db, schema=SCHEMA) as uow:
            await service.fail(uow, report_id, _message(exc), owner)
        return "erreur"
    finally:
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def _message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"échec de la génération : {type(exc).__name__}{' : ' + text if text else ''}"


async def _write(settings: Settings, row: dict[str, Any], path: Path, lease: _Lease) -> None:
    query = report_query(row["type_report"], row["parametres"])
    async with await psycopg.AsyncConnection.connect(
        libpq_url(settings.database_url), application_name="reporting-report"
    ) as conn:
        await conn.set_read_only(True)
        await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
        await conn.execute("SET TIME ZONE 'Africa/Casablanca'")
        if row["format"] == "csv":
            await writers.write_csv(conn, query, path, lease.progress)
        elif row["format"] == "excel":
            await writers.write_excel(
                conn, query, path, lease.progress, batch=settings.report_batch_rows
            )
        else:
            await writers.write_pdf(
                conn,
                query,
                path,
                lease.progress,
                nom=row["nom"],
                parametres=row["parametres"],
                batch=settings.report_batch_rows,
                max_rows=settings.pdf_max_rows,
            )
