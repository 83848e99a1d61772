"""Celery app of this service: its task queue and event queue (periodic tasks: schedule.py)."""

from shared.worker import make_service_worker

from notifications.config import Settings
from notifications.events import EVENT_QUEUE, HANDLERS

SERVICE = "notifications"
settings = Settings()
app = make_service_worker(
    SERVICE,
    settings,
    EVENT_QUEUE,
    HANDLERS,
    include=["notifications.email.tasks", "notifications.inbox.tasks"],
)
