"""With the broker stopped, creating a technician succeeds; when the broker returns,
`technicien.created` is published exactly once (auth service + outbox relay, real
PostgreSQL, a real Redis broker that the test stops and restarts)."""

import threading
import time
import uuid
from pathlib import Path

from auth.config import Settings
from auth.main import create_app
from kombu import Connection, Queue
from shared.embedded import start_redis
from shared.events.broker import EXCHANGE
from shared.events.relay import OutboxRelay, Source
from shared.settings import broker_url_for
from shared.testing.broker import drain
from shared.testing.plugin import asgi_client, trust_test_tokens


def unpublished_technicien_events(relay: OutboxRelay, technicien_id: int) -> int:
    import psycopg
    from shared.db import libpq_url

    with psycopg.connect(libpq_url(relay.sources[0].dsn)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM auth.outbox WHERE type = 'technicien.created' "
            "AND payload->>'aggregate_id' = %s AND published_at IS NULL",
            (str(technicien_id),),
        ).fetchone()
        return row[0] if row else 0


async def test_technicien_created_during_outage_is_published_once(
    migrate, tokens, tmp_path: Path
) -> None:
    url = migrate("auth")
    broker = start_redis(tmp_path / "broker")
    broker_url = broker_url_for(broker.url)
    # The consumer's durable queue exists before the outage, as it does in production.
    queue = Queue(
        f"outage.{uuid.uuid4().hex[:8]}",
        exchange=EXCHANGE,
        routing_key="technicien.created",
        durable=True,
    )
    with Connection(broker_url) as conn:
        queue(conn.default_channel).declare()
    broker.stop()

    relay = OutboxRelay([Source("auth", url)], broker.url, poll_seconds=0.2, max_backoff=0.5)
    thread = threading.Thread(target=relay._run_source, args=(relay.sources[0],), daemon=True)
    thread.start()
    app = create_app(Settings())
    trust_test_tokens(app, tokens)
    name = f"tech{uuid.uuid4().hex[:8]}"
    try:
        async with asgi_client(app) as client:
            response = await client.post(
                "/api/v1/techniciens",
                headers=tokens.headers("admin"),
                json={
                    "user": {
                        "username": name,
                        "email": f"{name}@example.ma",
                        "full_name": "Technicien Panne",
                        "password": "Oasis-of-Figuig-77",
                    },
                    "specialite": "electricite",
                },
            )
        assert response.status_code == 201, response.text
        technicien_id = response.json()["id"]
        time.sleep(1.0)  # the relay keeps failing against the stopped broker
        assert unpublished_technicien_events(relay, technicien_id) == 1

        broker = start_redis(tmp_path / "broker")  # the broker returns with its data
        deadline = time.monotonic() + 20
        while unpublished_technicien_events(relay, technicien_id) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert unpublished_technicien_events(relay, technicien_id) == 0
        time.sleep(0.6)  # further relay cycles publish nothing again
        ours = [
            m
            for m in drain(broker_url, queue)
            if m["type"] == "technicien.created" and m["aggregate_id"] == str(technicien_id)
        ]
        assert len(ours) == 1
        assert ours[0]["data"]["username"] == name
    finally:
        relay.stop()
        thread.join(timeout=5)
        broker.stop()
        await app.state.db.dispose()
