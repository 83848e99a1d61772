"""Interventions: creation rules, list filters and order, PATCH, evaluation, scopes."""

from __future__ import annotations

import urllib.parse

INTERVENTIONS = "/api/v1/interventions"


async def test_create_rules(world) -> None:
    e = await world.equipement()
    own = await world.intervention(who="client", equipement_id=e["id"])
    assert own["statut"] == "ouverte" and own["client_id"] == world.client_id
    r = await world.http.post(
        INTERVENTIONS,
        json={"equipement_id": e["id"], "titre": "x", "client_id": world.other_client_id},
        headers=world.h("admin"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "client_id"
    r = await world.http.post(
        INTERVENTIONS,
        json={"equipement_id": e["id"], "titre": "x"},
        headers=world.h("autre_client"),
    )
    assert r.status_code == 404
    r = await world.http.post(
        INTERVENTIONS, json={"equipement_id": e["id"], "titre": "x"}, headers=world.h("technicien")
    )
    assert r.status_code == 403
    r = await world.http.post(
        INTERVENTIONS,
        json={"equipement_id": e["id"], "titre": "x", "statut": "cloturee", "priorite": "vite"},
        headers=world.h("admin"),
    )
    assert r.status_code == 422
    assert {x["field"] for x in r.json()["errors"]} == {"statut", "priorite"}
    r = await world.http.post(INTERVENTIONS, content=b"{not json", headers=world.h("admin"))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem")
    assert r.headers.get("x-request-id")


async def test_database_enforces_owner_and_constraints(world) -> None:
    e = await world.equipement()
    i = await world.intervention(equipement_id=e["id"])
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError

    for sql, state in [
        ("UPDATE interventions.interventions SET client_id = :o WHERE id = :i", "P0001"),
        ("UPDATE interventions.interventions SET statut = 'cloturee' WHERE id = :i", "P0001"),
        ("UPDATE interventions.interventions SET satisfaction_client = 6 WHERE id = :i", "23514"),
        (
            "UPDATE interventions.interventions SET date_debut = now(), "
            "date_fin = now() - interval '1 day' WHERE id = :i",
            "23514",
        ),
    ]:
        async with world.session_factory() as session:
            try:
                async with session.begin():
                    await session.execute(sa.text(sql), {"i": i["id"], "o": world.other_client_id})
                raise AssertionError(f"accepted: {sql}")
            except DBAPIError as exc:
                assert exc.orig.sqlstate == state, sql  # type: ignore[union-attr]


async def test_list_filters_order_and_pages(world) -> None:
    e1 = await world.equipement()
    e2 = await world.equipement()
    a = await world.intervention(equipement_id=e1["id"], priorite="basse")
    b = await world.intervention(equipement_id=e1["id"], priorite="urgente", urgence=True)
    c = await world.intervention(
        equipement_id=e2["id"], priorite="basse", type_intervention="diagnostic"
    )
    d = await world.intervention(equipement_id=e2["id"], priorite="haute")
    await world.affecter(d["id"])
    base = f"client_id={world.client_id}"

    async def ids(query: str, who: str = "admin") -> list[int]:
        r = await world.http.get(f"{INTERVENTIONS}?{query}", headers=world.h(who))
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert await ids(base) == [b["id"], d["id"], a["id"], c["id"]]
    assert await ids(f"{base}&statut=affectee") == [d["id"]]
    assert await ids(f"{base}&priorite=basse") == [a["id"], c["id"]]
    assert await ids(f"{base}&type_intervention=diagnostic") == [c["id"]]
    assert await ids(f"{base}&technicien_id={world.technicien_id}") == [d["id"]]
    assert await ids(f"{base}&equipement_id={e2['id']}") == [d["id"], c["id"]]
    assert await ids(f"{base}&urgence=true") == [b["id"]]
    after = urllib.parse.quote(c["date_creation"])
    assert await ids(f"{base}&cree_apres={after}") == [d["id"], c["id"]]
    assert await ids(f"{base}&cree_avant={after}") == [b["id"], a["id"]]
    # keyset pages walk the same order
    seen, cursor = [], None
    while True:
        q = f"{base}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = (await world.http.get(f"{INTERVENTIONS}?{q}", headers=world.h("admin"))).json()
        seen += [x["id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [b["id"], d["id"], a["id"], c["id"]]
    # scopes by role
    assert set(await ids("limit=200", who="client")) >= {a["id"], b["id"], c["id"], d["id"]}
    assert await ids("limit=200", who="technicien") == [d["id"]]
    assert await ids("limit=200", who="autre_client") == []
    for who, query in [
        ("autre_client", base),
        ("autre_client", f"equipement_id={e1['id']}"),
        ("autre_technicien", f"technicien_id={world.technicien_id}"),
    ]:
        r = await world.http.get(f"{INTERVENTIONS}?{query}", headers=world.h(who))
        assert r.status_code == 404, (who, query)
    assert (
        await world.http.get(f"{INTERVENTIONS}?cursor=bm90IGEgY3Vyc29y", headers=world.h("admin"))
    ).status_code == 400
    assert (
        await world.http.get(f"{INTERVENTIONS}?cree_apres=hier", headers=world.h("admin"))
    ).status_code == 422
    assert (
        await world.http.get(
            f"{INTERVENTIONS}?cree_apres=2026-01-01T00:00:00", headers=world.h("admin")
        )
    ).status_code == 422


async def test_get_patch_and_scopes(world) -> None:
    i = await world.at("affectee")
    for who, status in [
        ("admin", 200), ("responsable", 200), ("technicien", 200), ("client", 200),
        ("autre_technicien", 404), ("autre_client", 404),
    ]:  # fmt: skip
        assert (
            await world.http.get(f"{INTERVENTIONS}/{i['id']}", headers=world.h(who))
        ).status_code == status
        r = await world.http.get(f"{INTERVENTIONS}/{i['id']}/historique", headers=world.h(who))
        assert r.status_code == status
    r = await world.http.patch(
        f"{INTERVENTIONS}/{i['id']}",
        json={"description": "plus de détails", "cout_estime": "300.00"},
        headers={**world.h("responsable"), "If-Match": str(i["version"])},
    )
    assert r.status_code == 200 and r.json()["cout_estime"] == "300.00"
    assert r.json()["version"] == i["version"] + 1
    r = await world.http.patch(
        f"{INTERVENTIONS}/{i['id']}",
        json={"titre": "z"},
        headers={**world.h("admin"), "If-Match": str(i["version"])},
    )
    assert r.status_code == 412
    r = await world.http.patch(
        f"{INTERVENTIONS}/{i['id']}", json={"statut": "cloturee"}, headers=world.h("admin")
    )
    assert r.status_code == 422
    r = await world.http.patch(
        f"{INTERVENTIONS}/{i['id']}", json={"notes_techniques": "vu"}, headers=world.h("technicien")
    )
    assert r.status_code == 200
    r = await world.http.patch(
        f"{INTERVENTIONS}/{i['id']}", json={"priorite": "urgente"}, headers=world.h("technicien")
    )
    assert r.status_code == 403
    r = await world.http.patch(
        f"{INTERVENTIONS}/{i['id']}", json={"titre": "x"}, headers=world.h("client")
    )
    assert r.status_code == 409  # no longer ouverte
    r = await world.http.patch(
        f"{INTERVENTIONS}/{i['id']}", json={"titre": "x"}, headers=world.h("autre_client")
    )
    assert r.status_code == 404
    hist = (
        await world.http.get(f"{INTERVENTIONS}/{i['id']}/historique", headers=world.h("admin"))
    ).json()
    assert [h["action"] for h in hist["items"]] == [
        "creation",
        "affectation",
        "modification",
        "modification",
    ]
    assert hist["items"][2]["ancienne_valeur"] == {"description": None, "cout_estime": None}
    assert hist["items"][2]["nouvelle_valeur"] == {
        "description": "plus de détails",
        "cout_estime": "300.00",
    }
    assert hist["items"][2]["adresse_ip"] == "203.0.113.7"
    client_view = (
        await world.http.get(f"{INTERVENTIONS}/{i['id']}/historique", headers=world.h("client"))
    ).json()
    assert client_view["items"][0]["adresse_ip"] is None


async def test_evaluation(world) -> None:
    open_one = await world.intervention()
    url = f"{INTERVENTIONS}/{open_one['id']}/evaluation"
    assert (
        await world.http.post(url, json={"satisfaction_client": 4}, headers=world.h("client"))
    ).status_code == 409
    done = await world.at("cloturee")
    url = f"{INTERVENTIONS}/{done['id']}/evaluation"
    for note in (0, 6, "x"):
        r = await world.http.post(
            url, json={"satisfaction_client": note}, headers=world.h("client")
        )
        assert r.status_code == 422
    assert (
        await world.http.post(url, json={"satisfaction_client": 4}, headers=world.h("admin"))
    ).status_code == 403
    assert (
        await world.http.post(url, json={"satisfaction_client": 4}, headers=world.h("autre_client"))
    ).status_code == 404
    r = await world.http.post(url, json={"satisfaction_client": 4}, headers=world.h("client"))
    assert r.status_code == 200 and r.json()["satisfaction_client"] == 4
    r = await world.http.post(url, json={"satisfaction_client": 5}, headers=world.h("client"))
    assert r.status_code == 409


async def test_idempotent_create(world) -> None:
    e = await world.equipement()
    headers = {**world.h("client"), "Idempotency-Key": "same-key"}
    body = {"equipement_id": e["id"], "titre": "Bruit anormal"}
    first = await world.http.post(INTERVENTIONS, json=body, headers=headers)
    second = await world.http.post(INTERVENTIONS, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    n = await world.count(
        "SELECT count(*) FROM interventions.interventions WHERE equipement_id = :e", e=e["id"]
    )
    assert n == 1
