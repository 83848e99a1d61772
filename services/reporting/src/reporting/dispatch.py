"""Sending this service's tasks from the API process (no worker code loaded): report
generation goes to `reporting.heavy`."""

from __future__ import annotations

import functools

from celery import Celery
from shared.worker import make_celery

from reporting.config import Settings

GENERATE = "reporting.reports.generate"
HEAVY_QUEUE = "reporting.heavy"


@functools.lru_cache(maxsize=4)
def _app(broker_url: str) -> Celery:
    settings = Settings(broker_url=broker_url)
    return make_celery("reporting", settings, extra_queues=(HEAVY_QUEUE,))


def send_generate(settings: Settings, report_ids: list[int], app: Celery | None = None) -> None:
    """Queue the writing of each report (call after the commit that created them)."""
    celery = app or _app(settings.effective_broker_url)
    for report_id in report_ids:
        celery.send_task(GENERATE, args=[report_id], queue=HEAVY_QUEUE)
