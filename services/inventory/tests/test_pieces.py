"""Parts: CRUD, unique reference (case-insensitive), filters, search, deactivation."""

from __future__ import annotations

import uuid


async def test_crud_and_reference(world) -> None:
    ref = f"Filtre-{uuid.uuid4().hex[:8]}"
    p = await world.piece(reference=ref, prix_unitaire="12.345", stock_minimum=3)
    assert p["prix_unitaire"] == "12.35"  # stored in full, shown to the centime
    assert (p["stock_actuel"], p["stock_disponible"], p["sous_seuil"]) == (0, 0, True)
    r = await world.http.post(
        "/api/v1/pieces", json={"reference": ref.upper(), "nom": "x"}, headers=world.h("admin")
    )
    assert r.status_code == 409, r.text
    r = await world.http.patch(
        f"/api/v1/pieces/{p['id']}", json={"nom": "Filtre à huile"}, headers=world.h("responsable")
    )
    assert r.status_code == 200 and r.json()["nom"] == "Filtre à huile" and r.json()["version"] == 2
    r = await world.http.patch(
        f"/api/v1/pieces/{p['id']}",
        json={"nom": "y"},
        headers={**world.h("admin"), "If-Match": "1"},
    )
    assert r.status_code == 412
    r = await world.http.patch(
        f"/api/v1/pieces/{p['id']}", json={"stock_maximum": 1}, headers=world.h("admin")
    )
    assert r.status_code == 422
    for bad in ({"reference": ""}, {"nom": "x"}, {"reference": "a", "nom": "b", "stock_minimum": 5,
                "stock_maximum": 4}, {"reference": "a", "nom": "b", "prix_unitaire": "-1"},
                {"reference": "a", "nom": "b", "zzz": 1}):  # fmt: skip
        r = await world.http.post("/api/v1/pieces", json=bad, headers=world.h("admin"))
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        await world.http.get("/api/v1/pieces/999999999", headers=world.h("admin"))
    ).status_code == 404
    # a technician reads, does not write
    assert (
        await world.http.get(f"/api/v1/pieces/{p['id']}", headers=world.h("technicien"))
    ).status_code == 200
    r = await world.http.patch(
        f"/api/v1/pieces/{p['id']}", json={"nom": "z"}, headers=world.h("technicien")
    )
    assert r.status_code == 403
    events = await world.events("piece.created", p["id"])
    assert events[0]["reference"] == ref


async def test_delete_or_deactivate(world) -> None:
    jamais = await world.piece()
    r = await world.http.delete(f"/api/v1/pieces/{jamais['id']}", headers=world.h("admin"))
    assert r.status_code == 204
    assert (
        await world.http.get(f"/api/v1/pieces/{jamais['id']}", headers=world.h("admin"))
    ).status_code == 404
    bougee = await world.piece()
    await world.entree(bougee["id"], 5)
    r = await world.http.delete(f"/api/v1/pieces/{bougee['id']}", headers=world.h("admin"))
    assert r.status_code == 200 and r.json()["active"] is False
    assert len(await world.events("piece.desactivee", bougee["id"])) == 1
    r = await world.mouvement(bougee["id"], type_mouvement="entree", quantite=1, prix_unitaire="1")
    assert r.status_code == 409


async def test_filters_search_and_pages(world) -> None:
    tag = uuid.uuid4().hex[:6]
    fournisseur = f"Fournisseur {tag}"
    a = await world.piece(reference=f"XK{tag}-A1", nom=f"Courroie trapézoïdale {tag}",
                          fournisseur=fournisseur, stock_minimum=0)  # fmt: skip
    b = await world.piece(reference=f"XK{tag}-B2", nom=f"Joint torique {tag}",
                          fournisseur=fournisseur, stock_minimum=5)  # fmt: skip
    c = await world.piece(reference=f"ZZ{tag}", nom="Courroie crantée", fournisseur=fournisseur)
    await world.entree(a["id"], 10)
    await world.entree(b["id"], 3)

    async def ids(**params) -> list[int]:
        r = await world.http.get("/api/v1/pieces", params=params, headers=world.h("admin"))
        assert r.status_code == 200, r.text
        return [p["id"] for p in r.json()["items"]]

    assert await ids(fournisseur=fournisseur.upper()) == [a["id"], b["id"], c["id"]]
    assert await ids(fournisseur=fournisseur, sous_seuil="true") == [b["id"], c["id"]]
    assert await ids(fournisseur=fournisseur, sous_seuil="false") == [a["id"]]
    assert await ids(q=f"xk{tag}") == [a["id"], b["id"]]  # reference prefix, any case
    assert await ids(q=f"xk{tag}-b") == [b["id"]]
    assert await ids(q=f"courr {tag}") == [a["id"]]  # every word starts a word of the name
    assert await ids(q="%", fournisseur=fournisseur) == []  # LIKE wildcards are literal
    await world.http.patch(f"/api/v1/pieces/{c['id']}", json={"active": False},
                           headers=world.h("admin"))  # fmt: skip
    assert await ids(fournisseur=fournisseur, active="false") == [c["id"]]
    r = await world.http.get("/api/v1/pieces", params={"fournisseur": fournisseur, "limit": 2},
                             headers=world.h("admin"))  # fmt: skip
    page = r.json()
    assert [p["id"] for p in page["items"]] == [a["id"], b["id"]] and page["next_cursor"]
    r = await world.http.get(
        "/api/v1/pieces",
        params={"fournisseur": fournisseur, "limit": 2, "cursor": page["next_cursor"]},
        headers=world.h("admin"),
    )
    assert [p["id"] for p in r.json()["items"]] == [c["id"]] and r.json()["next_cursor"] is None
    bad = await world.http.get("/api/v1/pieces", params={"cursor": "!!"}, headers=world.h("admin"))
    assert bad.status_code == 400
