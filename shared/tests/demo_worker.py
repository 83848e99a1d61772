"""A service-shaped Celery worker used by test_worker_consumer.py (run as a real process)."""

import os

from shared.events import Event, EventQueue
from shared.settings import ServiceSettings
from shared.worker import make_service_worker
from sqlalchemy import text

SCHEMA = os.environ["DEMO_SCHEMA"]


async def on_technicien(uow, event: Event) -> None:
    await uow.session.execute(
        text(f"INSERT INTO {SCHEMA}.seen (event_id, type) VALUES (:i, :t)"),
        {"i": str(event.id), "t": event.type},
    )


class DemoSettings(ServiceSettings):
    service_name = SCHEMA


app = make_service_worker(
    SCHEMA,
    DemoSettings(),
    EventQueue(f"{SCHEMA}.events", ["technicien.*"]),
    {"technicien.*": on_technicien},
    include=[],
)
