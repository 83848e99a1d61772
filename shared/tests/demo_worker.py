"""A service-shaped Celery worker used by the worker tests (run as a real process).

Its handler records each event in `<schema>.seen`. An event whose data says
`fail_times: n` fails its first n attempts (counted in Redis, outside the rolled-back
transaction); one with `fail_until_fixed: true` fails while `<schema>.broken` has a row.
"""

import os

import psycopg
import redis
from shared.db import libpq_url
from shared.events import Event, EventQueue
from shared.settings import ServiceSettings, redis_client_url
from shared.tasks import service_task
from shared.worker import make_service_worker
from sqlalchemy import text

SCHEMA = os.environ["DEMO_SCHEMA"]
BINDING = os.environ.get("DEMO_BINDING", "technicien.*")
counter = redis.Redis.from_url(redis_client_url(os.environ["REDIS_URL"]))


async def on_event(uow, event: Event) -> None:
    await uow.session.execute(
        text(f"INSERT INTO {SCHEMA}.seen (event_id, type) VALUES (:i, :t)"),
        {"i": str(event.id), "t": event.type},
    )
    if event.data.get("fail_times"):
        attempt = counter.incr(f"{SCHEMA}:attempts:{event.id}")
        if attempt <= event.data["fail_times"]:
            raise RuntimeError(f"panne simulée {attempt}")
    if event.data.get("fail_until_fixed"):
        broken = await uow.session.scalar(text(f"SELECT count(*) FROM {SCHEMA}.broken"))
        if broken:
            raise RuntimeError("panne simulée jusqu'à correction")


class DemoSettings(ServiceSettings):
    service_name = SCHEMA


app = make_service_worker(
    SCHEMA,
    DemoSettings(),
    EventQueue(f"{SCHEMA}.events", [BINDING]),
    {BINDING: on_event},
    include=[],
)


@service_task(app, f"{SCHEMA}.demo.flaky", backoff_seconds=1, max_retries=3)
def flaky(key: str, fail_times: int, error: str) -> None:
    """Fails its first `fail_times` runs with `error` (transient or not), then records `key`."""
    attempt = counter.incr(f"{SCHEMA}:task:{key}")
    if attempt <= fail_times:
        raise {"transient": psycopg.OperationalError, "bug": ValueError}[error](f"essai {attempt}")
    with psycopg.connect(libpq_url(os.environ["DATABASE_URL"])) as conn:
        conn.execute(f"INSERT INTO {SCHEMA}.seen (event_id, type) VALUES (%s, 'task')", (key,))
