"""Planning through the API, each test on a rolled-back transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from interventions.main import create_app
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import at, slot

ADMIN = {"role": "admin", "user_id": 1}


async def outbox_types(conn: AsyncConnection, aggregate_id: int, prefix: str) -> list[str]:
    rows = await conn.execute(
        sa.text(
            "SELECT type FROM interventions.outbox WHERE payload->>'aggregate_id' = :a"
            " AND type LIKE :p ORDER BY seq"
        ),
        {"a": str(aggregate_id), "p": f"{prefix}%"},
    )
    return list(rows.scalars())


async def audit_actions(conn: AsyncConnection, intervention_id: int) -> list[str]:
    rows = await conn.execute(
        sa.text(
            "SELECT action::text FROM interventions.historiques_interventions"
            " WHERE intervention_id = :i ORDER BY id"
        ),
        {"i": intervention_id},
    )
    return list(rows.scalars())


async def test_put_creates_then_replaces_the_slot(
    app_client: Any, tokens: Any, make_intervention: Any, db_connection: AsyncConnection
) -> None:
    iid = await make_intervention(technicien_id=11)
    async with app_client(create_app()) as client:
        created = await client.put(
            f"/api/v1/interventions/{iid}/planning",
            json=slot(30, 32, creneau="matin", notes_planning="badge à l'accueil"),
            headers=tokens.headers("responsable", 2),
        )
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/api/v1/interventions/{iid}/planning"
        body = created.json()
        assert body["technicien_id"] == 11
        assert body["confirme"] is False and body["rappel_envoye"] is False
        assert body["creneau"] == "matin" and body["version"] == 1

        replaced = await client.put(
            f"/api/v1/interventions/{iid}/planning",
            json=slot(40, 41),
            headers=tokens.headers(**ADMIN),
        )
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["id"] == body["id"]
        assert replaced.json()["version"] == 2
        assert replaced.json()["creneau"] is None

        read = await client.get(
            f"/api/v1/interventions/{iid}/planning",
            headers=tokens.headers("client", 9, client_id=7),
        )
        assert read.status_code == 200 and read.json()["version"] == 2

    planifiee = (
        await db_connection.execute(
            sa.text("SELECT date_planifiee FROM interventions.interventions WHERE id = :i"),
            {"i": iid},
        )
    ).scalar_one()
    assert planifiee.isoformat() == replaced.json()["date_debut"].replace("Z", "+00:00")
    assert await audit_actions(db_connection, iid) == ["planification", "planification"]
    assert await outbox_types(db_connection, body["id"], "planning.") == [
        "planning.planifie",
        "planning.planifie",
    ]


async def test_bad_slots_are_422(app_client: Any, tokens: Any, make_intervention: Any) -> None:
    iid = await make_intervention(technicien_id=11)
    url = f"/api/v1/interventions/{iid}/planning"
    async with app_client(create_app()) as client:
        headers = tokens.headers(**ADMIN)
        backwards = await client.put(url, json=slot(5, 4), headers=headers)
        assert backwards.status_code == 422
        assert backwards.headers["content-type"] == "application/problem+json"
        naive = await client.put(
            url,
            json={"date_debut": "2030-01-01T10:00:00", "date_fin": "2030-01-01T11:00:00"},
            headers=headers,
        )
        assert naive.status_code == 422
        assert {e["field"] for e in naive.json()["errors"]} >= {"date_debut"}
        junk = await client.put(url, json={"date_debut": "demain"}, headers=headers)
        assert junk.status_code == 422
        extra = await client.put(url, json=slot(1, 2, confirme=True), headers=headers)
        assert extra.status_code == 422
        unknown = await client.put(
            "/api/v1/interventions/999999999/planning", json=slot(1, 2), headers=headers
        )
        assert unknown.status_code == 404


async def test_only_staff_plan(app_client: Any, tokens: Any, make_intervention: Any) -> None:
    iid = await make_intervention(technicien_id=11)
    url = f"/api/v1/interventions/{iid}/planning"
    async with app_client(create_app()) as client:
        as_tech = await client.put(
            url, json=slot(1, 2), headers=tokens.headers("technicien", 3, technicien_id=11)
        )
        as_client = await client.put(
            url, json=slot(1, 2), headers=tokens.headers("client", 4, client_id=7)
        )
        anonymous = await client.put(url, json=slot(1, 2))
    assert as_tech.status_code == 403
    assert as_client.status_code == 403
    assert anonymous.status_code == 401


async def test_final_interventions_cannot_be_planned(
    app_client: Any, tokens: Any, make_intervention: Any
) -> None:
    iid = await make_intervention(technicien_id=11, statut="annulee")
    async with app_client(create_app()) as client:
        response = await client.put(
            f"/api/v1/interventions/{iid}/planning", json=slot(1, 2), headers=tokens.headers()
        )
    assert response.status_code == 409


async def test_stale_if_match_is_412(app_client: Any, tokens: Any, make_intervention: Any) -> None:
    iid = await make_intervention(technicien_id=11)
    url = f"/api/v1/interventions/{iid}/planning"
    async with app_client(create_app()) as client:
        first = await client.put(url, json=slot(1, 2), headers=tokens.headers())
        assert first.status_code == 201
        await client.put(url, json=slot(3, 4), headers=tokens.headers())
        stale = await client.put(
            url, json=slot(5, 6), headers={**tokens.headers(), "If-Match": "1"}
        )
        fresh = await client.put(
            url, json=slot(5, 6), headers={**tokens.headers(), "If-Match": "2"}
        )
    assert stale.status_code == 412
    assert fresh.status_code == 200 and fresh.json()["version"] == 3


async def test_confirmation_rules(
    app_client: Any, tokens: Any, make_intervention: Any, db_connection: AsyncConnection
) -> None:
    sans_technicien = await make_intervention(technicien_id=None, statut="ouverte")
    avec_technicien = await make_intervention(technicien_id=21)
    async with app_client(create_app()) as client:
        admin = tokens.headers()
        for iid in (sans_technicien, avec_technicien):
            put = await client.put(
                f"/api/v1/interventions/{iid}/planning", json=slot(50, 52), headers=admin
            )
            assert put.status_code == 201, put.text

        no_tech = await client.post(
            f"/api/v1/interventions/{sans_technicien}/planning/confirmation", headers=admin
        )
        assert no_tech.status_code == 409
        assert "technician" in no_tech.json()["detail"]

        url = f"/api/v1/interventions/{avec_technicien}/planning/confirmation"
        other_tech = await client.post(
            url, headers=tokens.headers("technicien", 30, technicien_id=22)
        )
        assert other_tech.status_code == 404
        owner_client = await client.post(url, headers=tokens.headers("client", 31, client_id=7))
        assert owner_client.status_code == 403
        assigned = await client.post(
            url, headers=tokens.headers("technicien", 32, technicien_id=21)
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["confirme"] is True
        again = await client.post(url, headers=admin)
        assert again.status_code == 200 and again.json()["version"] == assigned.json()["version"]

        # Moving a confirmed slot needs a new confirmation.
        moved = await client.put(
            f"/api/v1/interventions/{avec_technicien}/planning", json=slot(60, 61), headers=admin
        )
        assert moved.json()["confirme"] is False
        notes_only = await client.post(url, headers=admin)
        assert notes_only.json()["confirme"] is True
        same_dates = await client.put(
            f"/api/v1/interventions/{avec_technicien}/planning",
            json={
                "date_debut": moved.json()["date_debut"],
                "date_fin": moved.json()["date_fin"],
                "notes_planning": "apporter l'échelle",
            },
            headers=admin,
        )
        assert same_dates.json()["confirme"] is True

    planning_id = assigned.json()["id"]
    assert await outbox_types(db_connection, planning_id, "planning.") == [
        "planning.planifie",
        "planning.confirme",
        "planning.planifie",
        "planning.confirme",
        "planning.planifie",
    ]
    assert (await audit_actions(db_connection, avec_technicien)).count("planification") == 5


async def test_overlapping_confirmed_slot_is_409(
    app_client: Any, tokens: Any, make_intervention: Any
) -> None:
    first = await make_intervention(technicien_id=41)
    second = await make_intervention(technicien_id=41)
    other_tech = await make_intervention(technicien_id=42)
    admin = tokens.headers()
    async with app_client(create_app()) as client:
        await client.put(
            f"/api/v1/interventions/{first}/planning", json=slot(10, 12), headers=admin
        )
        confirmed = await client.post(
            f"/api/v1/interventions/{first}/planning/confirmation", headers=admin
        )
        assert confirmed.status_code == 200
        overlapping = await client.put(
            f"/api/v1/interventions/{second}/planning", json=slot(11, 13), headers=admin
        )
        assert overlapping.status_code == 409
        assert overlapping.headers["content-type"] == "application/problem+json"
        touching = await client.put(
            f"/api/v1/interventions/{second}/planning", json=slot(12, 13), headers=admin
        )
        assert touching.status_code == 201, touching.text
        elsewhere = await client.put(
            f"/api/v1/interventions/{other_tech}/planning", json=slot(11, 13), headers=admin
        )
        assert elsewhere.status_code == 201
        assert (
            await client.post(
                f"/api/v1/interventions/{other_tech}/planning/confirmation", headers=admin
            )
        ).status_code == 200


async def test_confirming_an_overlap_is_409(
    app_client: Any, tokens: Any, make_intervention: Any
) -> None:
    """Two unconfirmed overlapping slots may exist; only one of them can be confirmed."""
    first = await make_intervention(technicien_id=43)
    second = await make_intervention(technicien_id=43)
    admin = tokens.headers()
    async with app_client(create_app()) as client:
        for iid in (first, second):
            put = await client.put(
                f"/api/v1/interventions/{iid}/planning", json=slot(10, 12), headers=admin
            )
            assert put.status_code == 201
        ok = await client.post(
            f"/api/v1/interventions/{first}/planning/confirmation", headers=admin
        )
        refused = await client.post(
            f"/api/v1/interventions/{second}/planning/confirmation", headers=admin
        )
    assert ok.status_code == 200
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"


async def test_reassignment_unconfirms_the_slot(
    app_client: Any, tokens: Any, make_intervention: Any, db_connection: AsyncConnection
) -> None:
    iid = await make_intervention(technicien_id=51)
    async with app_client(create_app()) as client:
        await client.put(
            f"/api/v1/interventions/{iid}/planning", json=slot(5, 6), headers=tokens.headers()
        )
        await client.post(
            f"/api/v1/interventions/{iid}/planning/confirmation", headers=tokens.headers()
        )
        await db_connection.execute(
            sa.text("UPDATE interventions.interventions SET technicien_id = 52 WHERE id = :i"),
            {"i": iid},
        )
        after = await client.get(f"/api/v1/interventions/{iid}/planning", headers=tokens.headers())
    assert after.json()["technicien_id"] == 52
    assert after.json()["confirme"] is False


async def test_calendar_by_role(app_client: Any, tokens: Any, make_intervention: Any) -> None:
    tech = 61
    ids = [await make_intervention(technicien_id=tech) for _ in range(3)]
    other = await make_intervention(technicien_id=62)
    admin = tokens.headers()
    async with app_client(create_app()) as client:
        for n, iid in enumerate(ids):
            await client.put(
                f"/api/v1/interventions/{iid}/planning",
                json=slot(100 + n, 100.5 + n),
                headers=admin,
            )
        await client.put(
            f"/api/v1/interventions/{other}/planning", json=slot(100, 101), headers=admin
        )

        params = {"technicien_id": tech, "du": at(99).isoformat(), "au": at(103).isoformat()}
        page1 = await client.get("/api/v1/planning", params={**params, "limit": 2}, headers=admin)
        assert page1.status_code == 200, page1.text
        assert [p["intervention_id"] for p in page1.json()["items"]] == ids[:2]
        page2 = await client.get(
            "/api/v1/planning",
            params={**params, "limit": 2, "cursor": page1.json()["next_cursor"]},
            headers=admin,
        )
        assert page2.status_code == 200, (page1.json()["next_cursor"], page2.text)
        assert [p["intervention_id"] for p in page2.json()["items"]] == ids[2:]
        assert page2.json()["next_cursor"] is None

        own = await client.get(
            "/api/v1/planning",
            params={"du": at(99).isoformat(), "au": at(103).isoformat()},
            headers=tokens.headers("technicien", 5, technicien_id=62),
        )
        assert [p["intervention_id"] for p in own.json()["items"]] == [other]
        spying = await client.get(
            "/api/v1/planning",
            params={"technicien_id": tech},
            headers=tokens.headers("technicien", 5, technicien_id=62),
        )
        assert spying.status_code == 403
        as_client = await client.get(
            "/api/v1/planning", headers=tokens.headers("client", 6, client_id=7)
        )
        assert as_client.status_code == 403
        backwards = await client.get(
            "/api/v1/planning",
            params={"du": at(5).isoformat(), "au": at(1).isoformat()},
            headers=admin,
        )
        assert backwards.status_code == 422
        bad_cursor = await client.get("/api/v1/planning", params={"cursor": "xx"}, headers=admin)
        assert bad_cursor.status_code == 400
        naive = await client.get(
            "/api/v1/planning", params={"du": "2030-01-01T00:00:00"}, headers=admin
        )
        assert naive.status_code == 422
