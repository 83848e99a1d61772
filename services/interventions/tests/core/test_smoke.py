"""Quick path: equipment, intervention, a few moves, history verified."""


async def test_lifecycle_happy_path(world) -> None:
    i = await world.at("cloturee")
    assert i["statut"] == "cloturee" and i["date_fin"] and i["duree_reelle"] is not None
    r = await world.http.get(
        f"/api/v1/interventions/{i['id']}/historique?verifier=true", headers=world.h("admin")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["action"] for x in body["items"]] == [
        "creation",
        "affectation",
        "debut_intervention",
        "fin_intervention",
    ]
    assert body["verification"]["intact"] is True
