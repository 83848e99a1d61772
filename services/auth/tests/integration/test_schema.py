"""The schema itself: migrations go down and up again, the seed's rules hold in SQL."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from shared.migrations import downgrade, upgrade
from shared.testing.infra import scratch_database
from sqlalchemy.exc import DBAPIError

INSERT_USER = sa.text(
    "INSERT INTO auth.users (username, full_name, email, hashed_password, role) "
    "VALUES (CAST(:u AS text), CAST(:u AS text), CAST(:u AS text) || '@example.ma', 'x', "
    "CAST(:role AS auth.user_role)) RETURNING id"
)


async def test_migrations_downgrade_and_upgrade_again(postgres_url: str) -> None:
    with scratch_database(postgres_url) as url:
        await asyncio.to_thread(upgrade, "auth", url)
        await asyncio.to_thread(downgrade, "auth", url, "auth_0001")
        await asyncio.to_thread(upgrade, "auth", url)
        await asyncio.to_thread(downgrade, "auth", url, "base")


async def test_seed_indexes_exist(migrate, db_connection) -> None:
    migrate("auth")
    rows = await db_connection.execute(
        sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'auth'")
    )
    indexes = {row.indexname: row.indexdef for row in rows}
    assert "(email, is_active)" in indexes["idx_user_email_active"]
    assert "(username, role)" in indexes["idx_user_username_role"]
    assert indexes["idx_active_users"].endswith("(role) WHERE is_active")


async def test_a_profile_needs_a_user_of_the_matching_role(migrate, db_connection) -> None:
    migrate("auth")
    admin = await db_connection.scalar(INSERT_USER, {"u": "trg_admin", "role": "admin"})
    technicien = await db_connection.scalar(INSERT_USER, {"u": "trg_tech", "role": "technicien"})
    for table, columns in (("techniciens", ""), ("clients", ", nom_entreprise")):
        values = "" if not columns else ", 'ACME'"
        savepoint = await db_connection.begin_nested()
        with pytest.raises(DBAPIError) as raised:
            await db_connection.execute(
                sa.text(f"INSERT INTO auth.{table} (user_id{columns}) VALUES (:id{values})"),
                {"id": admin},
            )
        assert raised.value.orig.sqlstate == "P0001"
        assert "profile needs role" in str(raised.value.orig)
        await savepoint.rollback()
    await db_connection.execute(
        sa.text("INSERT INTO auth.techniciens (user_id) VALUES (:id)"), {"id": technicien}
    )
    # a technician with its profile cannot become something else, nor a client
    for role in ("admin", "client"):
        savepoint = await db_connection.begin_nested()
        with pytest.raises(DBAPIError) as raised:
            await db_connection.execute(
                sa.text("UPDATE auth.users SET role = CAST(:r AS auth.user_role) WHERE id = :id"),
                {"r": role, "id": technicien},
            )
        assert "must stay technicien" in str(raised.value.orig)
        await savepoint.rollback()
    # a technician's profile cannot be moved to a client user either
    customer = await db_connection.scalar(INSERT_USER, {"u": "trg_client", "role": "client"})
    savepoint = await db_connection.begin_nested()
    with pytest.raises(DBAPIError):
        await db_connection.execute(
            sa.text("UPDATE auth.techniciens SET user_id = :c WHERE user_id = :t"),
            {"c": customer, "t": technicien},
        )
    await savepoint.rollback()
    # a role change without a profile in the way is fine
    await db_connection.execute(
        sa.text("UPDATE auth.users SET role = 'responsable' WHERE id = :id"), {"id": admin}
    )


async def test_deleting_a_user_cascades_to_its_profile(migrate, db_connection) -> None:
    migrate("auth")
    user = await db_connection.scalar(INSERT_USER, {"u": "trg_cascade", "role": "technicien"})
    await db_connection.execute(
        sa.text("INSERT INTO auth.techniciens (user_id) VALUES (:id)"), {"id": user}
    )
    await db_connection.execute(sa.text("DELETE FROM auth.users WHERE id = :id"), {"id": user})
    remaining = await db_connection.scalar(
        sa.text("SELECT count(*) FROM auth.techniciens WHERE user_id = :id"), {"id": user}
    )
    assert remaining == 0
