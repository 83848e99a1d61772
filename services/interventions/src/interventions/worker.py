"""Celery app of this service: its task queue and event queue (periodic tasks: schedule.py)."""

from shared.worker import make_service_worker

from interventions.config import Settings
from interventions.events import EVENT_QUEUE, HANDLERS

SERVICE = "interventions"
settings = Settings()
app = make_service_worker(
    SERVICE,
    settings,
    EVENT_QUEUE,
    HANDLERS,
    include=["interventions.interventions.tasks", "interventions.planning.tasks"],
)
