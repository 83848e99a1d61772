"""Equipment changes leave a hash-chained trail (who, when, before/after, IP, user agent)."""

from __future__ import annotations

from .conftest import World


async def test_creates_changes_and_lifecycle_are_audited(world: World) -> None:
    headers = {**world.h("admin"), "User-Agent": "atelier/1.0", "X-Forwarded-For": "10.1.2.3"}
    e = await world.equipement(nom="Chaudière")
    url = f"/api/v1/equipements/{e['id']}"
    r = await world.http.patch(url, json={"localisation": "Atelier B"}, headers=headers)
    assert r.status_code == 200
    for statut in ("panne", "maintenance"):
        r = await world.http.post(f"{url}/statut", json={"statut": statut}, headers=headers)
        assert r.status_code == 200
    trail = await world.http.get(f"{url}/historique?verifier=true", headers=world.h("admin"))
    assert trail.status_code == 200
    body = trail.json()
    assert [(i["action"], i["user_id"]) for i in body["items"]] == [
        ("creation", 1),
        ("modification", 1),
        ("changement_statut", 1),
        ("changement_statut", 1),
    ]
    creation, modification, panne, _ = body["items"]
    assert creation["nouvelle_valeur"]["nom"] == "Chaudière"
    assert modification["ancienne_valeur"] == {"localisation": None}
    assert modification["nouvelle_valeur"] == {"localisation": "Atelier B"}
    assert modification["user_agent"] == "atelier/1.0"
    assert panne["ancienne_valeur"] == {"statut": "operationnel"}
    assert panne["nouvelle_valeur"] == {"statut": "panne", "active": True}
    assert body["verification"] == {
        "intact": True, "rows": 4, "first_broken_id": None, "reason": None
    }  # fmt: skip
    # the chain links each row to the previous one
    assert [i["prev_hash"] for i in body["items"][1:]] == [i["hash"] for i in body["items"][:-1]]
    client_view = await world.http.get(f"{url}/historique", headers=world.h("client"))
    assert client_view.status_code == 200
    assert {i["user_agent"] for i in client_view.json()["items"]} == {None}
    assert (
        await world.http.get(f"{url}/historique", headers=world.h("autre_client"))
    ).status_code == 404
    # the trail is append-only, and a deleted equipment's trail stays
    gone = await world.equipement()
    assert (
        await world.http.delete(f"/api/v1/equipements/{gone['id']}", headers=world.h("admin"))
    ).status_code == 204
    rows = await world.rows(
        "SELECT action FROM interventions.historiques_equipements WHERE equipement_id = :e"
        " ORDER BY id",
        e=gone["id"],
    )
    assert rows == [("creation",), ("suppression",)]
