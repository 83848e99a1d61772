"""/techniciens: created with their user, role guards, ownership, filters, If-Match, events."""

from __future__ import annotations

import sqlalchemy as sa
from auth.config import Settings
from auth.main import create_app


async def events(db_session, types: tuple[str, ...], aggregate_id: int) -> list[dict]:
    async with db_session() as session:
        rows = await session.execute(
            sa.text(
                "SELECT payload FROM auth.outbox WHERE type = ANY(:types) "
                "AND payload->>'aggregate_id' = :id ORDER BY seq"
            ),
            {"types": list(types), "id": str(aggregate_id)},
        )
    return [row.payload for row in rows]


async def test_create_makes_the_user_and_the_profile_and_their_events(
    client, factory, db_session
) -> None:
    body = {
        "user": factory.user_body(),
        "specialite": "electricite",
        "equipe": "nord",
        "zone_geographique": "Casablanca",
        "date_embauche": "2024-03-01",
    }
    response = await client.post("/api/v1/techniciens", json=body, headers=factory.admin)
    assert response.status_code == 201, response.text
    technicien = response.json()
    assert response.headers["location"] == f"/api/v1/techniciens/{technicien['id']}"
    assert technicien["disponibilite"] == "disponible" and technicien["version"] == 1
    assert technicien["username"] == body["user"]["username"] and technicien["is_active"]
    user = (
        await client.get(f"/api/v1/users/{technicien['user_id']}", headers=factory.admin)
    ).json()
    assert user["role"] == "technicien"
    (created,) = await events(db_session, ("technicien.created",), technicien["id"])
    assert created["data"] == {
        "id": technicien["id"],
        "user_id": technicien["user_id"],
        "username": body["user"]["username"],
        "full_name": body["user"]["full_name"],
        "email": body["user"]["email"],
        "specialite": "electricite",
        "disponibilite": "disponible",
        "equipe": "nord",
        "zone_geographique": "Casablanca",
        "is_active": True,
    }
    assert len(await events(db_session, ("user.created",), technicien["user_id"])) == 1


async def test_duplicate_username_creates_nothing(client, factory) -> None:
    first = await factory.technicien()
    body = {"user": factory.user_body(username=first["username"])}
    response = await client.post("/api/v1/techniciens", json=body, headers=factory.admin)
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "username"


async def test_validation_names_nested_fields(client, factory) -> None:
    body = {
        "user": {**factory.user_body(), "email": "nope", "password": "1234567"},
        "disponibilite": "?",
    }
    response = await client.post("/api/v1/techniciens", json=body, headers=factory.admin)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"user.email", "user.password", "disponibilite"} <= fields


async def test_role_guards_and_ownership(client, factory, tokens) -> None:
    me, other = await factory.technicien(), await factory.technicien()
    my_token = factory.bearer(await factory.login(me["username"]))
    assert (
        await client.get(f"/api/v1/techniciens/{me['id']}", headers=my_token)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/techniciens/{other['id']}", headers=my_token)
    ).status_code == 404
    assert (await client.get("/api/v1/techniciens", headers=my_token)).status_code == 403
    patch = await client.patch(
        f"/api/v1/techniciens/{me['id']}", json={"equipe": "x"}, headers=my_token
    )
    assert patch.status_code == 403
    customer = tokens.headers("client", 4242, client_id=1)
    assert (
        await client.get(f"/api/v1/techniciens/{me['id']}", headers=customer)
    ).status_code == 403
    responsable = tokens.headers("responsable", 4243)
    assert (
        await client.get(f"/api/v1/techniciens/{other['id']}", headers=responsable)
    ).status_code == 200
    assert (
        await client.get("/api/v1/techniciens/2000000000", headers=responsable)
    ).status_code == 404


async def test_filters_and_pagination(client, factory) -> None:
    zone = factory.unique("zone-")
    a = await factory.technicien(zone_geographique=zone, specialite="froid", disponibilite="conge")
    b = await factory.technicien(zone_geographique=zone, specialite="froid", equipe="sud")
    c = await factory.technicien(zone_geographique=zone, specialite="electricite")
    competence = await factory.competence()
    put = await client.put(
        f"/api/v1/techniciens/{b['id']}/competences/{competence['id']}",
        json={"niveau_acquis": "expert"},
        headers=factory.admin,
    )
    assert put.status_code == 201

    async def ids(**params) -> list[int]:
        response = await client.get(
            "/api/v1/techniciens",
            params={"zone_geographique": zone, **params},
            headers=factory.admin,
        )
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert await ids() == [a["id"], b["id"], c["id"]]
    assert await ids(specialite="froid") == [a["id"], b["id"]]
    assert await ids(disponibilite="conge") == [a["id"]]
    assert await ids(equipe="sud") == [b["id"]]
    assert await ids(competence_id=competence["id"]) == [b["id"]]
    first = (
        await client.get(
            "/api/v1/techniciens",
            params={"zone_geographique": zone, "limit": 2},
            headers=factory.admin,
        )
    ).json()
    assert [t["id"] for t in first["items"]] == [a["id"], b["id"]] and first["next_cursor"]
    second = (
        await client.get(
            "/api/v1/techniciens",
            params={"zone_geographique": zone, "limit": 2, "cursor": first["next_cursor"]},
            headers=factory.admin,
        )
    ).json()
    assert [t["id"] for t in second["items"]] == [c["id"]] and second["next_cursor"] is None
    bad = await client.get("/api/v1/techniciens?disponibilite=partout", headers=factory.admin)
    assert bad.status_code == 422


async def test_patch_if_match_and_updated_event(client, factory, db_session) -> None:
    technicien = await factory.technicien()
    url = f"/api/v1/techniciens/{technicien['id']}"
    ok = await client.patch(
        url, json={"disponibilite": "occupe"}, headers={**factory.admin, "If-Match": "1"}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.patch(
        url, json={"disponibilite": "conge"}, headers={**factory.admin, "If-Match": "1"}
    )
    assert stale.status_code == 412
    null = await client.patch(url, json={"disponibilite": None}, headers=factory.admin)
    assert null.status_code == 422
    (updated,) = await events(db_session, ("technicien.updated",), technicien["id"])
    assert updated["data"]["disponibilite"] == "occupe"


async def test_delete_deactivates_the_user_and_writes_deleted(client, factory, db_session) -> None:
    technicien = await factory.technicien()
    pair = await factory.login(technicien["username"])
    response = await client.delete(f"/api/v1/techniciens/{technicien['id']}", headers=factory.admin)
    assert response.status_code == 204
    after = (
        await client.get(f"/api/v1/techniciens/{technicien['id']}", headers=factory.admin)
    ).json()
    assert after["is_active"] is False
    (deleted,) = await events(db_session, ("technicien.deleted",), technicien["id"])
    assert deleted["data"]["is_active"] is False
    assert len(await events(db_session, ("user.deactivated",), technicien["user_id"])) == 1
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_competences_of_a_technicien(client, factory) -> None:
    technicien = await factory.technicien()
    competence = await factory.competence(niveau_requis="avance")
    url = f"/api/v1/techniciens/{technicien['id']}/competences/{competence['id']}"
    body = {
        "niveau_acquis": "avance",
        "date_acquisition": "2025-01-01",
        "date_expiration": "2027-01-01",
    }
    created = await client.put(url, json=body, headers=factory.admin)
    assert created.status_code == 201 and created.headers["location"] == url
    replaced = await client.put(
        url, json={**body, "niveau_acquis": "expert", "certifie": True}, headers=factory.admin
    )
    assert replaced.status_code == 200
    assert replaced.json()["niveau_acquis"] == "expert" and replaced.json()["certifie"] is True
    own = factory.bearer(await factory.login(technicien["username"]))
    listed = await client.get(f"/api/v1/techniciens/{technicien['id']}/competences", headers=own)
    assert [c["competence_id"] for c in listed.json()] == [competence["id"]]
    bad_dates = await client.put(
        url, json={**body, "date_expiration": "2024-01-01"}, headers=factory.admin
    )
    assert bad_dates.status_code == 422
    assert (await client.put(url, json=body, headers=own)).status_code == 403
    missing = f"/api/v1/techniciens/{technicien['id']}/competences/2000000000"
    assert (await client.put(missing, json=body, headers=factory.admin)).status_code == 404
    assert (await client.delete(url, headers=factory.admin)).status_code == 204
    assert (await client.delete(url, headers=factory.admin)).status_code == 404


async def test_creating_a_technicien_never_talks_to_the_broker(
    app_client, factory, migrate
) -> None:
    """Events wait in the outbox: with the broker unreachable, the create still succeeds."""
    migrate("auth")
    app = create_app(Settings(broker_url="redis://127.0.0.1:9/0"))
    async with app_client(app) as http:
        body = {"user": factory.user_body(), "specialite": "vide"}
        response = await http.post("/api/v1/techniciens", json=body, headers=factory.admin)
    assert response.status_code == 201, response.text


async def test_staff_only_fields_are_not_shown_to_the_technician_itself(client, factory) -> None:
    """Issue 7, item 10: `notes_competences` is for staff; the technician reading itself
    does not see it (not even as null), staff do."""
    technicien = await factory.technicien(notes_competences="à former sur les groupes froids")
    own = factory.bearer(await factory.login(technicien["username"]))
    mine = await client.get(f"/api/v1/techniciens/{technicien['id']}", headers=own)
    assert mine.status_code == 200
    assert "notes_competences" not in mine.json()
    assert mine.json()["username"] == technicien["username"]
    staff = await client.get(f"/api/v1/techniciens/{technicien['id']}", headers=factory.admin)
    assert staff.json()["notes_competences"] == "à former sur les groupes froids"
