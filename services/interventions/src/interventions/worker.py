"""The interventions service's Celery app: its task queue, its event queue, its periodic tasks."""

from typing import Any

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

# Periodic tasks of this service, collected by the beat process (entry point mif.beat).
BEAT_SCHEDULE: dict[str, Any] = {
    "interventions.planning.send_reminders": {
        "task": "interventions.planning.send_reminders",
        "schedule": 60.0,
        "options": {"queue": "interventions", "expires": 55},
    },
    "interventions.preventive.generate": {
        "task": "interventions.preventive.generate",
        "schedule": 3600.0,
        "options": {"queue": "interventions", "expires": 3300},
    },
    "interventions.archival.run": {
        "task": "interventions.archival.run",
        "schedule": 86400.0,
        "options": {"queue": "interventions", "expires": 82800},
    },
}
