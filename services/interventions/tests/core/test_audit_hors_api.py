"""A change made directly in SQL, outside the service, is audited by the database into
the same hash chain, and the chain still verifies (issue 8)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import sqlalchemy as sa
from shared.db import libpq_url
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import World


async def _committed(engine: AsyncEngine, client_id: int) -> tuple[int, int]:
    """An equipment and an intervention committed through a service-marked connection."""
    async with engine.begin() as conn:
        eid = (
            await conn.execute(
                sa.text(
                    "INSERT INTO interventions.equipements (client_id, nom, numero_serie,"
                    " version) VALUES (:c, 'Groupe froid', :n, 1) RETURNING id"
                ),
                {"c": client_id, "n": f"SN-{uuid.uuid4().hex}"},
            )
        ).scalar_one()
        iid = (
            await conn.execute(
                sa.text(
                    "INSERT INTO interventions.interventions (equipement_id, client_id, titre,"
                    " version) VALUES (:e, :c, 'Bruit', 1) RETURNING id"
                ),
                {"e": eid, "c": client_id},
            )
        ).scalar_one()
    return eid, iid


async def _trail(world: World, url: str) -> dict[str, Any]:
    r = await world.http.get(f"{url}/historique?verifier=true", headers=world.h("admin"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_sql_update_appears_in_the_history_and_the_chain_holds(
    world: World, engine: AsyncEngine, test_env: dict[str, str]
) -> None:
    eid, iid = await _committed(engine, world.client_id)
    url = f"/api/v1/interventions/{iid}"
    assert (await _trail(world, url))["items"] == []  # the service's own writes: no row
    # a DBA's manual SQL: a plain connection, without the services' marker
    with psycopg.connect(libpq_url(test_env["DATABASE_URL"]), autocommit=True) as dba:
        dba.execute(
            "UPDATE interventions.interventions SET titre = 'Bruit moteur', priorite = 'haute'"
            " WHERE id = %s",
            [iid],
        )
        dba.execute(
            "UPDATE interventions.interventions SET titre = 'Bruit moteur' WHERE id = %s", [iid]
        )  # no change: no row
        dba.execute(
            "UPDATE interventions.equipements SET localisation = 'Toit' WHERE id = %s", [eid]
        )
    body = await _trail(world, url)
    (row,) = body["items"]
    assert row["action"] == "modification"
    assert row["user_id"] is None
    assert row["origine"] == "sql"
    assert row["description"].startswith("Modification hors API (UPDATE en SQL direct")
    assert row["ancienne_valeur"] == {"titre": "Bruit", "priorite": "normale"}
    assert row["nouvelle_valeur"] == {"titre": "Bruit moteur", "priorite": "haute"}
    assert body["verification"] == {
        "intact": True, "rows": 1, "first_broken_id": None, "reason": None
    }  # fmt: skip
    # the service's next row chains on the trigger's
    r = await world.http.patch(url, json={"description": "côté nord"}, headers=world.h("admin"))
    assert r.status_code == 200, r.text
    body = await _trail(world, url)
    assert [i["origine"] for i in body["items"]] == ["sql", "api"]
    assert body["items"][1]["prev_hash"] == body["items"][0]["hash"]
    assert body["verification"]["intact"] is True
    equipement = await _trail(world, f"/api/v1/equipements/{eid}")
    (erow,) = equipement["items"]
    assert (erow["ancienne_valeur"], erow["nouvelle_valeur"]) == (
        {"localisation": None},
        {"localisation": "Toit"},
    )
    assert equipement["verification"]["intact"] is True


async def test_a_forged_trigger_row_breaks_the_chain(
    world: World, engine: AsyncEngine, test_env: dict[str, str]
) -> None:
    _, iid = await _committed(engine, world.client_id)
    with psycopg.connect(libpq_url(test_env["DATABASE_URL"]), autocommit=True) as dba:
        dba.execute("UPDATE interventions.interventions SET titre = 'x' WHERE id = %s", [iid])
    # rewriting the row's content (as the purge function's owner could) is detected
    async with world.session_factory() as session, session.begin():
        await session.execute(sa.text("SET LOCAL interventions.purge_historique = 'on'"))
        await session.execute(
            sa.text(
                "UPDATE interventions.historiques_interventions SET nouvelle_valeur ="
                ' \'{"titre": "y"}\' WHERE intervention_id = :i'
            ),
            {"i": iid},
        )
    body = await _trail(world, f"/api/v1/interventions/{iid}")
    assert body["verification"]["intact"] is False
    assert body["verification"]["reason"] == "row content does not match its hash"
