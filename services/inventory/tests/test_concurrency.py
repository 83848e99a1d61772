"""No race oversells: truly concurrent requests on committed data."""

from __future__ import annotations

import asyncio
import random

from .conftest import World


async def test_fifty_consumptions_on_twenty(world: World) -> None:
    p = await world.piece(stock_minimum=0, stock_maximum=100)
    await world.entree(p["id"], 12)
    await world.entree(p["id"], 8, emplacement="entrepot-nord")
    interventions = [await world.intervention("en_cours") for _ in range(5)]
    answers = await asyncio.gather(
        *(
            world.post(
                f"/interventions/{interventions[n % 5]}/pieces",
                "admin",
                {"piece_id": p["id"], "quantite": 1},
            )
            for n in range(50)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 20 + [409] * 30, codes
    piece = await world.get_piece(p["id"])
    assert piece["stock_actuel"] == 0
    await world.invariants(p["id"])
    used = await world.rows(
        "SELECT sum(quantite) FROM inventory.intervention_pieces WHERE piece_id = :p", p=p["id"]
    )
    assert used == [(20,)]


async def test_reservations_and_consumptions_mixed(world: World) -> None:
    p = await world.piece(stock_minimum=0, stock_maximum=100)
    await world.entree(p["id"], 20)
    ouvertes = [await world.intervention("affectee") for _ in range(5)]
    en_cours = [await world.intervention("en_cours") for _ in range(5)]
    calls = []
    for n in range(50):
        if n % 2:
            calls.append(
                world.post(
                    f"/interventions/{ouvertes[n % 5]}/reservations",
                    "admin",
                    {"piece_id": p["id"], "quantite": 1},
                )
            )
        else:
            calls.append(
                world.post(
                    f"/interventions/{en_cours[n % 5]}/pieces",
                    "admin",
                    {"piece_id": p["id"], "quantite": 1},
                )
            )
    random.shuffle(calls)
    answers = await asyncio.gather(*calls)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 20 + [409] * 30, codes
    piece = await world.get_piece(p["id"])
    # whatever was not used is held: nothing is left free
    assert piece["stock_actuel"] == piece["stock_reserve"]
    assert piece["stock_disponible"] == 0
    await world.invariants(p["id"])
    # the reserving interventions start and use what they hold, concurrently too
    for iid in ouvertes:
        await world.intervention_statut(iid, "en_cours")
    held = {
        iid: sum(
            r["quantite"] for r in (await world.get(f"/interventions/{iid}/reservations")).json()
        )
        for iid in ouvertes
    }
    answers = await asyncio.gather(
        *(
            world.post(
                f"/interventions/{iid}/pieces", "admin", {"piece_id": p["id"], "quantite": q}
            )
            for iid, q in held.items()
            if q
        )
    )
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    piece = await world.get_piece(p["id"])
    assert (piece["stock_actuel"], piece["stock_reserve"]) == (0, 0)
    await world.invariants(p["id"])
