"""The internal read other services' replicas fall back on (inventory asks it when its
replica misses an intervention or holds an older state): a service token only."""

from __future__ import annotations

import datetime as dt

from shared.internal import mint_service_token


def service_headers(caller: str = "inventory", owner: str = "interventions") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_service_token(caller, owner)}"}


async def test_internal_read_answers_a_service_token(world) -> None:
    i = await world.at("en_cours")
    r = await world.http.get(f"/api/v1/internal/interventions/{i['id']}", headers=service_headers())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["data"] == {
        "id": i["id"],
        "statut": "en_cours",
        "technicien_id": world.technicien_id,
        "client_id": world.client_id,
    }
    assert set(body) == {"data", "as_of"}
    # as_of: the row's last change, as stored
    ((updated_at,),) = await world.rows(
        "SELECT updated_at FROM interventions.interventions WHERE id = :i", i=i["id"]
    )
    as_of = dt.datetime.fromisoformat(body["as_of"])
    assert as_of.tzinfo is not None
    assert as_of == updated_at


async def test_internal_read_follows_the_row(world) -> None:
    i = await world.intervention()
    path = f"/api/v1/internal/interventions/{i['id']}"
    r = await world.http.get(path, headers=service_headers())
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {
        "id": i["id"],
        "statut": "ouverte",
        "technicien_id": None,
        "client_id": world.client_id,
    }
    assert (await world.affecter(i["id"])).status_code == 200
    r = await world.http.get(path, headers=service_headers())
    assert r.json()["data"]["statut"] == "affectee"
    assert r.json()["data"]["technicien_id"] == world.technicien_id


async def test_internal_read_refuses_anything_but_a_service_token(world) -> None:
    i = await world.at("affectee")
    path = f"/api/v1/internal/interventions/{i['id']}"
    refused = [
        {},
        # a user token, even the admin's
        world.h("admin"),
        world.h("technicien"),
        # a service token minted for another owner
        service_headers(owner="auth"),
        # signed with another secret
        {
            "Authorization": "Bearer "
            + mint_service_token("inventory", "interventions", secret="x" * 40)
        },
        {"Authorization": "Bearer not-a-token"},
    ]
    for headers in refused:
        r = await world.http.get(path, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == 401
        assert "statut" not in r.text


async def test_internal_read_unknown_id_is_404(world) -> None:
    r = await world.http.get("/api/v1/internal/interventions/987654321", headers=service_headers())
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404
    # not a number: 422, never a 500
    r = await world.http.get("/api/v1/internal/interventions/abc", headers=service_headers())
    assert r.status_code == 422, r.text
