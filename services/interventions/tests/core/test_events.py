"""technicien.* and client.* feed the replicas, each event once, never older over newer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from interventions.events import EVENT_QUEUE, HANDLERS
from shared.events import Event
from shared.events.consumer import apply_event


@dataclass
class SavepointDatabase:
    sessionmaker: Any


def _tech(type_: str, when: dt.datetime, **data: Any) -> Event:
    payload = {
        "id": 424242, "user_id": 77, "username": "said", "full_name": "Saïd B.",
        "email": "s@example.ma", "specialite": "hydraulique", "disponibilite": "disponible",
        "equipe": "Nord", "zone_geographique": "Casablanca", "is_active": True,
    }  # fmt: skip
    payload.update(data)
    return Event(type=type_, producer="auth", aggregate_id="424242", occurred_at=when, data=payload)


async def test_bindings() -> None:
    assert EVENT_QUEUE.bindings == ["technicien.*", "client.*", "piece.consommee"]


async def test_replica_follows_events(world) -> None:
    db = SavepointDatabase(world.session_factory)
    t0 = dt.datetime.now(dt.UTC)
    created = _tech("technicien.created", t0)
    assert await apply_event(db, "interventions", HANDLERS, created)  # type: ignore[arg-type]
    assert not await apply_event(db, "interventions", HANDLERS, created)  # type: ignore[arg-type]
    conge = _tech("technicien.updated", t0 + dt.timedelta(seconds=2), disponibilite="conge")
    stale = _tech("technicien.updated", t0 + dt.timedelta(seconds=1), disponibilite="occupe")
    await apply_event(db, "interventions", HANDLERS, conge)  # type: ignore[arg-type]
    await apply_event(db, "interventions", HANDLERS, stale)  # type: ignore[arg-type]
    rows = await world.rows(
        "SELECT disponibilite, is_active, username FROM interventions.techniciens_replica "
        "WHERE id = 424242"
    )
    assert rows == [("conge", True, "said")]
    i = await world.intervention()
    assert (await world.affecter(i["id"], technicien_id=424242)).status_code == 409
    gone = _tech("technicien.deleted", t0 + dt.timedelta(seconds=3), disponibilite="disponible")
    await apply_event(db, "interventions", HANDLERS, gone)  # type: ignore[arg-type]
    assert (await world.affecter(i["id"], technicien_id=424242)).status_code == 409

    client = Event(
        type="client.created",
        producer="auth",
        aggregate_id="515151",
        data={"id": 515151, "user_id": 78, "username": "acme", "nom_entreprise": "ACME",
              "is_active": True},
    )  # fmt: skip
    await apply_event(db, "interventions", HANDLERS, client)  # type: ignore[arg-type]
    r = await world.http.post(
        "/api/v1/equipements",
        json={"client_id": 515151, "nom": "Four", "numero_serie": "SN-acme-1"},
        headers=world.h("admin"),
    )
    assert r.status_code == 201
