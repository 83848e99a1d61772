"""/clients: created with their user, a client reads only itself, events, If-Match."""

from __future__ import annotations

import sqlalchemy as sa


async def test_create_read_update_delete(client, factory, db_session, tokens) -> None:
    body = {
        "user": factory.user_body(),
        "nom_entreprise": "OCP Maintenance",
        "type_client": "premium",
        "niveau_service": "gold",
        "ville": "Safi",
        "email_commercial": "Achats@OCP.ma",
        "telephone": "+212 5 22 00 00 00",
    }
    response = await client.post("/api/v1/clients", json=body, headers=factory.admin)
    assert response.status_code == 201, response.text
    customer = response.json()
    assert response.headers["location"] == f"/api/v1/clients/{customer['id']}"
    assert customer["email_commercial"] == "achats@ocp.ma" and customer["version"] == 1

    own = factory.bearer(await factory.login(customer["username"]))
    assert (await client.get(f"/api/v1/clients/{customer['id']}", headers=own)).status_code == 200
    other = await factory.client()
    assert (await client.get(f"/api/v1/clients/{other['id']}", headers=own)).status_code == 404
    assert (await client.get("/api/v1/clients", headers=own)).status_code == 403
    technicien = tokens.headers("technicien", 5151, technicien_id=1)
    assert (
        await client.get(f"/api/v1/clients/{customer['id']}", headers=technicien)
    ).status_code == 403

    url = f"/api/v1/clients/{customer['id']}"
    ok = await client.patch(
        url, json={"ville": "El Jadida"}, headers={**factory.admin, "If-Match": "1"}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.patch(
        url, json={"ville": "Rabat"}, headers={**factory.admin, "If-Match": "1"}
    )
    assert stale.status_code == 412
    assert (
        await client.patch(url, json={"nom_entreprise": None}, headers=factory.admin)
    ).status_code == 422

    listed = await client.get(
        "/api/v1/clients",
        params={"ville": "El Jadida", "type_client": "premium"},
        headers=factory.admin,
    )
    assert customer["id"] in [c["id"] for c in listed.json()["items"]]

    assert (await client.delete(url, headers=factory.admin)).status_code == 204
    assert (await client.get(url, headers=factory.admin)).json()["is_active"] is False

    async with db_session() as session:
        rows = await session.execute(
            sa.text(
                "SELECT type, payload FROM auth.outbox WHERE type LIKE 'client.%' "
                "AND payload->>'aggregate_id' = :id ORDER BY seq"
            ),
            {"id": str(customer["id"])},
        )
        found = [(row.type, row.payload["data"]) for row in rows]
    assert [t for t, _ in found] == ["client.created", "client.updated", "client.deleted"]
    assert found[0][1] == {
        "id": customer["id"],
        "user_id": customer["user_id"],
        "username": customer["username"],
        "nom_entreprise": "OCP Maintenance",
        "email_commercial": "achats@ocp.ma",
        "type_client": "premium",
        "niveau_service": "gold",
        "ville": "Safi",
        "is_active": True,
        "ice": None,
        "adresse_facturation": None,
        "email": customer["email"],
        "full_name": customer["full_name"],
    }
    assert found[2][1]["is_active"] is False


async def test_nom_entreprise_is_required(client, factory) -> None:
    response = await client.post(
        "/api/v1/clients", json={"user": factory.user_body()}, headers=factory.admin
    )
    assert response.status_code == 422
    assert "nom_entreprise" in {e["field"] for e in response.json()["errors"]}


async def test_staff_only_fields_are_not_shown_to_the_client_itself(client, factory) -> None:
    """Issue 7, item 10: `notes_commerciales` is for staff; the client reading itself does
    not see it (not even as null), staff do."""
    customer = await factory.client(notes_commerciales="négocie dur, relancer en mars")
    own = factory.bearer(await factory.login(customer["username"]))
    mine = await client.get(f"/api/v1/clients/{customer['id']}", headers=own)
    assert mine.status_code == 200
    assert "notes_commerciales" not in mine.json()
    assert mine.json()["nom_entreprise"] == customer["nom_entreprise"]
    staff = await client.get(f"/api/v1/clients/{customer['id']}", headers=factory.admin)
    assert staff.json()["notes_commerciales"] == "négocie dur, relancer en mars"


async def test_billing_identity_is_kept_checked_and_published(client, factory, db_session) -> None:
    """API.md: `ice` (15 digits) and `adresse_facturation`, carried by client.* events for
    billing's replica (docs/EVENTS.md)."""
    adresse = "Zone industrielle Sidi Bernoussi, lot 12\n20600 Casablanca"
    customer = await factory.client(ice="001525874000089", adresse_facturation=adresse)
    assert customer["ice"] == "001525874000089"
    assert customer["adresse_facturation"] == adresse
    url = f"/api/v1/clients/{customer['id']}"
    for bad in ("1525874000089", "00152587400008X", "0015258740000891"):
        response = await client.patch(url, json={"ice": bad}, headers=factory.admin)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "ice"
    response = await client.patch(url, json={"ice": "002222333000044"}, headers=factory.admin)
    assert response.status_code == 200
    async with db_session() as session:
        data = (
            await session.execute(
                sa.text(
                    "SELECT payload FROM auth.outbox WHERE type = 'client.updated' "
                    "AND payload->>'aggregate_id' = :id ORDER BY seq DESC LIMIT 1"
                ),
                {"id": str(customer["id"])},
            )
        ).scalar_one()["data"]
    assert data["ice"] == "002222333000044"
    assert data["adresse_facturation"] == adresse
    assert data["email"] == customer["email"] and data["full_name"] == customer["full_name"]
