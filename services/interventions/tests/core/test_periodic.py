"""The periodic tasks' functions against the real database: preventive generation,
archival, audit retention; each idempotent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from interventions.interventions import periodic

from shared import clock


@dataclass
class SavepointDatabase:
    """A Database whose sessions are savepoints of the test's rolled-back transaction."""

    sessionmaker: Any


async def _preventives(world, equipement_id: int) -> list[Any]:
    return await world.rows(
        "SELECT id, statut, priorite, date_echeance_maintenance FROM interventions.interventions "
        "WHERE equipement_id = :e AND type_intervention = 'preventive' ORDER BY id",
        e=equipement_id,
    )


async def test_preventive_generation_once_per_due_date(world) -> None:
    today = clock.local_today()
    due = await world.equipement(
        prochaine_maintenance=str(today + dt.timedelta(days=3)), intervalle_maintenance_jours=90
    )
    overdue = await world.equipement(prochaine_maintenance=str(today - dt.timedelta(days=10)))
    later = await world.equipement(prochaine_maintenance=str(today + dt.timedelta(days=60)))
    retired = await world.equipement(prochaine_maintenance=str(today))
    for step in ("panne", "retire"):
        await world.http.post(
            f"/api/v1/equipements/{retired['id']}/statut",
            json={"statut": step},
            headers=world.h("admin"),
        )
    db = SavepointDatabase(world.session_factory)
    first = await periodic.generate_preventive(db, horizon_days=14, batch=2)
    second = await periodic.generate_preventive(db, horizon_days=14, batch=2)
    assert first >= 2 and second == 0
    [(iid, statut, priorite, echeance)] = await _preventives(world, due["id"])
    assert (statut, priorite, echeance) == ("ouverte", "programmee", today + dt.timedelta(days=3))
    assert len(await _preventives(world, overdue["id"])) == 1
    assert await _preventives(world, later["id"]) == []
    assert await _preventives(world, retired["id"]) == []
    hist = await world.rows(
        "SELECT action, user_id FROM interventions.historiques_interventions "
        "WHERE intervention_id = :i",
        i=iid,
    )
    assert hist == [("creation", None)]
    assert (
        await world.count(
            "SELECT count(*) FROM interventions.outbox WHERE type = 'intervention.created' "
            "AND payload->>'aggregate_id' = :i",
            i=str(iid),
        )
        == 1
    )

    # closing it moves the equipment's schedule on by its interval
    assert (await world.affecter(iid)).status_code == 200
    assert (await world.move(iid, "en_cours")).status_code == 200
    assert (await world.move(iid, "cloturee", solution="graissage")).status_code == 200
    e = (await world.http.get(f"/api/v1/equipements/{due['id']}", headers=world.h("admin"))).json()
    assert e["prochaine_maintenance"] == str(today + dt.timedelta(days=90))
    assert e["derniere_maintenance"] is not None
    assert await periodic.generate_preventive(db, horizon_days=14) == 0
    assert len(await _preventives(world, due["id"])) == 1
    # and the database refuses a second one for the same due date
    async with world.session_factory() as session:
        try:
            async with session.begin():
                await session.execute(
                    sa.text(
                        "INSERT INTO interventions.interventions (equipement_id, client_id, titre, "
                        "type_intervention, date_echeance_maintenance) "
                        "VALUES (:e, :c, 'dup', 'preventive', :d)"
                    ),
                    {"e": due["id"], "c": world.client_id, "d": today + dt.timedelta(days=3)},
                )
            raise AssertionError("duplicate preventive accepted")
        except sa.exc.IntegrityError as exc:
            assert "uq_intervention_preventive_echeance" in str(exc)


async def test_archival_and_its_history(world) -> None:
    old = await world.at("cloturee")
    fresh = await world.at("cloturee")
    async with world.session_factory() as session, session.begin():
        await session.execute(
            sa.text(
                "UPDATE interventions.interventions "
                "SET date_debut = date_debut - interval '3 years', "
                "date_fin = date_fin - interval '3 years' WHERE id = :i"
            ),
            {"i": old["id"]},
        )
    db = SavepointDatabase(world.session_factory)
    assert await periodic.archive(db, after_days=730, batch=1) >= 1
    assert await periodic.archive(db, after_days=730) == 0
    got = (
        await world.http.get(f"/api/v1/interventions/{old['id']}", headers=world.h("admin"))
    ).json()
    assert got["statut"] == "archivee"
    still = (
        await world.http.get(f"/api/v1/interventions/{fresh['id']}", headers=world.h("admin"))
    ).json()
    assert still["statut"] == "cloturee"
    hist = (
        await world.http.get(
            f"/api/v1/interventions/{old['id']}/historique?verifier=true", headers=world.h("admin")
        )
    ).json()
    assert hist["items"][-1]["nouvelle_valeur"]["statut"] == "archivee"
    assert hist["verification"]["intact"] is True
    assert (
        await world.count(
            "SELECT count(*) FROM interventions.outbox WHERE type = 'intervention.archivee' "
            "AND payload->>'aggregate_id' = :i",
            i=str(old["id"]),
        )
        == 1
    )
    for target in ("cloturee", "en_cours", "annulee", "ouverte"):
        assert (await world.move(old["id"], target)).status_code == 409


async def test_retention_purge_is_a_no_op_on_recent_rows(world) -> None:
    i = await world.at("en_cours")
    db = SavepointDatabase(world.session_factory)
    await periodic.purge_historique(db, retention_days=1095)
    n = await world.count(
        "SELECT count(*) FROM interventions.historiques_interventions WHERE intervention_id = :i",
        i=i["id"],
    )
    assert n == 3
