"""Celery app of this service: its task queue, the heavy queue where reports are written,
and its event queue (periodic tasks: schedule.py)."""

from shared.worker import make_service_worker

from reporting.config import Settings
from reporting.dispatch import HEAVY_QUEUE
from reporting.events import EVENT_QUEUE, HANDLERS

SERVICE = "reporting"
settings = Settings()
app = make_service_worker(
    SERVICE,
    settings,
    EVENT_QUEUE,
    HANDLERS,
    include=["reporting.tasks"],
    extra_queues=(HEAVY_QUEUE,),
)
