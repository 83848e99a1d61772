"""Celery tasks of the reporting service (thin: the work is in reports.generate and
periodic)."""

from __future__ import annotations

from typing import Any

from shared.worker import run_async, worker_database

from reporting import periodic
from reporting.dispatch import GENERATE, send_generate
from reporting.reports.generate import generate
from reporting.worker import app, settings

REFRESH = "reporting.stats.refresh"
SCHEDULES = "reporting.schedules.tick"
RESUME = "reporting.reports.resume"
PURGE = "reporting.reports.purge"


@app.task(name=GENERATE, soft_time_limit=540, time_limit=600)
def generate_report(report_id: int) -> str:
    return run_async(generate(worker_database(settings), settings, report_id))


@app.task(name=REFRESH, soft_time_limit=240, time_limit=300)
def refresh_views() -> None:
    """REFRESH MATERIALIZED VIEW CONCURRENTLY of the seed's two views."""
    run_async(periodic.refresh_views(worker_database(settings)))


@app.task(name=SCHEDULES, soft_time_limit=50, time_limit=60)
def tick_schedules() -> list[int]:
    ids = run_async(periodic.run_schedules(worker_database(settings)))
    send_generate(settings, ids, app)
    return ids


@app.task(name=RESUME, soft_time_limit=50, time_limit=60)
def resume_reports() -> list[int]:
    """Re-send the reports whose worker died (lease expired) or never started."""
    ids = run_async(periodic.reports_to_resume(worker_database(settings), settings))
    send_generate(settings, ids, app)
    return ids


@app.task(name=PURGE, soft_time_limit=240, time_limit=300)
def purge_files() -> int:
    return run_async(periodic.purge_files(worker_database(settings), settings))


__all__: list[Any] = [
    "generate_report",
    "purge_files",
    "refresh_views",
    "resume_reports",
    "tick_schedules",
]
