"""Celery app of this service: its task queue and event queue (periodic tasks: schedule.py)."""

from shared.worker import make_service_worker

from reporting.config import Settings
from reporting.events import EVENT_QUEUE, HANDLERS

SERVICE = "reporting"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=[])
