"""Movements: entree/sortie/ajustement/transfert, limits answered 409 with the numbers,
stock per location, append-only ledger, low-stock alerts once per crossing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


async def test_movements_and_limits(world) -> None:
    p = await world.piece(stock_minimum=2, stock_maximum=30)
    pid = p["id"]
    m = await world.entree(pid, 20, "20.00")
    assert (m["type_mouvement"], m["quantite"], m["stock_apres"], m["emplacement"]) == (
        "entree", 20, 20, "entrepot",
    )  # fmt: skip
    r = await world.mouvement(pid, type_mouvement="entree", quantite=11, prix_unitaire="1")
    assert r.status_code == 409, r.text
    body = r.json()
    numbers = [body[k] for k in ("stock_actuel", "quantite", "stock_maximum", "entree_maximum")]
    assert numbers == [20, 11, 30, 10]
    await world.entree(pid, 10, "35.00", emplacement="entrepot-agadir")
    piece = await world.get_piece(pid)
    # (20*20 + 10*35) / 30 = 25
    assert (piece["stock_actuel"], piece["prix_unitaire"]) == (30, "25.00")

    r = await world.mouvement(pid, type_mouvement="sortie", quantite=21)
    assert r.status_code == 409 and r.json()["disponible"] == 20  # entrepot holds 20
    r = await world.mouvement(pid, type_mouvement="sortie", quantite=5, commentaire="casse")
    assert r.status_code == 201 and r.json()["stock_apres"] == 25, r.text

    r = await world.mouvement(pid, type_mouvement="ajustement", quantite=12)
    assert r.status_code == 422  # a count needs a comment
    r = await world.mouvement(pid, type_mouvement="ajustement", quantite=12,
                              commentaire="inventaire annuel")  # fmt: skip
    assert r.status_code == 201 and (r.json()["quantite"], r.json()["stock_apres"]) == (-3, 22)

    r = await world.mouvement(pid, type_mouvement="transfert", quantite=4,
                              emplacement_destination=f"van-{world.technicien_id}")  # fmt: skip
    assert r.status_code == 201 and r.json()["stock_apres"] == 22
    r = await world.mouvement(pid, type_mouvement="transfert", quantite=1,
                              emplacement_destination="van-999999999")  # fmt: skip
    assert r.status_code == 422  # no such technician
    r = await world.mouvement(pid, type_mouvement="transfert", quantite=9,
                              emplacement_destination="entrepot")  # fmt: skip
    assert r.status_code == 422
    for bad in (
        {"type_mouvement": "entree", "quantite": 1},
        {"type_mouvement": "sortie", "quantite": 0},
        {"type_mouvement": "sortie", "quantite": -1},
        {"type_mouvement": "vol", "quantite": 1},
        {"type_mouvement": "transfert", "quantite": 1},
        {"type_mouvement": "sortie", "quantite": 1, "emplacement": "../x"},
    ):
        r = await world.mouvement(pid, **bad)
        assert r.status_code == 422, (bad, r.text)

    r = await world.http.get("/api/v1/stock", params={"piece_id": pid}, headers=world.h("admin"))
    stock = {s["emplacement"]: s["quantite"] for s in r.json()["items"]}
    assert stock == {"entrepot": 8, "entrepot-agadir": 10, f"van-{world.technicien_id}": 4}
    # a technician sees its own van only
    r = await world.http.get(
        "/api/v1/stock", params={"piece_id": pid}, headers=world.h("technicien")
    )
    assert [(s["emplacement"], s["quantite"]) for s in r.json()["items"]] == [
        (f"van-{world.technicien_id}", 4)
    ]
    r = await world.http.get("/api/v1/stock", params={"emplacement": "entrepot"},
                             headers=world.h("technicien"))  # fmt: skip
    assert r.status_code == 403
    r = await world.http.get(f"/api/v1/pieces/{pid}/mouvements", headers=world.h("admin"))
    assert [m["type_mouvement"] for m in r.json()["items"]] == [
        "transfert", "ajustement", "sortie", "entree", "entree",
    ]  # fmt: skip
    await world.invariants(pid)
    events = await world.events("stock.mouvement", pid)
    assert [e["stock_apres"] for e in events] == [20, 30, 25, 22, 22]


async def test_movements_are_append_only(world) -> None:
    p = await world.piece()
    await world.entree(p["id"], 3)
    async with world.session_factory() as session, session.begin():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            await session.execute(
                sa.text("UPDATE inventory.mouvements_stock SET quantite = 5 WHERE piece_id = :p"),
                {"p": p["id"]},
            )


async def test_low_stock_once_per_crossing(world) -> None:
    p = await world.piece(stock_minimum=5, stock_maximum=50)
    pid = p["id"]
    await world.entree(pid, 10)  # above: armed
    for _ in range(3):  # 10 -> 7 -> 4 (crossing) -> 1
        r = await world.mouvement(pid, type_mouvement="sortie", quantite=3)
        assert r.status_code == 201
    alerts = await world.events("stock.seuil_bas", pid)
    assert alerts == [{
        "piece_id": pid, "reference": p["reference"], "nom": p["nom"], "stock_disponible": 4,
        "stock_minimum": 5, "stock_maximum": 50, "quantite_a_commander": 46,
    }]  # fmt: skip
    await world.entree(pid, 9)  # 10: re-armed
    r = await world.mouvement(pid, type_mouvement="sortie", quantite=5)  # 5: reaches it
    alerts = await world.events("stock.seuil_bas", pid)
    assert [a["stock_disponible"] for a in alerts] == [4, 5]
