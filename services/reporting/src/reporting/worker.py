"""The reporting service's Celery app: its task queue, its event queue (its periodic tasks are in schedule.py)."""

from shared.worker import make_service_worker

from reporting.config import Settings
from reporting.events import EVENT_QUEUE, HANDLERS

SERVICE = "reporting"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=[])
