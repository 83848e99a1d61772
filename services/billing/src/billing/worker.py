"""Celery app of this service: its task queue and event queue (periodic tasks: schedule.py)."""

from shared.worker import make_service_worker

from billing.config import Settings
from billing.events import EVENT_QUEUE, HANDLERS

SERVICE = "billing"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=["billing.tasks"])
