"""The outbox relay: publishes each service's unpublished outbox rows to `mif.events`.

One thread per source schema. It wakes on the outbox's NOTIFY (and at least every
`poll_seconds`), publishes rows in order in batches, and marks them published in the same
database transaction that locked them. If the broker is down the transaction rolls back,
rows stay unpublished and the relay retries with backoff: an outage delays events, never
loses them. A crash between publish and commit republishes a batch; consumers dedupe.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

import psycopg
from kombu import Connection

from shared.db import libpq_url
from shared.events.broker import declare, publish, registered_event_queues
from shared.events.operations import (
    Source,
    broker_url_from_env,
    service_database_url,
    service_names,
)
from shared.events.outbox import NOTIFY_CHANNEL
from shared.liveness import touch
from shared.logging import configure_logging, get_logger
from shared.settings import broker_url_for

log = get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        sources: list[Source],
        broker_url: str,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.sources = sources
        self.broker_url = broker_url_for(broker_url)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.stop_event = threading.Event()

    # -- one pass -------------------------------------------------------------------------
    def drain(self, conn: psycopg.Connection, schema: str, broker: Connection) -> int:
        """Publish every unpublished row of `schema`; returns how many were published."""
        total = 0
        while not self.stop_event.is_set():
            with conn.transaction():
                rows = conn.execute(
                    f'SELECT seq, payload FROM "{schema}".outbox WHERE published_at IS NULL '
                    "ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED",
                    (self.batch_size,),
                ).fetchall()
                if not rows:
                    return total
                producer = broker.Producer()
                for _, payload in rows:
                    publish(producer, payload)
                conn.execute(
                    f'UPDATE "{schema}".outbox SET published_at = now(), '
                    "attempts = attempts + 1, last_error = NULL WHERE seq = ANY(%s)",
                    ([seq for seq, _ in rows],),
                )
            total += len(rows)
            log.info("outbox.published", schema=schema, count=len(rows))
        return total

    def drain_once(self) -> int:
        """Publish what every source holds now (tests and one-shot runs)."""
        published = 0
        with Connection(self.broker_url) as broker:
            declare(broker, registered_event_queues())
            for source in self.sources:
                with psycopg.connect(libpq_url(source.dsn)) as conn:
                    published += self.drain(conn, source.schema, broker)
        return published

    # -- long-running loop ----------------------------------------------------------------
    def _run_source(self, source: Source) -> None:
        backoff = 0.5
        while not self.stop_event.is_set():
            try:
                with (
                    psycopg.connect(libpq_url(source.dsn), autocommit=True) as listener,
                    psycopg.connect(libpq_url(source.dsn)) as conn,
                    Connection(self.broker_url, connect_timeout=5) as broker,
                ):
                    broker.ensure_connection(max_retries=1)
                    declare(broker, registered_event_queues())
                    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    log.info("outbox.relay_connected", schema=source.schema)
                    while not self.stop_event.is_set():
                        self.drain(conn, source.schema, broker)
                        touch()  # liveness: this loop drains (no-op without the variable)
                        backoff = 0.5
                        # wake on NOTIFY or after poll_seconds, whichever first
                        for _ in listener.notifies(timeout=self.poll_seconds, stop_after=1):
                            pass
            except Exception as exc:
                if self.stop_event.is_set():
                    return
                log.warning(
                    "outbox.relay_retry", schema=source.schema, error=str(exc), backoff=backoff
                )
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    def run(self) -> None:
        threads = [
            threading.Thread(target=self._run_source, args=(s,), name=f"relay-{s.schema}")
            for s in self.sources
        ]
        for thread in threads:
            thread.start()
        try:
            while any(t.is_alive() for t in threads):
                for thread in threads:
                    thread.join(timeout=0.5)
        finally:
            self.stop_event.set()
            for thread in threads:
                thread.join()

    def stop(self) -> None:
        self.stop_event.set()


def sources_from_env() -> list[Source]:
    """One source per installed service: its `<SERVICE>_DATABASE_URL`, else `DATABASE_URL`."""
    names = service_names()
    wanted = os.environ.get("RELAY_SCHEMAS")
    if wanted:
        names = [n for n in names if n in wanted.split(",")]
    return [Source(n, service_database_url(n)) for n in names]


def main() -> None:
    parser = argparse.ArgumentParser(description="Publish the services' outboxes to the broker")
    parser.add_argument("--once", action="store_true", help="drain once and exit")
    args = parser.parse_args()
    configure_logging(
        os.environ.get("LOG_LEVEL", "INFO"), json=os.environ.get("ENVIRONMENT") == "production"
    )
    relay = OutboxRelay(sources_from_env(), broker_url_from_env())
    if args.once:
        relay.drain_once()
        return
    signal.signal(signal.SIGTERM, lambda *_: relay.stop())
    signal.signal(signal.SIGINT, lambda *_: relay.stop())
    log.info("outbox.relay_started", schemas=[s.schema for s in relay.sources])
    relay.run()


if __name__ == "__main__":
    main()
