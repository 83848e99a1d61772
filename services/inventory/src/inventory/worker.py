"""Celery app of this service: its task queue and event queue (periodic tasks: schedule.py)."""

from shared.worker import make_service_worker

from inventory.config import Settings
from inventory.events import EVENT_QUEUE, HANDLERS

SERVICE = "inventory"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=["inventory.tasks"])
