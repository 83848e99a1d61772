"""/competences: staff CRUD, unique nom, a held competence is not deleted."""

from __future__ import annotations


async def test_crud(client, factory, tokens) -> None:
    nom = factory.unique("soudure-")
    created = await client.post(
        "/api/v1/competences",
        json={"nom": nom, "niveau_requis": "intermediaire", "certification": "ISO 9606"},
        headers=tokens.headers("responsable"),
    )
    assert created.status_code == 201, created.text
    competence = created.json()
    url = f"/api/v1/competences/{competence['id']}"
    assert created.headers["location"] == url
    duplicate = await client.post("/api/v1/competences", json={"nom": nom}, headers=factory.admin)
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "nom"
    ok = await client.patch(url, json={"active": False}, headers={**factory.admin, "If-Match": "1"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.patch(
        url, json={"active": True}, headers={**factory.admin, "If-Match": "1"}
    )
    assert stale.status_code == 412
    listed = await client.get(
        "/api/v1/competences", params={"active": "false"}, headers=factory.admin
    )
    assert competence["id"] in [c["id"] for c in listed.json()["items"]]
    for role in ("technicien", "client"):
        assert (await client.get(url, headers=tokens.headers(role))).status_code == 403
    assert (await client.delete(url, headers=factory.admin)).status_code == 204
    assert (await client.get(url, headers=factory.admin)).status_code == 404


async def test_a_held_competence_is_not_deleted_and_an_inactive_one_not_assigned(
    client, factory
) -> None:
    technicien = await factory.technicien()
    competence = await factory.competence()
    assignment = f"/api/v1/techniciens/{technicien['id']}/competences/{competence['id']}"
    put = await client.put(assignment, json={"niveau_acquis": "debutant"}, headers=factory.admin)
    assert put.status_code == 201
    url = f"/api/v1/competences/{competence['id']}"
    assert (await client.delete(url, headers=factory.admin)).status_code == 409
    await client.patch(url, json={"active": False}, headers=factory.admin)
    other = await factory.technicien()
    response = await client.put(
        f"/api/v1/techniciens/{other['id']}/competences/{competence['id']}",
        json={"niveau_acquis": "debutant"},
        headers=factory.admin,
    )
    assert response.status_code == 409
