"""Gapless numbering under truly concurrent emissions, on committed data."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from billing.main import create_app
from shared.testing.plugin import asgi_client, trust_test_tokens

from .conftest import next_id, seed_client


async def test_twenty_concurrent_emissions_get_twenty_consecutive_numbers(migrate, tokens):
    migrate("billing")
    app = create_app()
    trust_test_tokens(app, tokens)
    db = app.state.db
    client_id = next_id()
    await seed_client(db.sessionmaker, client_id)
    admin = tokens.headers("admin", 1)
    async with asgi_client(app) as http:
        ids = []
        for n in range(20):
            r = await http.post(
                "/api/v1/factures",
                json={"client_id": client_id, "lignes": [
                    {"designation": f"Prestation {n}", "quantite": "1", "prix_unitaire": "100"}
                ]},
                headers=admin,
            )  # fmt: skip
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        async with db.sessionmaker() as session:
            before = await session.scalar(
                sa.text(
                    "SELECT coalesce(max(dernier), 0) FROM billing.compteurs "
                    "WHERE serie = 'FAC' AND annee = extract(year FROM now() AT TIME ZONE "
                    "'Africa/Casablanca')"
                )
            )
        results = await asyncio.gather(
            *(http.post(f"/api/v1/factures/{i}/emission", headers=admin) for i in ids)
        )
        assert [r.status_code for r in results] == [200] * 20, [r.text for r in results]
    async with db.sessionmaker() as session:
        rows = (
            (
                await session.execute(
                    sa.text(
                        "SELECT numero_facture FROM billing.factures WHERE id = ANY(:ids) "
                        "ORDER BY numero_facture"
                    ),
                    {"ids": ids},
                )
            )
            .scalars()
            .all()
        )
        after = await session.scalar(
            sa.text(
                "SELECT dernier FROM billing.compteurs WHERE serie = 'FAC' "
                "AND annee = extract(year FROM now() AT TIME ZONE 'Africa/Casablanca')"
            )
        )
    numbers = [int(n.rsplit("-", 1)[1]) for n in rows]
    assert numbers == list(range(before + 1, before + 21))
    assert after == before + 20
    year = rows[0].split("-")[1]
    assert all(n.startswith(f"FAC-{year}-") and len(n) == 15 for n in rows)
    await db.dispose()
