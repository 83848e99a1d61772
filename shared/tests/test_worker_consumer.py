"""A real Celery worker consumes its service's event queue and applies each event once,
even when the broker delivers it twice."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from kombu import Connection
from shared.db import libpq_url
from shared.events import Event, EventQueue
from shared.events.broker import declare, publish
from shared.events.outbox import inbox_table
from shared.settings import broker_url_for
from shared.testing.broker import drop_event_queue
from sqlalchemy import text


def seen(postgres_url: str, schema: str) -> list[tuple[str, str]]:
    with psycopg.connect(libpq_url(postgres_url)) as conn:
        return conn.execute(f"SELECT event_id, type FROM {schema}.seen ORDER BY 1").fetchall()


async def test_worker_applies_events_once(engine, postgres_url, redis_url, test_env) -> None:
    schema = f"wk_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
        await conn.run_sync(inbox_table(schema).metadata.create_all)
        await conn.execute(text(f"CREATE TABLE {schema}.seen (event_id text, type text)"))
    broker_url = broker_url_for(redis_url)
    queue = EventQueue(f"{schema}.events", ["technicien.*"])
    with Connection(broker_url) as conn:
        declare(conn, [queue])
    env = {
        **os.environ,
        **test_env,
        "DEMO_SCHEMA": schema,
        "PYTHONPATH": str(Path(__file__).parent),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "demo_worker",
            "worker",
            "-Q",
            schema,
            "--concurrency",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        env=env,
    )
    try:
        created = Event.new("technicien.created", producer="auth", aggregate_id=1, data={"id": 1})
        ignored = Event.new("client.created", producer="auth", aggregate_id=2, data={"id": 2})
        with Connection(broker_url) as conn:
            producer = conn.Producer()
            for event in (created, created, ignored):  # a redelivery, and a foreign type
                publish(producer, event.model_dump(mode="json"))
        deadline = time.monotonic() + 30
        while not seen(postgres_url, schema) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # let a duplicate be processed, if it were to be
        assert seen(postgres_url, schema) == [(str(created.id), "technicien.created")]
    finally:
        worker.terminate()
        worker.wait(20)
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        drop_event_queue(redis_url, queue.name)
