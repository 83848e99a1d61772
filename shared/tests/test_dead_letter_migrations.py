"""Every service's dead-letter migration upgrades and downgrades on a database with data:
the outbox and inbox rows survive, the parked events go with the table."""

import asyncio

import psycopg
import pytest
from shared.db import libpq_url
from shared.migrations import downgrade, upgrade
from shared.testing.infra import scratch_database

# service: (this migration, the one before it)
REVISIONS = {
    "auth": ("auth_0006", "auth_0005"),
    "billing": ("billing_0003", "billing_0002"),
    "interventions": ("interventions_0005", "interventions_0004"),
    "inventory": ("inventory_0003", "inventory_0002"),
    "notifications": ("notifications_0003", "notifications_0002"),
    "reporting": ("reporting_0003", "reporting_0002"),
}


def tables(url: str, schema: str) -> set[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
    return {row[0] for row in rows}


@pytest.mark.parametrize("service", sorted(REVISIONS))
async def test_dead_letter_migration_downgrades_with_data(postgres_url: str, service: str) -> None:
    mine, previous = REVISIONS[service]
    with scratch_database(postgres_url) as url:
        await asyncio.to_thread(upgrade, service, url, mine)
        with psycopg.connect(libpq_url(url)) as conn:
            conn.execute(
                f"INSERT INTO {service}.outbox (event_id, type, payload) "
                "VALUES (gen_random_uuid(), 'a.b', '{}')"
            )
            conn.execute(
                f"INSERT INTO {service}.inbox (event_id, type) VALUES (gen_random_uuid(), 'a.b')"
            )
            conn.execute(
                f"INSERT INTO {service}.dead_letters (event_id, type, payload, error, attempts) "
                "VALUES (gen_random_uuid(), 'a.b', '{}', 'boom', 5)"
            )
        await asyncio.to_thread(downgrade, service, url, previous)
        assert "dead_letters" not in tables(url, service)
        with psycopg.connect(libpq_url(url)) as conn:
            counts = [
                conn.execute(f"SELECT count(*) FROM {service}.{table}").fetchone()[0]
                for table in ("outbox", "inbox")
            ]
        assert counts == [1, 1]
        await asyncio.to_thread(upgrade, service, url, mine)
        assert "dead_letters" in tables(url, service)
