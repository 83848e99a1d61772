"""Equipment: CRUD by role, serial uniqueness, the lifecycle, retire-instead-of-delete."""

from __future__ import annotations

import itertools

from interventions.equipements.service import LIFECYCLE

E = "/api/v1/equipements"
STATUTS = ["operationnel", "maintenance", "panne", "retire"]
PATHS = {  # how to reach each statut from operationnel
    "operationnel": [],
    "maintenance": ["maintenance"],
    "panne": ["panne"],
    "retire": ["panne", "retire"],
}


async def test_crud_and_roles(world) -> None:
    e = await world.equipement(prochaine_maintenance="2030-01-01", cout_acquisition="1250.50")
    assert e["statut"] == "operationnel" and e["active"] is True and e["version"] == 1
    assert e["cout_acquisition"] == "1250.50"
    for who in ("admin", "responsable", "technicien", "client"):
        r = await world.http.get(f"{E}/{e['id']}", headers=world.h(who))
        assert r.status_code == 200, who
    r = await world.http.get(f"{E}/{e['id']}", headers=world.h("autre_client"))
    assert r.status_code == 404
    body = {"client_id": world.client_id, "nom": "x", "numero_serie": "SN-client"}
    for who in ("technicien", "client"):
        assert (await world.http.post(E, json=body, headers=world.h(who))).status_code == 403
        r = await world.http.patch(f"{E}/{e['id']}", json={"nom": "y"}, headers=world.h(who))
        assert r.status_code == 403
        assert (await world.http.delete(f"{E}/{e['id']}", headers=world.h(who))).status_code == 403
    r = await world.http.patch(
        f"{E}/{e['id']}",
        json={"nom": "Compresseur B"},
        headers={**world.h("admin"), "If-Match": "1"},
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await world.http.patch(
        f"{E}/{e['id']}", json={"nom": "stale"}, headers={**world.h("admin"), "If-Match": "1"}
    )
    assert r.status_code == 412 and r.json()["current_version"] == 2
    assert (await world.http.get(E, headers={})).status_code == 401


async def test_serial_unique_and_validation(world) -> None:
    e = await world.equipement()
    r = await world.http.post(
        E,
        json={"client_id": world.client_id, "nom": "dup", "numero_serie": e["numero_serie"]},
        headers=world.h("admin"),
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    bad = await world.http.post(
        E,
        json={"client_id": "abc", "nom": "", "numero_serie": "x", "statut": "panne"},
        headers=world.h("admin"),
    )
    assert bad.status_code == 422
    fields = {err["field"] for err in bad.json()["errors"]}
    assert {"client_id", "nom", "statut"} <= fields
    unknown = await world.http.post(
        E,
        json={"client_id": 99999999, "nom": "x", "numero_serie": "SN-u"},
        headers=world.h("admin"),
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "client_id"
    r = await world.http.patch(f"{E}/{e['id']}", json={"nom": None}, headers=world.h("admin"))
    assert r.status_code == 422
    r = await world.http.get(f"{E}?cursor=%%%garbage", headers=world.h("admin"))
    assert r.status_code == 400
    r = await world.http.get(f"{E}?limit=1000", headers=world.h("admin"))
    assert r.status_code == 422


async def test_lifecycle_every_pair(world) -> None:
    for frm, to in itertools.product(STATUTS, STATUTS):
        e = await world.equipement()
        for step in PATHS[frm]:
            r = await world.http.post(
                f"{E}/{e['id']}/statut", json={"statut": step}, headers=world.h("technicien")
            )
            assert r.status_code == 200, (frm, step, r.text)
        r = await world.http.post(
            f"{E}/{e['id']}/statut", json={"statut": to}, headers=world.h("technicien")
        )
        expected = 200 if to in LIFECYCLE[frm] else 409  # type: ignore[index]
        assert r.status_code == expected, (frm, to, r.text)
        if to == "retire" and expected == 200:
            assert r.json()["active"] is False
    e = await world.equipement()
    r = await world.http.post(
        f"{E}/{e['id']}/statut", json={"statut": "panne"}, headers=world.h("client")
    )
    assert r.status_code == 403


async def test_delete_without_history_deletes_with_history_retires(world) -> None:
    lone = await world.equipement()
    assert (
        await world.http.delete(f"{E}/{lone['id']}", headers=world.h("admin"))
    ).status_code == 204
    assert (await world.http.get(f"{E}/{lone['id']}", headers=world.h("admin"))).status_code == 404
    used = await world.equipement()
    await world.intervention(equipement_id=used["id"])
    r = await world.http.delete(f"{E}/{used['id']}", headers=world.h("admin"))
    assert r.status_code == 409 and r.json()["equipement"]["statut"] == "retire"
    after = (await world.http.get(f"{E}/{used['id']}", headers=world.h("admin"))).json()
    assert after["statut"] == "retire" and after["active"] is False
    types = [
        t
        for (t,) in await world.rows(
            "SELECT type FROM interventions.outbox WHERE payload->>'aggregate_id' IN (:a, :b) "
            "AND type LIKE 'equipement.%' ORDER BY seq",
            a=str(lone["id"]),
            b=str(used["id"]),
        )
    ]
    assert types == [
        "equipement.created",
        "equipement.deleted",
        "equipement.created",
        "equipement.retire",
    ]
    # a retired equipment takes no new intervention
    r = await world.http.post(
        "/api/v1/interventions",
        json={"equipement_id": used["id"], "titre": "x"},
        headers=world.h("admin"),
    )
    assert r.status_code == 409


async def test_list_filters_and_client_scope(world) -> None:
    a = await world.equipement(criticite="critique", prochaine_maintenance="2026-01-10")
    b = await world.equipement(criticite="basse", prochaine_maintenance="2027-06-01")
    c = await world.equipement(client_id=world.other_client_id)

    async def ids(query: str, who: str = "admin") -> list[int]:
        r = await world.http.get(f"{E}?{query}", headers=world.h(who))
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert await ids(f"client_id={world.client_id}") == [a["id"], b["id"]]
    assert await ids(f"client_id={world.client_id}&criticite=critique") == [a["id"]]
    assert await ids(f"client_id={world.client_id}&maintenance_avant=2026-12-31") == [a["id"]]
    assert await ids(f"client_id={world.client_id}&statut=panne") == []
    mine = await ids("limit=200", who="client")
    assert a["id"] in mine and b["id"] in mine and c["id"] not in mine
    r = await world.http.get(f"{E}?client_id={world.other_client_id}", headers=world.h("client"))
    assert r.status_code == 404
    # keyset pages
    r = await world.http.get(f"{E}?client_id={world.client_id}&limit=1", headers=world.h("admin"))
    page1 = r.json()
    assert [x["id"] for x in page1["items"]] == [a["id"]] and page1["next_cursor"]
    r = await world.http.get(
        f"{E}?client_id={world.client_id}&limit=1&cursor={page1['next_cursor']}",
        headers=world.h("admin"),
    )
    assert [x["id"] for x in r.json()["items"]] == [b["id"]] and r.json()["next_cursor"] is None


async def test_idempotent_create(world) -> None:
    body = {"client_id": world.client_id, "nom": "Pompe", "numero_serie": "SN-idem-1"}
    headers = {**world.h("admin"), "Idempotency-Key": "k-equip-1"}
    first = await world.http.post(E, json=body, headers=headers)
    second = await world.http.post(E, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and first.headers["location"] == second.headers["location"]
