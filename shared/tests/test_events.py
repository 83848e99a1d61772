"""Outbox, relay and inbox against real PostgreSQL and a real Redis broker that we stop
and restart: an outage delays events, never loses or duplicates them."""

import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from kombu import Connection, Queue
from shared.db import Database, libpq_url
from shared.embedded import start_redis
from shared.events import Event, add_event
from shared.events.broker import EXCHANGE
from shared.events.consumer import apply_event, match_handler
from shared.events.outbox import inbox_table, notify_trigger_sql, outbox_table
from shared.events.relay import OutboxRelay, Source
from shared.settings import broker_url_for
from shared.testing.broker import drain, drop_event_queue
from sqlalchemy import text


@pytest.fixture
async def schema(engine):
    name = f"evtest_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
        await conn.run_sync(outbox_table(name).metadata.create_all)
        await conn.run_sync(inbox_table(name).metadata.create_all)
        await conn.exec_driver_sql(notify_trigger_sql(name))
    yield name
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))


def make_event(type_: str = "technicien.created") -> Event:
    return Event.new(type_, producer="test", aggregate_id=42, data={"id": 42})


async def write_events(postgres_url: str, events: list[Event], schema: str, commit: bool) -> None:
    db = Database(postgres_url)
    async with db.sessionmaker() as session:
        async with session.begin():
            for event in events:
                await add_event(session, schema, event)
            if not commit:
                await session.rollback()
    await db.dispose()


def unpublished(postgres_url: str, schema: str) -> int:
    with psycopg.connect(libpq_url(postgres_url)) as conn:
        return conn.execute(
            f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL"
        ).fetchone()[0]


async def test_rolled_back_change_publishes_nothing(postgres_url, schema) -> None:
    await write_events(postgres_url, [make_event()], schema, commit=False)
    assert unpublished(postgres_url, schema) == 0


async def test_broker_outage_delays_events_and_publishes_each_once(
    postgres_url, schema, tmp_path: Path
) -> None:
    # A broker of our own that we can stop: redis-server persisting to tmp_path.
    broker = start_redis(tmp_path / "broker")
    broker_url = broker_url_for(broker.url)
    queue = Queue(f"test.{schema}", exchange=EXCHANGE, routing_key="technicien.*", durable=True)
    with Connection(broker_url) as conn:
        queue(conn.default_channel).declare()  # the consumer's queue exists before the outage
    broker.stop()

    relay = OutboxRelay(
        [Source(schema, postgres_url)], broker.url, poll_seconds=0.2, max_backoff=0.5
    )
    thread = threading.Thread(target=relay._run_source, args=(relay.sources[0],), daemon=True)
    thread.start()
    try:
        events = [make_event(), make_event()]
        await write_events(postgres_url, events, schema, commit=True)  # succeeds: no broker
        time.sleep(1.0)
        assert unpublished(postgres_url, schema) == 2  # still waiting, nothing lost

        broker = start_redis(tmp_path / "broker")  # the broker returns, same socket, same data
        deadline = time.monotonic() + 15
        while unpublished(postgres_url, schema) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert unpublished(postgres_url, schema) == 0
        time.sleep(0.6)  # a few more relay cycles: nothing is sent again
        received = drain(broker_url, queue)
        assert sorted(m["id"] for m in received) == sorted(str(e.id) for e in events)
        assert all(m["type"] == "technicien.created" for m in received)
    finally:
        relay.stop()
        thread.join(timeout=5)
        broker.stop()


async def test_relay_wakes_on_notify_quickly(postgres_url, schema, redis_url) -> None:
    broker_url = broker_url_for(redis_url)
    queue = Queue(f"test.notify.{schema}", exchange=EXCHANGE, routing_key="#", durable=True)
    with Connection(broker_url) as conn:
        queue(conn.default_channel).declare()
    relay = OutboxRelay([Source(schema, postgres_url)], redis_url, poll_seconds=120)
    # the event is written once the relay listens and has drained the empty outbox, so
    # only the NOTIFY can wake it before its 120 s poll
    drained = threading.Event()
    first_drain = relay.drain

    def drain_and_tell(*args: object) -> object:
        result = first_drain(*args)  # type: ignore[arg-type]
        drained.set()
        return result

    relay.drain = drain_and_tell  # type: ignore[method-assign]
    thread = threading.Thread(target=relay._run_source, args=(relay.sources[0],), daemon=True)
    thread.start()
    try:
        assert drained.wait(60), "the relay never connected"
        event = make_event("equipement.created")
        await write_events(postgres_url, [event], schema, commit=True)
        with Connection(broker_url) as conn, conn.SimpleQueue(queue) as simple:
            first = simple.get(timeout=60)
            first.ack()
        received = [first.payload, *drain(broker_url, queue)]
        assert [m["id"] for m in received] == [str(event.id)]
    finally:
        relay.stop()
        thread.join(timeout=5)
        drop_event_queue(redis_url, queue.name)


async def test_inbox_applies_a_redelivered_event_once(postgres_url, schema) -> None:
    applied: list[str] = []

    async def on_created(uow, event: Event) -> None:
        applied.append(str(event.id))
        await uow.session.execute(text(f"CREATE TABLE IF NOT EXISTS {schema}.seen (id text)"))
        await uow.session.execute(
            text(f"INSERT INTO {schema}.seen VALUES (:i)"), {"i": str(event.id)}
        )

    handlers = {"technicien.*": on_created}
    db = Database(postgres_url)
    event = make_event()
    try:
        assert await apply_event(db, schema, handlers, event) is True
        assert await apply_event(db, schema, handlers, event) is False
        assert applied == [str(event.id)]
    finally:
        await db.dispose()


def test_handler_matching() -> None:
    exact, star, hash_ = object(), object(), object()
    handlers = {"intervention.cloturee": exact, "technicien.*": star, "#": hash_}
    assert match_handler(handlers, "intervention.cloturee") is exact
    assert match_handler(handlers, "technicien.updated") is star
    assert match_handler(handlers, "facture.payee") is hash_
