"""The inventory service's Celery app: its task queue, its event queue (its periodic tasks are in schedule.py)."""

from shared.worker import make_service_worker

from inventory.config import Settings
from inventory.events import EVENT_QUEUE, HANDLERS

SERVICE = "inventory"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=[])
