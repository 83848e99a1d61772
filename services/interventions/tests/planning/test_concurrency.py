"""No double booking under races: committed data, real concurrent transactions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from interventions.main import create_app
from shared.testing.plugin import asgi_client, trust_test_tokens
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import at, insert_intervention, unique_technicien_id


async def committed_slots(engine: AsyncEngine, technicien_id: int, count: int) -> list[int]:
    """`count` interventions of one technician, each with the same unconfirmed slot."""
    debut, fin = at(200), at(202)
    ids = []
    async with engine.begin() as conn:
        for _ in range(count):
            iid = await insert_intervention(conn, technicien_id=technicien_id)
            await conn.execute(
                sa.text(
                    "INSERT INTO interventions.planning (intervention_id, technicien_id,"
                    " date_debut, date_fin) VALUES (:i, :t, :d, :f)"
                ),
                {"i": iid, "t": technicien_id, "d": debut, "f": fin},
            )
            ids.append(iid)
    return ids


async def confirmed_count(engine: AsyncEngine, technicien_id: int) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.text(
                    "SELECT count(*) FROM interventions.planning"
                    " WHERE technicien_id = :t AND confirme"
                ),
                {"t": technicien_id},
            )
        ).scalar_one()


async def test_concurrent_confirmations_through_the_api(
    engine: AsyncEngine, migrate: Any, tokens: Any
) -> None:
    migrate("interventions")
    app = create_app()  # its own engine and pool: each request is its own transaction
    trust_test_tokens(app, tokens)
    try:
        async with asgi_client(app) as client:
            for _ in range(5):
                technicien_id = unique_technicien_id()
                ids = await committed_slots(engine, technicien_id, 2)
                responses = await asyncio.gather(
                    *(
                        client.post(
                            f"/api/v1/interventions/{iid}/planning/confirmation",
                            headers=tokens.headers("technicien", 900, technicien_id=technicien_id),
                        )
                        for iid in ids
                    )
                )
                statuses = sorted(r.status_code for r in responses)
                assert statuses == [200, 409], [r.text for r in responses]
                assert await confirmed_count(engine, technicien_id) == 1
    finally:
        await app.state.db.dispose()


async def test_the_database_refuses_the_second_of_two_racing_confirmations(
    engine: AsyncEngine, migrate: Any
) -> None:
    """The second transaction waits for the first and fails once it commits."""
    migrate("interventions")
    technicien_id = unique_technicien_id()
    first, second = await committed_slots(engine, technicien_id, 2)
    confirm = sa.text(
        "UPDATE interventions.planning SET confirme = true WHERE intervention_id = :i"
    )
    async with engine.connect() as conn1, engine.connect() as conn2:
        tx1 = await conn1.begin()
        await conn1.execute(confirm, {"i": first})
        await conn2.begin()
        racing = asyncio.create_task(conn2.execute(confirm, {"i": second}))
        await asyncio.sleep(0.5)
        assert not racing.done(), "the second confirmation must wait for the first"
        await tx1.commit()
        with pytest.raises(IntegrityError) as refused:
            await racing
        assert getattr(refused.value.orig, "sqlstate", None) == "23P01"
        await conn2.rollback()
    assert await confirmed_count(engine, technicien_id) == 1
