"""The auth service's Celery app: its task queue, its event queue, its periodic tasks."""

from typing import Any

from shared.worker import make_service_worker

from auth.config import Settings
from auth.events import EVENT_QUEUE, HANDLERS

SERVICE = "auth"
settings = Settings()
app = make_service_worker(SERVICE, settings, EVENT_QUEUE, HANDLERS, include=["auth.tokens.tasks"])

# Periodic tasks of this service, collected by the beat process (entry point mif.beat).
BEAT_SCHEDULE: dict[str, Any] = {
    "auth.tokens.purge_expired": {
        "task": "auth.tokens.purge_expired",
        "schedule": 3600.0,
        "options": {"queue": SERVICE, "expires": 3000},
    },
}
