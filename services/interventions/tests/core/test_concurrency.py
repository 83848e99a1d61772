"""Races on committed data, through real concurrent requests and transactions."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa
from interventions.interventions import periodic
from interventions.main import create_app
from shared.testing.plugin import asgi_client, trust_test_tokens

from .conftest import World, next_id, seed_replicas


async def test_two_simultaneous_transitions_cannot_both_succeed(migrate, tokens) -> None:
    migrate("interventions")
    app = create_app()
    trust_test_tokens(app, tokens)
    db = app.state.db
    ids = [next_id() for _ in range(4)]
    await seed_replicas(db.sessionmaker, ids[:2], [(ids[2], "disponible"), (ids[3], "disponible")])
    try:
        async with asgi_client(app) as http:
            world = World(http, tokens, db.sessionmaker, *ids)
            for pair in [("cloturee", "en_attente"), ("en_attente", "en_attente")] * 3:
                i = await world.at("en_cours")
                results = await asyncio.gather(
                    *(world.move(i["id"], s, solution="ok") for s in pair)
                )
                codes = sorted(r.status_code for r in results)
                assert codes == [200, 409], [r.text for r in results]
                winner = next(r for r in results if r.status_code == 200).json()
                final = (
                    await http.get(f"/api/v1/interventions/{i['id']}", headers=world.h("admin"))
                ).json()
                assert final["statut"] == winner["statut"]
                async with db.sessionmaker() as session:
                    n = (
                        await session.execute(
                            sa.text(
                                "SELECT count(*) FROM interventions.historiques_interventions "
                                "WHERE intervention_id = :i"
                            ),
                            {"i": i["id"]},
                        )
                    ).scalar_one()
                assert n == 4  # creation, affectation, en_cours, and one winner only
                check = await http.get(
                    f"/api/v1/interventions/{i['id']}/historique?verifier=true",
                    headers=world.h("admin"),
                )
                assert check.json()["verification"]["intact"] is True

            # two generator runs at once open one preventive intervention per due date
            e = await world.equipement(
                prochaine_maintenance=str(dt.datetime.now(dt.UTC).date()),
                intervalle_maintenance_jours=30,
            )
            await asyncio.gather(
                periodic.generate_preventive(db, horizon_days=1, batch=5),
                periodic.generate_preventive(db, horizon_days=1, batch=5),
            )
            async with db.sessionmaker() as session:
                n = (
                    await session.execute(
                        sa.text(
                            "SELECT count(*) FROM interventions.interventions "
                            "WHERE equipement_id = :e AND type_intervention = 'preventive'"
                        ),
                        {"e": e["id"]},
                    )
                ).scalar_one()
            assert n == 1
    finally:
        await db.dispose()
