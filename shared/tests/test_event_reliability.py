"""Events are never dropped: a real Celery worker retries a failing handler with backoff,
parks what still fails (and what is not an event) in the service's dead-letter store, and
an operator's retry applies a parked event once. A consumer bound for the first time gets
the events published before it existed by a replay, each applied once, however often it is
replayed. Real PostgreSQL, real Redis broker, real worker process."""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import sqlalchemy as sa
from kombu import Connection
from shared.db import Database, libpq_url
from shared.events import Event, EventQueue, add_event
from shared.events.broker import declare, publish
from shared.events.consumer import EventProcessor, RetryPolicy
from shared.events.dead_letters import DEAD_LETTERS, dead_letter_table, refresh_gauge
from shared.events.operations import (
    Source,
    drop_dead_letters,
    list_dead_letters,
    publish_to_queue,
    purge_expired_events,
    replay,
    retry_dead_letters,
)
from shared.events.outbox import inbox_table, outbox_table
from shared.events.relay import OutboxRelay
from shared.settings import broker_url_for, redis_client_url
from shared.testing.broker import drop_event_queue
from shared.worker import run_async

MAX_ATTEMPTS = 5


def create_schema(postgres_url: str, schema: str) -> None:
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        for table in (outbox_table(schema), inbox_table(schema), dead_letter_table(schema)):
            table.create(conn)
        conn.execute(sa.text(f"CREATE TABLE {schema}.seen (event_id text, type text)"))
        conn.execute(sa.text(f"CREATE TABLE {schema}.broken (why text)"))
    engine.dispose()


def sql(postgres_url: str, statement: str, *params: object) -> list[tuple]:
    with psycopg.connect(libpq_url(postgres_url)) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def start_worker(test_env: dict[str, str], schema: str) -> subprocess.Popen:
    env = {
        **os.environ,
        **test_env,
        "DEMO_SCHEMA": schema,
        "DEMO_BINDING": f"{schema}.*",
        "EVENT_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "EVENT_RETRY_DELAY_SECONDS": "0.05",
        "PYTHONPATH": str(Path(__file__).parent),
    }
    argv = [
        sys.executable, "-m", "celery", "-A", "demo_worker", "worker", "-Q", schema,
        "--concurrency", "1", "--without-heartbeat", "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    return subprocess.Popen(argv, env=env)


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    worker.wait(20)


def event(schema: str, name: str, **data: object) -> Event:
    return Event.new(f"{schema}.{name}", producer="test", aggregate_id=1, data=data)


class Consumer:
    """One demo service (schema, queue, worker) for the dead-letter tests."""

    def __init__(self, postgres_url: str, redis_url: str, schema: str) -> None:
        self.postgres_url = postgres_url
        self.broker_url = broker_url_for(redis_url)
        self.schema = schema
        self.queue = EventQueue(f"{schema}.events", [f"{schema}.*"])

    def publish(self, *events: Event) -> None:
        with Connection(self.broker_url) as conn:
            producer = conn.Producer()
            for one in events:
                publish(producer, one.model_dump(mode="json"))

    def seen(self, event_id: uuid.UUID) -> int:
        rows = sql(
            self.postgres_url, f"SELECT count(*) FROM {self.schema}.seen WHERE event_id = %s",
            str(event_id),
        )  # fmt: skip
        return rows[0][0]

    def dead_letters(self) -> list[tuple]:
        return sql(
            self.postgres_url,
            f"SELECT event_id, type, error, attempts, payload FROM {self.schema}.dead_letters "
            "ORDER BY id",
        )

    def settle(self) -> None:
        """Publish a marker and wait until it is applied: everything before it was handled."""
        marker = event(self.schema, "marker")
        self.publish(marker)
        wait_for(lambda: self.seen(marker.id) == 1)


@pytest.fixture(scope="module")
def consumer(postgres_url, redis_url, test_env) -> Iterator[Consumer]:
    schema = f"dl_{uuid.uuid4().hex[:8]}"
    create_schema(postgres_url, schema)
    demo = Consumer(postgres_url, redis_url, schema)
    with Connection(demo.broker_url) as conn:
        declare(conn, [demo.queue])
    worker = start_worker(test_env, schema)
    try:
        yield demo
    finally:
        stop_worker(worker)
        sql(postgres_url, f"DROP SCHEMA {schema} CASCADE")
        drop_event_queue(redis_url, demo.queue.name)


def test_handler_failing_three_times_then_succeeding_applies_once(consumer, redis_url) -> None:
    flaky = event(consumer.schema, "flaky", fail_times=3)
    consumer.publish(flaky)
    wait_for(lambda: consumer.seen(flaky.id) == 1)
    consumer.settle()
    assert consumer.seen(flaky.id) == 1
    client = redis.Redis.from_url(redis_client_url(redis_url))
    assert int(client.get(f"{consumer.schema}:attempts:{flaky.id}")) == 4
    assert consumer.dead_letters() == []


async def test_always_failing_handler_parks_the_event_and_retry_applies_it_once(
    consumer, postgres_url, redis_url
) -> None:
    sql(postgres_url, f"INSERT INTO {consumer.schema}.broken VALUES ('bug')")
    doomed = event(consumer.schema, "doomed", fail_until_fixed=True)
    consumer.publish(doomed)
    wait_for(lambda: consumer.dead_letters())
    [(event_id, type_, error, attempts, payload)] = consumer.dead_letters()
    assert (event_id, type_, attempts) == (doomed.id, f"{consumer.schema}.doomed", 5)
    assert "RuntimeError: panne simulée jusqu'à correction" in error
    assert payload["id"] == str(doomed.id)
    assert consumer.seen(doomed.id) == 0

    # the API's /metrics gauge reads the table
    db = Database(postgres_url)
    try:
        await refresh_gauge(db, consumer.schema)
    finally:
        await db.dispose()
    assert DEAD_LETTERS.labels(service=consumer.schema)._value.get() == 1

    [letter] = list_dead_letters(postgres_url, consumer.schema)
    assert (letter.event_id, letter.attempts) == (str(doomed.id), 5)

    sql(postgres_url, f"DELETE FROM {consumer.schema}.broken")  # the fix
    retried = retry_dead_letters(postgres_url, consumer.schema, consumer.queue, redis_url)
    assert retried == 1
    wait_for(lambda: consumer.seen(doomed.id) == 1)
    assert consumer.dead_letters() == []
    # a second retry has nothing left to send; a stray redelivery is skipped by the inbox
    assert retry_dead_letters(postgres_url, consumer.schema, consumer.queue, redis_url) == 0
    consumer.publish(doomed)
    consumer.settle()
    assert consumer.seen(doomed.id) == 1


def test_malformed_and_undecodable_messages_are_parked(consumer, postgres_url, redis_url) -> None:
    with Connection(consumer.broker_url) as conn:
        producer = conn.Producer()
        producer.publish(
            {"type": "pas un événement"}, exchange="", routing_key=consumer.queue.name,
            serializer="json",
        )  # fmt: skip
        producer.publish(
            b"\x00ceci n'est pas du JSON", exchange="", routing_key=consumer.queue.name,
            content_type="application/octet-stream", content_encoding="binary",
        )  # fmt: skip
    wait_for(lambda: len(consumer.dead_letters()) == 2)
    consumer.settle()
    malformed, undecodable = consumer.dead_letters()
    assert malformed[0] is None and malformed[3] == 0
    assert malformed[2].startswith("malformed:")
    assert malformed[4] == {"type": "pas un événement"}
    assert undecodable[2].startswith("undecodable:")
    assert "ceci n'est pas du JSON" in undecodable[4]["raw"]
    # a message that is not an event cannot be retried, only dropped
    assert retry_dead_letters(postgres_url, consumer.schema, consumer.queue, redis_url) == 0
    assert drop_dead_letters(postgres_url, consumer.schema) == 2
    assert consumer.dead_letters() == []


def test_a_message_is_put_back_when_not_even_the_dead_letter_store_answers() -> None:
    async def failing(uow, event) -> None:
        raise AssertionError("never reached: the database is down")

    dead = Database("postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    waits: list[float] = []
    processor = EventProcessor(
        "nowhere", {"#": failing}, lambda: dead, run_async, RetryPolicy(max_attempts=3),
        sleep=waits.append,
    )  # fmt: skip
    body = Event.new("a.b", producer="t", aggregate_id=1, data={}).model_dump(mode="json")
    assert processor.process(body) is False  # requeue, not ack
    assert len(waits) == 3  # two backoffs between attempts, one before putting it back
    run_async(dead.dispose())


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=5.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        delays = [policy.delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


async def test_replay_feeds_a_consumer_bound_for_the_first_time_once(
    postgres_url, redis_url, test_env
) -> None:
    producer, schema = f"pr_{uuid.uuid4().hex[:8]}", f"rp_{uuid.uuid4().hex[:8]}"
    create_schema(postgres_url, producer)
    create_schema(postgres_url, schema)
    demo = Consumer(postgres_url, redis_url, schema)
    drop_event_queue(redis_url, demo.queue.name)
    early = [event(schema, "created", n=1), event(schema, "updated", n=2)]
    old = event(schema, "created", n=0)
    unrelated = Event.new("autre.created", producer="test", aggregate_id=1, data={})
    db = Database(postgres_url)
    try:
        async with db.sessionmaker() as session, session.begin():
            for one in [old, *early, unrelated]:
                await add_event(session, producer, one)
    finally:
        await db.dispose()
    sql(
        postgres_url,
        f"UPDATE {producer}.outbox SET created_at = now() - interval '10 days' WHERE event_id = %s",
        old.id,
    )
    # published while nobody is bound to them: the broker delivers them nowhere
    relay = OutboxRelay([Source(producer, postgres_url)], redis_url)
    with Connection(demo.broker_url) as broker:
        assert relay.drain(psycopg.connect(libpq_url(postgres_url)), producer, broker) == 4

    worker = start_worker(test_env, schema)  # declares and binds its queue on start
    try:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        sources = [Source(producer, postgres_url)]
        assert replay(demo.queue, sources, redis_url, since) == 2
        for one in early:
            wait_for(lambda one=one: demo.seen(one.id) == 1)
        assert replay(demo.queue, sources, redis_url, since) == 2  # again: changes nothing
        only = replay(demo.queue, sources, redis_url, since, types=[f"{schema}.updated"])
        assert only == 1
        demo.settle()
        assert [demo.seen(one.id) for one in early] == [1, 1]
        assert demo.seen(old.id) == 0  # before --since
        inbox = sql(postgres_url, f"SELECT count(*) FROM {schema}.inbox")[0][0]
        assert inbox == 3  # the two replayed events and the marker
    finally:
        stop_worker(worker)
        sql(postgres_url, f"DROP SCHEMA {producer} CASCADE")
        sql(postgres_url, f"DROP SCHEMA {schema} CASCADE")
        drop_event_queue(redis_url, demo.queue.name)


def test_replay_refuses_a_time_without_offset(redis_url) -> None:
    with pytest.raises(ValueError, match="offset"):
        replay(EventQueue("x", ["#"]), [], redis_url, dt.datetime(2026, 11, 1))


async def test_retention_purges_old_published_events_and_inbox_ids(postgres_url) -> None:
    schema = f"rt_{uuid.uuid4().hex[:8]}"
    create_schema(postgres_url, schema)
    db = Database(postgres_url)
    try:
        events = [event(schema, "created", n=n) for n in range(5)]
        async with db.sessionmaker() as session, session.begin():
            for one in events:
                await add_event(session, schema, one)
        # 0, 1, 2: published 100 days ago; 3: unpublished and old; 4: published today
        sql(
            postgres_url,
            f"UPDATE {schema}.outbox SET created_at = now() - interval '100 days', "
            "published_at = now() - interval '100 days' WHERE event_id = ANY(%s)",
            [e.id for e in events[:3]],
        )
        sql(
            postgres_url,
            f"UPDATE {schema}.outbox SET created_at = now() - interval '100 days' "
            "WHERE event_id = %s",
            events[3].id,
        )
        sql(postgres_url, f"UPDATE {schema}.outbox SET published_at = now() WHERE event_id = %s",
            events[4].id)  # fmt: skip
        for days, n in [(200, 3), (95, 1), (1, 1)]:
            for _ in range(n):
                sql(
                    postgres_url,
                    f"INSERT INTO {schema}.inbox (event_id, type, processed_at) "
                    "VALUES (gen_random_uuid(), 'x', now() - make_interval(days => %s))",
                    days,
                )
        purged = await purge_expired_events(db, schema, retention_days=90, batch=2)
        assert purged == {"outbox": 3, "inbox": 3}
        kept = sql(postgres_url, f"SELECT event_id FROM {schema}.outbox ORDER BY seq")
        assert [row[0] for row in kept] == [events[3].id, events[4].id]
        assert sql(postgres_url, f"SELECT count(*) FROM {schema}.inbox")[0][0] == 2
    finally:
        await db.dispose()
        sql(postgres_url, f"DROP SCHEMA {schema} CASCADE")


def test_publish_to_queue_reaches_only_that_queue(redis_url) -> None:
    mine = EventQueue(f"q_{uuid.uuid4().hex[:8]}", ["zz.*"])
    other = EventQueue(f"q_{uuid.uuid4().hex[:8]}", ["zz.*"])
    broker_url = broker_url_for(redis_url)
    from shared.events.broker import kombu_queues
    from shared.testing.broker import drain

    try:
        with Connection(broker_url) as conn:
            declare(conn, [mine, other])
            payload = Event.new("zz.created", producer="t", aggregate_id=1, data={})
            publish_to_queue(conn.Producer(), mine, payload.model_dump(mode="json"))
        assert [m["id"] for m in drain(broker_url, kombu_queues(mine)[0])] == [str(payload.id)]
        assert drain(broker_url, kombu_queues(other)[0], wait=0.2) == []
    finally:
        drop_event_queue(redis_url, mine.name)
        drop_event_queue(redis_url, other.name)


def test_service_task_retries_transient_errors_only(consumer, redis_url) -> None:
    from celery import Celery

    client = redis.Redis.from_url(redis_client_url(redis_url))
    sender = Celery(broker=consumer.broker_url)
    name = f"{consumer.schema}.demo.flaky"
    transient, bug = uuid.uuid4().hex, uuid.uuid4().hex
    sender.send_task(name, args=[transient, 2, "transient"], queue=consumer.schema)
    sender.send_task(name, args=[bug, 1, "bug"], queue=consumer.schema)
    wait_for(lambda: consumer.seen(transient) == 1)
    # the bug ran once and was not retried: a later task on the same queue has finished
    # (concurrency 1), and no retry of it was scheduled
    marker = uuid.uuid4().hex
    sender.send_task(name, args=[marker, 0, "bug"], queue=consumer.schema)
    wait_for(lambda: consumer.seen(marker) == 1)
    assert int(client.get(f"{consumer.schema}:task:{transient}")) == 3
    assert int(client.get(f"{consumer.schema}:task:{bug}")) == 1
    assert consumer.seen(bug) == 0


def test_service_task_refuses_an_undotted_name_or_inverted_limits() -> None:
    from celery import Celery
    from shared.tasks import service_task

    app = Celery("x")
    with pytest.raises(ValueError, match="dotted"):
        service_task(app, "purge")
    with pytest.raises(ValueError, match="soft_time_limit"):
        service_task(app, "x.y.z", soft_time_limit=300, time_limit=300)

    @service_task(app, "x.tokens.purge", soft_time_limit=10, time_limit=20)
    def purge() -> int:
        return 1

    task = app.tasks["x.tokens.purge"]
    assert (task.queue, task.acks_late, task.reject_on_worker_lost) == ("x", True, True)
    assert (task.soft_time_limit, task.time_limit, task.retry_jitter) == (10, 20, True)


def test_every_worker_runs_the_retention_purge_task(consumer, postgres_url) -> None:
    from celery import Celery

    old = event(consumer.schema, "ancien")
    sql(
        postgres_url,
        f"INSERT INTO {consumer.schema}.outbox (event_id, type, payload, created_at, "
        "published_at) VALUES (%s, 'x', '{}', now() - interval '100 days', "
        "now() - interval '100 days')",
        old.id,
    )
    count = f"SELECT count(*) FROM {consumer.schema}.outbox WHERE event_id = %s"
    assert sql(postgres_url, count, old.id) == [(1,)]
    Celery(broker=consumer.broker_url).send_task(
        f"{consumer.schema}.events.purge", queue=consumer.schema
    )
    wait_for(lambda: sql(postgres_url, count, old.id) == [(0,)])
