"""Every move of the state machine, for every role: allowed ones succeed with their side
effects, every other one answers 409 (or 404 where the role cannot see the row)."""

from __future__ import annotations

import pytest

from .test_workflow import EXPECTED

ROLES = ["admin", "responsable", "technicien", "autre_technicien", "client", "autre_client"]
STATES = ["ouverte", "affectee", "en_cours", "en_attente", "cloturee", "annulee"]
TARGETS = [*STATES, "archivee"]
ROLE_OF = {
    "admin": "admin",
    "responsable": "responsable",
    "technicien": "technicien",
    "client": "client",
}


def visible(role: str, state: str) -> bool:
    if role in ("autre_client", "autre_technicien"):
        return False
    if role == "technicien":
        return state not in ("ouverte", "annulee")  # assigned only from affectee on
    return True


def allowed(role: str, state: str, target: str) -> bool:
    return ROLE_OF.get(role) in EXPECTED.get((state, target), set())


async def test_every_transition_for_every_role(world) -> None:
    probes = {state: await world.at(state) for state in STATES}
    successes = 0
    for state in STATES:
        for role in ROLES:
            for target in TARGETS:
                if not visible(role, state):
                    expected = 404
                elif allowed(role, state, target):
                    expected = 200
                else:
                    expected = 409
                subject = await world.at(state) if expected == 200 else probes[state]
                r = await world.move(
                    subject["id"], target, who=role, solution="joint changé", commentaire="ok"
                )
                assert r.status_code == expected, (state, role, target, r.text)
                if expected == 200:
                    successes += 1
                    assert r.json()["statut"] == target
                else:
                    assert r.headers["content-type"].startswith("application/problem+json")
                    assert r.json()["status"] == expected
                    # the failed attempt changed nothing
                    again = await world.http.get(
                        f"/api/v1/interventions/{subject['id']}", headers=world.h("admin")
                    )
                    assert again.json()["statut"] == state
                    assert again.json()["version"] == subject["version"]
    # admin+responsable on 8 moves, technician on 4, owning client on 1
    assert successes == 8 + 8 + 4 + 1


async def test_side_effects_of_moves(world) -> None:
    i = await world.at("affectee")
    assert i["technicien_id"] == world.technicien_id
    r = await world.move(i["id"], "en_cours", who="technicien")
    assert r.status_code == 200 and r.json()["date_debut"] is not None
    started = r.json()["date_debut"]
    r = await world.move(i["id"], "en_attente", who="technicien", commentaire="pièce attendue")
    r = await world.move(i["id"], "en_cours", who="technicien")
    assert r.json()["date_debut"] == started  # resuming keeps the first start
    r = await world.move(i["id"], "cloturee", who="technicien")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "solution"
    r = await world.move(i["id"], "cloturee", who="technicien", solution="roulement remplacé")
    body = r.json()
    assert r.status_code == 200 and body["date_fin"] and body["duree_reelle"] is not None
    assert body["solution"] == "roulement remplacé"

    back = await world.at("affectee")
    r = await world.move(back["id"], "ouverte", who="responsable")
    assert r.status_code == 200 and r.json()["technicien_id"] is None


@pytest.mark.parametrize("dispo,status", [("conge", 409), ("indisponible", 409), ("occupe", 200)])
async def test_affectation_checks_the_replica(world, dispo, status) -> None:
    tid = await world.add_technicien(dispo)
    i = await world.intervention()
    r = await world.affecter(i["id"], technicien_id=tid)
    assert r.status_code == status, r.text


async def test_affectation_unknown_technician_and_roles(world) -> None:
    i = await world.intervention()
    r = await world.affecter(i["id"], technicien_id=987654321)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "technicien_id"
    for who in ("technicien", "client"):
        assert (await world.affecter(i["id"], who=who)).status_code == 403
    r = await world.http.post(
        f"/api/v1/interventions/{i['id']}/affectation", json={}, headers=world.h("admin")
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    closed = await world.at("cloturee")
    assert (await world.affecter(closed["id"])).status_code == 409


async def test_each_move_writes_one_history_row_and_one_event(world) -> None:
    i = await world.at("en_cours")
    sql_h = (
        "SELECT count(*) FROM interventions.historiques_interventions WHERE intervention_id = :i"
    )
    sql_e = "SELECT count(*) FROM interventions.outbox WHERE payload->>'aggregate_id' = :i"
    before_h = await world.count(sql_h, i=i["id"])
    before_e = await world.count(sql_e, i=str(i["id"]))
    r = await world.move(i["id"], "cloturee", solution="ok")
    assert r.status_code == 200
    assert await world.count(sql_h, i=i["id"]) == before_h + 1
    events = await world.rows(
        "SELECT type, payload FROM interventions.outbox WHERE payload->>'aggregate_id' = :i "
        "ORDER BY seq",
        i=str(i["id"]),
    )
    assert len(events) == before_e + 1
    type_, payload = events[-1]
    assert type_ == "intervention.cloturee"
    for key in (
        "client_id", "equipement_id", "technicien_id", "type_intervention", "priorite",
        "date_creation", "date_debut", "date_fin", "duree_estimee", "duree_reelle",
        "cout_estime", "cout_reel",
    ):  # fmt: skip
        assert key in payload["data"], key
