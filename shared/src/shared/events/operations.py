"""Operating the event flow: replaying a service's bound events from every producer's
outbox, retrying or dropping its dead letters, and purging events past retention.

Replayed and retried events are published straight to the one service's queue (the
broker's default exchange routes by queue name), never to the topic exchange: the other
consumers do not see them again. They reach the service's normal consumer and inbox, so
an event already applied is skipped — a replay is idempotent.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import psycopg
from kombu import Connection
from sqlalchemy import text

from shared.db import Database, libpq_url
from shared.events.broker import declare
from shared.events.envelope import EventQueue
from shared.events.topics import bound
from shared.logging import get_logger
from shared.settings import broker_url_for

log = get_logger(__name__)

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Inbox ids outlive the producers' retention, so that a replay of anything still kept in
# an outbox is recognised as already applied.
INBOX_MARGIN_DAYS = 7


@dataclass(frozen=True)
class Source:
    """A producer's outbox: its schema and the database that holds it."""

    schema: str
    dsn: str


def service_names() -> list[str]:
    """Every installed service that owns a schema (the gateway owns none)."""
    return sorted(ep.name for ep in entry_points(group="mif.services") if ep.name != "gateway")


def service_database_url(service: str) -> str:
    """`<SERVICE>_DATABASE_URL`, else `DATABASE_URL`."""
    default = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    return os.environ.get(f"{service.upper()}_DATABASE_URL", default)


def broker_url_from_env() -> str:
    return broker_url_for(
        os.environ.get("BROKER_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    )


def event_queue_of(service: str) -> EventQueue:
    """The service's event queue, from its `mif.event_queues` entry point."""
    for ep in entry_points(group="mif.event_queues"):
        if ep.name == service:
            queue: EventQueue = ep.load()
            return queue
    raise LookupError(f"no event queue registered for service {service!r}")


def publish_to_queue(producer: Any, queue: EventQueue, payload: dict[str, Any]) -> None:
    """Publish one envelope to `queue` alone (default exchange, routing key = queue name)."""
    producer.publish(
        payload,
        exchange="",
        routing_key=queue.name,
        serializer="json",
        delivery_mode=2,
        message_id=str(payload["id"]),
        headers={"event_type": payload["type"], "redelivered_by": "operations"},
        retry=False,
    )


# -- replay -------------------------------------------------------------------------------
def _outbox_rows(
    conn: psycopg.Connection, schema: str, since: dt.datetime, batch: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    last = 0
    while True:
        rows = conn.execute(
            f'SELECT seq, type, payload FROM "{schema}".outbox '
            "WHERE created_at >= %s AND seq > %s ORDER BY seq LIMIT %s",
            (since, last, batch),
        ).fetchall()
        for _, type_, payload in rows:
            yield type_, payload
        if len(rows) < batch:
            return
        last = rows[-1][0]


def replay(
    queue: EventQueue,
    sources: list[Source],
    broker_url: str,
    since: dt.datetime,
    types: list[str] | None = None,
    batch: int = 500,
) -> int:
    """Republish to `queue` every kept event since `since` whose type it binds (and, when
    given, matches one of `types`); returns how many were sent."""
    if since.tzinfo is None:
        raise ValueError("--since needs an offset (2026-11-01T00:00:00+01:00)")
    sent = 0
    with Connection(broker_url_for(broker_url)) as broker:
        declare(broker, [queue])
        producer = broker.Producer()
        for source in sources:
            with psycopg.connect(libpq_url(source.dsn)) as conn:
                for type_, payload in _outbox_rows(conn, source.schema, since, batch):
                    if not bound(queue.bindings, type_):
                        continue
                    if types and not bound(types, type_):
                        continue
                    publish_to_queue(producer, queue, payload)
                    sent += 1
    log.info("events.replayed", queue=queue.name, since=since.isoformat(), count=sent)
    return sent


# -- dead letters -------------------------------------------------------------------------
@dataclass(frozen=True)
class DeadLetter:
    id: int
    event_id: str | None
    type: str | None
    error: str
    attempts: int
    first_failed_at: dt.datetime
    last_failed_at: dt.datetime


def list_dead_letters(dsn: str, schema: str, limit: int = 100) -> list[DeadLetter]:
    with psycopg.connect(libpq_url(dsn)) as conn:
        rows = conn.execute(
            "SELECT id, event_id::text, type, error, attempts, first_failed_at, last_failed_at "
            f'FROM "{schema}".dead_letters ORDER BY id LIMIT %s',
            (limit,),
        ).fetchall()
    return [DeadLetter(*row) for row in rows]


def _selection(ids: list[int] | None) -> tuple[str, tuple[Any, ...]]:
    if ids is None:
        return "TRUE", ()
    return "id = ANY(%s)", (ids,)


def retry_dead_letters(
    dsn: str, schema: str, queue: EventQueue, broker_url: str, ids: list[int] | None = None
) -> int:
    """Send dead-lettered events (all, or `ids`) back to the service's queue and remove
    them from the store; a malformed message stays (it can only be dropped)."""
    where, params = _selection(ids)
    with (
        psycopg.connect(libpq_url(dsn)) as conn,
        Connection(broker_url_for(broker_url)) as broker,
    ):
        declare(broker, [queue])
        producer = broker.Producer()
        with conn.transaction():
            rows = conn.execute(
                f'SELECT id, payload FROM "{schema}".dead_letters '
                f"WHERE {where} AND event_id IS NOT NULL ORDER BY id FOR UPDATE SKIP LOCKED",
                params,
            ).fetchall()
            for _, payload in rows:
                publish_to_queue(producer, queue, payload)
            # deleted only once every message is on the queue: a crash before the commit
            # sends some twice, which the inbox makes harmless
            conn.execute(
                f'DELETE FROM "{schema}".dead_letters WHERE id = ANY(%s)',
                ([row_id for row_id, _ in rows],),
            )
    log.info("events.dead_letters_retried", schema=schema, count=len(rows))
    return len(rows)


def drop_dead_letters(dsn: str, schema: str, ids: list[int] | None = None) -> int:
    where, params = _selection(ids)
    with psycopg.connect(libpq_url(dsn)) as conn, conn.transaction():
        cursor = conn.execute(f'DELETE FROM "{schema}".dead_letters WHERE {where}', params)
        count = cursor.rowcount
    log.info("events.dead_letters_dropped", schema=schema, count=count)
    return count


# -- retention ------------------------------------------------------------------------------
async def purge_expired_events(
    db: Database, schema: str, retention_days: int, batch: int = 5000
) -> dict[str, int]:
    """Delete published outbox rows older than `retention_days`, and inbox ids older than
    that plus a margin, in batches of `batch` (one short transaction each)."""
    statements = {
        "outbox": (
            f'DELETE FROM "{schema}".outbox WHERE seq IN (SELECT seq FROM "{schema}".outbox '
            "WHERE published_at < now() - make_interval(days => :days) LIMIT :batch)",
            retention_days,
        ),
        "inbox": (
            f'DELETE FROM "{schema}".inbox WHERE event_id IN (SELECT event_id FROM '
            f'"{schema}".inbox WHERE processed_at < now() - make_interval(days => :days) '
            "LIMIT :batch)",
            retention_days + INBOX_MARGIN_DAYS,
        ),
    }
    purged: dict[str, int] = {}
    for table, (sql, days) in statements.items():
        purged[table] = 0
        while True:
            async with db.sessionmaker() as session, session.begin():
                result = await session.execute(text(sql), {"days": days, "batch": batch})
            count = result.rowcount  # type: ignore[attr-defined]
            purged[table] += count
            if count < batch:
                break
    log.info("events.purged", schema=schema, **purged)
    return purged
