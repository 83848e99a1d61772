"""The billing service's Celery app: its task queue, its event queue (its periodic tasks are in schedule.py)."""

from shared.worker import make_service_worker

from billing.config import Settings
from billing.events import EVENT_QUEUE, HANDLERS

SERVICE = "billing"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=[])
