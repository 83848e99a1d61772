"""Billing-grade times and costs: working periods, waiting time, response time, labour and
parts costs, corrections after closing (issue 8)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from interventions.config import Settings
from interventions.events import HANDLERS
from interventions.main import create_app
from shared.events import Event
from shared.events.consumer import apply_event

from shared import clock

from .conftest import World

T0 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
URL = "/api/v1/interventions"


class FixedClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = T0
        monkeypatch.setattr(clock, "utcnow", lambda: self.now)

    def at(self, hours: float) -> None:
        self.now = T0 + dt.timedelta(hours=hours)


class SavepointDatabase:
    def __init__(self, sessionmaker: Any) -> None:
        self.sessionmaker = sessionmaker


async def _events(world: World, iid: int, type_: str) -> list[dict[str, Any]]:
    rows = await world.rows(
        "SELECT payload FROM interventions.outbox WHERE type = :t"
        " AND payload->>'aggregate_id' = :i ORDER BY seq",
        t=type_,
        i=str(iid),
    )
    return [r[0]["data"] for r in rows]


async def _worked_2h_paused_3h_worked_1h(world: World, fixed: FixedClock) -> dict[str, Any]:
    i = await world.intervention()  # created at T0 - 1 h
    assert (await world.affecter(i["id"])).status_code == 200
    fixed.at(1)
    assert (await world.move(i["id"], "en_cours", who="technicien")).status_code == 200
    fixed.at(3)
    r = await world.move(i["id"], "en_attente", who="technicien", motif_attente="pieces")
    assert r.status_code == 200
    assert r.json()["motif_attente"] == "pieces"
    fixed.at(6)
    assert (await world.move(i["id"], "en_cours", who="technicien")).status_code == 200
    fixed.at(7)
    r = await world.move(i["id"], "cloturee", who="technicien", solution="joint changé")
    assert r.status_code == 200, r.text
    return r.json()


async def test_duration_is_the_sum_of_working_periods(world: World, monkeypatch) -> None:
    fixed = FixedClock(monkeypatch)
    fixed.at(-1)
    closed = await _worked_2h_paused_3h_worked_1h(world, fixed)
    assert closed["duree_reelle"] == "3.00"
    assert closed["duree_attente"] == "3.00"
    assert closed["date_affectation"] == "2026-12-07T07:00:00Z"
    assert closed["date_prise_en_charge"] == "2026-12-07T09:00:00Z"
    assert closed["delai_prise_en_charge"] == "2.00"
    assert [(p["statut"], p["debut"], p["fin"]) for p in closed["periodes"]] == [
        ("en_cours", "2026-12-07T09:00:00Z", "2026-12-07T11:00:00Z"),
        ("en_attente", "2026-12-07T11:00:00Z", "2026-12-07T14:00:00Z"),
        ("en_cours", "2026-12-07T14:00:00Z", "2026-12-07T15:00:00Z"),
    ]
    # labour: 3 h at the default 250.00 MAD/h, no parts
    assert closed["cout_main_oeuvre"] == "750.00"
    assert closed["cout_pieces"] == "0.00"
    assert closed["cout_reel"] == "750.00"
    (event,) = await _events(world, closed["id"], "intervention.cloturee")
    assert event["duree_reelle"] == "3.00"
    assert event["duree_attente"] == "3.00"
    assert event["date_prise_en_charge"] == "2026-12-07T09:00:00Z"
    assert event["date_affectation"] == "2026-12-07T07:00:00Z"
    assert event["cout_reel"] == "750.00"
    assert event["sous_garantie"] is False
    assert len(event["periodes"]) == 3
    waiting = await _events(world, closed["id"], "intervention.statut_change")
    assert [e["statut"] for e in waiting] == ["en_cours", "en_attente", "en_cours"]
    assert waiting[1]["motif_attente"] == "pieces"
    assert waiting[2]["duree_attente"] == "3.00"


async def test_hourly_rate_of_the_technician(
    migrate, app_client, db_session, tokens, monkeypatch
) -> None:
    from .conftest import next_id, seed_replicas

    migrate("interventions")
    ids = [next_id() for _ in range(4)]
    await seed_replicas(db_session, ids[:2], [(ids[2], "disponible"), (ids[3], "disponible")])
    settings = Settings(
        taux_horaire=Decimal("200.00"), taux_horaire_techniciens={ids[2]: Decimal("320.50")}
    )
    async with app_client(create_app(settings)) as http:
        world = World(http, tokens, db_session, ids[0], ids[1], ids[2], ids[3])
        fixed = FixedClock(monkeypatch)
        closed = await _worked_2h_paused_3h_worked_1h(world, fixed)
        assert closed["cout_main_oeuvre"] == "961.50"  # 3 h x 320.50
        other = await world.intervention()
        await world.affecter(other["id"], technicien_id=ids[3])
        fixed.at(10)
        await world.move(other["id"], "en_cours")
        fixed.at(11.5)
        r = await world.move(other["id"], "cloturee", solution="ok")
        assert r.json()["cout_main_oeuvre"] == "300.00"  # 1.5 h x the default 200.00


def _piece(iid: int, montant: str, quantite: int = 1) -> Event:
    return Event(
        type="piece.consommee",
        producer="inventory",
        aggregate_id=str(uuid.uuid4()),
        actor_id=9,
        data={
            "id": 1, "intervention_id": iid, "client_id": 1, "technicien_id": None,
            "piece_id": 3, "reference": "JNT-10", "nom": "Joint", "quantite": quantite,
            "prix_unitaire": montant, "montant": montant,
        },
    )  # fmt: skip


async def test_parts_before_and_after_closing(world: World, monkeypatch) -> None:
    db = SavepointDatabase(world.session_factory)
    fixed = FixedClock(monkeypatch)
    i = await world.intervention()
    await world.affecter(i["id"])
    await world.move(i["id"], "en_cours")
    first = _piece(i["id"], "120.50")
    assert await apply_event(db, "interventions", HANDLERS, first)  # type: ignore[arg-type]
    assert not await apply_event(db, "interventions", HANDLERS, first)  # type: ignore[arg-type]
    fixed.at(2)
    closed = (await world.move(i["id"], "cloturee", solution="ok")).json()
    assert closed["cout_pieces"] == "120.50"
    assert closed["cout_reel"] == "620.50"  # 2 h x 250.00 + 120.50
    assert (
        await world.count(
            "SELECT count(*) FROM interventions.outbox WHERE type = 'intervention.corrigee'"
            " AND payload->>'aggregate_id' = :i",
            i=str(i["id"]),
        )
        == 0
    )
    # a part returned after closing: cout_reel follows, published once as a correction
    back = _piece(i["id"], "-20.50", quantite=-1)
    assert await apply_event(db, "interventions", HANDLERS, back)  # type: ignore[arg-type]
    assert not await apply_event(db, "interventions", HANDLERS, back)  # type: ignore[arg-type]
    (corrigee,) = await _events(world, i["id"], "intervention.corrigee")
    assert corrigee["avant"] == {"cout_pieces": "120.50", "cout_reel": "620.50"}
    assert corrigee["apres"] == {"cout_pieces": "100.00", "cout_reel": "600.00"}
    unknown = _piece(987_654_321, "10.00")
    assert await apply_event(db, "interventions", HANDLERS, unknown)  # type: ignore[arg-type]


async def test_correction_after_closing(world: World, monkeypatch) -> None:
    fixed = FixedClock(monkeypatch)
    closed = await _worked_2h_paused_3h_worked_1h(world, fixed)
    url = f"{URL}/{closed['id']}"
    body = {"duree_reelle": "2.50", "rapport": "Joint et filtre changés"}
    r = await world.http.patch(url, json=body, headers=world.h("admin"))
    assert r.status_code == 428
    assert r.headers["content-type"].startswith("application/problem+json")
    stale = {**world.h("admin"), "If-Match": str(closed["version"] - 1)}
    assert (await world.http.patch(url, json=body, headers=stale)).status_code == 412
    current = {"If-Match": str(closed["version"])}
    r = await world.http.patch(url, json=body, headers={**world.h("technicien"), **current})
    assert r.status_code == 403
    r = await world.http.patch(
        url, json={"titre": "Autre"}, headers={**world.h("admin"), **current}
    )
    assert r.status_code == 409
    r = await world.http.patch(url, json=body, headers={**world.h("admin"), **current})
    assert r.status_code == 200, r.text
    fixed_one = r.json()
    assert fixed_one["duree_reelle"] == "2.50"
    assert fixed_one["cout_main_oeuvre"] == "625.00"
    assert fixed_one["cout_reel"] == "625.00"
    assert fixed_one["rapport"] == "Joint et filtre changés"
    assert fixed_one["statut"] == "cloturee"
    (event,) = await _events(world, closed["id"], "intervention.corrigee")
    assert event["avant"] == {
        "duree_reelle": "3.00", "cout_main_oeuvre": "750.00", "cout_reel": "750.00",
        "rapport": None,
    }  # fmt: skip
    assert event["apres"] == {
        "duree_reelle": "2.50", "cout_main_oeuvre": "625.00", "cout_reel": "625.00",
        "rapport": "Joint et filtre changés",
    }  # fmt: skip
    history = await world.http.get(f"{url}/historique?verifier=true", headers=world.h("admin"))
    last = history.json()["items"][-1]
    assert last["action"] == "modification"
    assert last["description"].startswith("Correction après clôture")
    assert last["ancienne_valeur"]["duree_reelle"] == "3.00"
    assert last["nouvelle_valeur"]["duree_reelle"] == "2.50"
    assert last["user_id"] == 1
    assert history.json()["verification"]["intact"] is True
    # corrected periods give the durations again
    periodes = [
        {"statut": "en_cours", "debut": "2026-12-07T09:00:00Z", "fin": "2026-12-07T10:00:00Z"},
        {"statut": "en_attente", "debut": "2026-12-07T10:00:00Z", "fin": "2026-12-07T10:30:00Z",
         "motif": "client"},
    ]  # fmt: skip
    r = await world.http.patch(
        url,
        json={"periodes": periodes},
        headers={**world.h("admin"), "If-Match": str(fixed_one["version"])},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["duree_reelle"], r.json()["duree_attente"]) == ("1.00", "0.50")
    assert r.json()["cout_reel"] == "250.00"
    assert len(await _events(world, closed["id"], "intervention.corrigee")) == 2
    bad = [{"statut": "en_cours", "debut": "2026-12-07T10:00:00Z", "fin": "2026-12-07T09:00:00Z"}]
    r = await world.http.patch(
        url,
        json={"periodes": bad},
        headers={**world.h("admin"), "If-Match": str(r.json()["version"])},
    )
    assert r.status_code == 422


async def test_archived_stays_frozen(world: World) -> None:
    closed = await world.at("cloturee")
    async with world.session_factory() as session, session.begin():
        from sqlalchemy import text

        await session.execute(
            text("UPDATE interventions.interventions SET statut = 'archivee' WHERE id = :i"),
            {"i": closed["id"]},
        )
    r = await world.http.patch(
        f"{URL}/{closed['id']}",
        json={"rapport": "x"},
        headers={**world.h("admin"), "If-Match": str(closed["version"])},
    )
    assert r.status_code == 409
