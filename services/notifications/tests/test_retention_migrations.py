"""Retention (read notifications older than six months purged in batches, unread kept)
and the migration's downgrade on a database holding data."""

from __future__ import annotations

import uuid

import psycopg
import sqlalchemy as sa
from notifications.inbox.service import purger
from shared.db import libpq_url
from shared.migrations import downgrade, upgrade
from shared.testing.infra import scratch_database

from .conftest import World, new_id

INSERT = (
    "INSERT INTO notifications.notifications (user_id, titre, message, type_notification, lu,"
    " date_envoi, date_lu, event_id) VALUES (:u, 't', 'm', 'info', :lu, now() - CAST(:age AS"
    " interval), CASE WHEN :lu THEN now() END, :e) RETURNING id"
)


async def test_read_notifications_older_than_six_months_are_purged(world: World) -> None:
    user = new_id()
    async with world.db.engine.begin() as conn:
        ids = {}
        for name, lu, age in (
            ("old_read_1", True, "200 days"),
            ("old_read_2", True, "190 days"),
            ("old_read_3", True, "365 days"),
            ("old_unread", False, "400 days"),
            ("recent_read", True, "30 days"),
        ):
            ids[name] = (
                await conn.execute(
                    sa.text(INSERT), {"u": user, "lu": lu, "age": age, "e": uuid.uuid4()}
                )
            ).scalar_one()
    # batches of 2: several transactions; other tests' rows are all recent
    deleted = await purger(world.db, retention_days=183, batch_size=2)
    assert deleted >= 3
    left = await world.rows(
        "SELECT id FROM notifications.notifications WHERE user_id = :u ORDER BY id", u=user
    )
    assert [r[0] for r in left] == [ids["old_unread"], ids["recent_read"]]


def test_downgrade_and_upgrade_again_with_data(postgres_url: str) -> None:
    with scratch_database(postgres_url) as url:
        upgrade("notifications", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO notifications.utilisateurs_replica (id, role, updated_at)"
                " VALUES (1, 'client', now())"
            )
            (nid,) = conn.execute(
                "INSERT INTO notifications.notifications (user_id, titre, message,"
                " type_notification, event_id) VALUES (1, 't', 'm', 'planning', %s)"
                " RETURNING id",
                [uuid.uuid4()],
            ).fetchone()  # type: ignore[misc]
            conn.execute(
                "INSERT INTO notifications.envois (notification_id, destinataire)"
                " VALUES (%s, 'a@b.ma')",
                [nid],
            )
            conn.execute("INSERT INTO notifications.preferences VALUES (1, 'planning', false)")
        downgrade("notifications", url, "notifications_0001")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'notifications'"
                )
            }
            assert tables == {"outbox", "inbox", "alembic_version"}
        upgrade("notifications", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            count = conn.execute("SELECT count(*) FROM notifications.notifications").fetchone()
            assert count == (0,)
