"""Cancelling or reassigning an intervention frees its technician's slot; a cancelled
intervention is never reminded (issue 8)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from interventions.main import create_app
from interventions.planning.service import envoyer_rappels
from shared.db import Database
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .conftest import slot, unique_technicien_id
from .test_reminders import make_slots, reminder_counts

STAFF = {"role": "responsable", "user_id": 2}


async def _book(client: Any, tokens: Any, iid: int, debut: float, fin: float) -> Any:
    r = await client.put(
        f"/api/v1/interventions/{iid}/planning", json=slot(debut, fin), headers=tokens.headers()
    )
    if r.status_code not in (200, 201):
        return r
    return await client.post(
        f"/api/v1/interventions/{iid}/planning/confirmation", headers=tokens.headers()
    )


async def test_a_cancelled_interventions_technician_can_be_booked_at_once(
    app_client: Any, tokens: Any, make_intervention: Any, db_connection: AsyncConnection
) -> None:
    tech = unique_technicien_id()
    first = await make_intervention(technicien_id=tech)
    second = await make_intervention(technicien_id=tech)
    async with app_client(create_app()) as client:
        assert (await _book(client, tokens, first, 30, 32)).status_code == 200
        refused = await _book(client, tokens, second, 30, 32)
        assert refused.status_code == 409  # the technician is booked
        r = await client.post(
            f"/api/v1/interventions/{first}/transitions",
            json={"statut": "annulee", "commentaire": "client injoignable"},
            headers=tokens.headers(**STAFF),
        )
        assert r.status_code == 200, r.text
        cancelled = await client.get(
            f"/api/v1/interventions/{first}/planning", headers=tokens.headers()
        )
        assert cancelled.json()["statut"] == "annule"
        assert cancelled.json()["confirme"] is False
        booked = await _book(client, tokens, second, 30, 32)
        assert booked.status_code == 200, booked.text
        assert booked.json()["confirme"] is True
    events = await db_connection.execute(
        sa.text(
            "SELECT payload->'data' FROM interventions.outbox WHERE type = 'planning.annule'"
            " AND (payload->'data'->>'intervention_id')::int = :i"
        ),
        {"i": first},
    )
    (data,) = events.scalars().all()
    assert data["statut"] == "annule"
    assert data["technicien_id"] == tech
    assert data["confirme"] is False


async def test_reassignment_frees_the_old_technician(
    app_client: Any, tokens: Any, make_intervention: Any, db_connection: AsyncConnection
) -> None:
    old, new = unique_technicien_id(), unique_technicien_id()
    await db_connection.execute(
        sa.text(
            "INSERT INTO interventions.techniciens_replica (id, is_active, updated_at)"
            " VALUES (:n, true, now())"
        ),
        {"n": new},
    )
    first = await make_intervention(technicien_id=old)
    other = await make_intervention(technicien_id=old)
    async with app_client(create_app()) as client:
        assert (await _book(client, tokens, first, 50, 52)).status_code == 200
        r = await client.post(
            f"/api/v1/interventions/{first}/affectation",
            json={"technicien_id": new},
            headers=tokens.headers(**STAFF),
        )
        assert r.status_code == 200, r.text
        moved = await client.get(
            f"/api/v1/interventions/{first}/planning", headers=tokens.headers()
        )
        assert (moved.json()["technicien_id"], moved.json()["confirme"]) == (new, False)
        # the old technician takes another slot at the same time; the new one confirms
        assert (await _book(client, tokens, other, 50, 52)).status_code == 200
        again = await client.post(
            f"/api/v1/interventions/{first}/planning/confirmation", headers=tokens.headers()
        )
        assert again.status_code == 200
    planifie = await db_connection.execute(
        sa.text(
            "SELECT payload->'data'->>'technicien_id' FROM interventions.outbox"
            " WHERE type = 'planning.planifie'"
            " AND (payload->'data'->>'intervention_id')::int = :i ORDER BY seq"
        ),
        {"i": first},
    )
    assert planifie.scalars().all()[-1] == str(new)


async def test_no_reminder_for_a_cancelled_intervention(
    engine: AsyncEngine, migrate: Any, test_env: dict[str, str]
) -> None:
    migrate("interventions")
    kept = await make_slots(engine, 1)
    cancelled = await make_slots(engine, 1)
    released = await make_slots(engine, 1)
    async with engine.begin() as conn:
        # cancelled while its slot stays as it was (the reminder checks the intervention)...
        await conn.execute(
            sa.text(
                "UPDATE interventions.interventions SET statut = 'annulee' WHERE id ="
                " (SELECT intervention_id FROM interventions.planning WHERE id = :p)"
            ),
            {"p": cancelled[0]},
        )
        # ... and a slot the cancellation released
        await conn.execute(
            sa.text(
                "UPDATE interventions.planning SET statut = 'annule', confirme = false"
                " WHERE id = :p"
            ),
            {"p": released[0]},
        )
    db = Database(test_env["DATABASE_URL"])
    try:
        await envoyer_rappels(db, batch_size=50)
    finally:
        await db.dispose()
    assert await reminder_counts(engine, kept) == {"reminded": 1, "events": 1, "most": 1}
    for ids in (cancelled, released):
        assert await reminder_counts(engine, ids) == {"reminded": 0, "events": 0, "most": 0}
