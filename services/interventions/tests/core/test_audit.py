"""The audit trail is append-only in the database, and tampering is detected."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from interventions.historique import service as historique
from shared.uow import UnitOfWork
from sqlalchemy.exc import DBAPIError


async def _fails(world, sql: str, params: dict, *, role: str | None = None) -> str:
    async with world.session_factory() as session:
        try:
            async with session.begin():
                if role:
                    await session.execute(sa.text(f"SET LOCAL ROLE {role}"))
                await session.execute(sa.text(sql), params)
        except DBAPIError as exc:
            return exc.orig.sqlstate  # type: ignore[union-attr,no-any-return]
    raise AssertionError(f"accepted: {sql}")


@pytest.mark.parametrize("role", [None, "interventions_svc"])
async def test_rows_cannot_be_updated_or_deleted(world, role) -> None:
    i = await world.at("affectee")
    p = {"i": i["id"]}
    update = (
        "UPDATE interventions.historiques_interventions SET description = 'x' "
        "WHERE intervention_id = :i"
    )
    delete = "DELETE FROM interventions.historiques_interventions WHERE intervention_id = :i"
    truncate = "TRUNCATE interventions.historiques_interventions"
    # 42501: the role has no such privilege, or the trigger refuses it
    assert await _fails(world, update, p, role=role) == "42501"
    assert await _fails(world, delete, p, role=role) == "42501"
    assert await _fails(world, truncate, {}, role=role) == "42501"
    # the setting only the purge function sets does not help the service's role
    async with world.session_factory() as session:
        with pytest.raises(DBAPIError):
            async with session.begin():
                await session.execute(sa.text("SET LOCAL ROLE interventions_svc"))
                await session.execute(sa.text("SET LOCAL interventions.purge_historique = 'on'"))
                await session.execute(sa.text(delete), p)


async def test_service_role_can_write_the_trail(world) -> None:
    i = await world.intervention()
    async with world.session_factory() as session, session.begin():
        await session.execute(sa.text("SET LOCAL ROLE interventions_svc"))
        await historique.record(
            UnitOfWork(session, schema="interventions", producer="interventions"),
            intervention_id=i["id"],
            action="ajout_commentaire",
            description="commentaire",
            ancienne_valeur=None,
            nouvelle_valeur={"commentaire": "vu"},
            user_id=1,
        )
        await session.execute(sa.text("RESET ROLE"))
    r = await world.http.get(
        f"/api/v1/interventions/{i['id']}/historique?verifier=true", headers=world.h("admin")
    )
    assert r.json()["verification"] == {
        "intact": True,
        "rows": 2,
        "first_broken_id": None,
        "reason": None,
    }


async def test_superuser_tampering_is_detected(world) -> None:
    i = await world.at("en_cours")
    url = f"/api/v1/interventions/{i['id']}/historique?verifier=true"
    assert (await world.http.get(url, headers=world.h("admin"))).json()["verification"]["intact"]
    async with world.session_factory() as session, session.begin():
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        await session.execute(
            sa.text(
                "UPDATE interventions.historiques_interventions SET user_id = 999 "
                "WHERE id = (SELECT min(id) FROM interventions.historiques_interventions "
                "WHERE intervention_id = :i)"
            ),
            {"i": i["id"]},
        )
    v = (await world.http.get(url, headers=world.h("admin"))).json()["verification"]
    assert v["intact"] is False and v["first_broken_id"] is not None
    assert v["reason"] == "row content does not match its hash"


async def test_deleting_a_row_with_triggers_bypassed_is_detected(world) -> None:
    i = await world.at("en_cours")
    async with world.session_factory() as session, session.begin():
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        await session.execute(
            sa.text(
                "DELETE FROM interventions.historiques_interventions WHERE id = (SELECT id FROM "
                "interventions.historiques_interventions WHERE intervention_id = :i "
                "ORDER BY id OFFSET 1 LIMIT 1)"
            ),
            {"i": i["id"]},
        )
    url = f"/api/v1/interventions/{i['id']}/historique?verifier=true"
    v = (await world.http.get(url, headers=world.h("admin"))).json()["verification"]
    assert v["intact"] is False and v["reason"] == "prev_hash does not match"


async def test_purge_function_deletes_old_rows_and_keeps_the_chain_verifiable(world) -> None:
    old = await world.at("en_cours")
    recent = await world.at("affectee")
    # age the first two rows of `old` past retention (as a superuser, triggers bypassed:
    # the rows' hashes cover horodatage, so re-hash them the way the writer does)
    async with world.session_factory() as session, session.begin():
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        rows = (
            (
                await session.execute(
                    sa.text(
                        "SELECT id FROM interventions.historiques_interventions "
                        "WHERE intervention_id = :i ORDER BY id"
                    ),
                    {"i": old["id"]},
                )
            )
            .scalars()
            .all()
        )
        await session.execute(
            sa.text(
                "UPDATE interventions.historiques_interventions "
                "SET horodatage = horodatage - interval '4 years' WHERE id = ANY(:ids)"
            ),
            {"ids": list(rows[:2])},
        )
        await _rehash(session, old["id"])
        # SET LOCAL outlives the savepoint: restore the triggers for the rest of the test
        await session.execute(sa.text("SET LOCAL session_replication_role = origin"))
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=1095)
    async with world.session_factory() as session, session.begin():
        deleted = (
            await session.execute(
                sa.text("SELECT interventions.purge_historique(:b, 1000)"), {"b": before}
            )
        ).scalar_one()
    assert deleted >= 2
    for iid, rows_left in [(old["id"], 1), (recent["id"], 2)]:
        url = f"/api/v1/interventions/{iid}/historique?verifier=true"
        body = (await world.http.get(url, headers=world.h("admin"))).json()
        assert len(body["items"]) == rows_left
        assert body["verification"]["intact"] is True, body
    # outside the function, the flag is off again
    assert (
        await _fails(
            world,
            "DELETE FROM interventions.historiques_interventions WHERE intervention_id = :i",
            {"i": old["id"]},
        )
        == "42501"
    )


async def _rehash(session, intervention_id: int) -> None:
    from interventions.historique.chain import GENESIS, row_hash
    from interventions.historique.models import HistoriqueIntervention

    rows = (
        await session.scalars(
            sa.select(HistoriqueIntervention)
            .where(HistoriqueIntervention.intervention_id == intervention_id)
            .order_by(HistoriqueIntervention.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    prev = GENESIS
    for row in rows:
        row.prev_hash = prev
        row.hash = row_hash(
            intervention_id=row.intervention_id,
            user_id=row.user_id,
            action=row.action.value,
            description=row.description,
            ancienne_valeur=row.ancienne_valeur,
            nouvelle_valeur=row.nouvelle_valeur,
            horodatage=row.horodatage,
            adresse_ip=str(row.adresse_ip) if row.adresse_ip else None,
            user_agent=row.user_agent,
            prev_hash=prev,
        )
        prev = row.hash
    await session.flush()
