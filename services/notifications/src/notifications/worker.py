"""The notifications service's Celery app: its task queue, its event queue (its periodic tasks are in schedule.py)."""

from shared.worker import make_service_worker

from notifications.config import Settings
from notifications.events import EVENT_QUEUE, HANDLERS

SERVICE = "notifications"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=[])
