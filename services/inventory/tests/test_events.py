"""intervention.* and technicien.* feed the replicas; a closed or cancelled intervention's
reservations are released once, however often the event is delivered; the hourly sweep
sends a missed low-stock alert once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from inventory.events import EVENT_QUEUE, HANDLERS
from inventory.stock import alertes
from shared.events import Event
from shared.events.consumer import apply_event

from .conftest import next_id


@dataclass
class Db:
    sessionmaker: Any


def _intervention(type_: str, iid: int, statut: str, when: dt.datetime, **extra: Any) -> Event:
    data = {"id": iid, "statut": statut, "technicien_id": None, "client_id": 42, **extra}
    return Event(
        type=type_, producer="interventions", aggregate_id=str(iid), occurred_at=when, data=data
    )


async def test_bindings() -> None:
    assert EVENT_QUEUE.bindings == ["intervention.*", "technicien.*"]


async def test_replica_and_release_once(world) -> None:
    db = Db(world.session_factory)
    p = await world.piece(stock_minimum=0)
    await world.entree(p["id"], 10)
    iid, t0 = next_id(), dt.datetime.now(dt.UTC)
    created = _intervention("intervention.created", iid, "ouverte", t0)
    assert await apply_event(db, "inventory", HANDLERS, created)  # type: ignore[arg-type]
    assert not await apply_event(db, "inventory", HANDLERS, created)  # type: ignore[arg-type]
    r = await world.post(
        f"/interventions/{iid}/reservations", "admin", {"piece_id": p["id"], "quantite": 3}
    )
    assert r.status_code == 201, r.text
    r = await world.post(
        f"/interventions/{iid}/reservations", "admin", {"piece_id": p["id"], "quantite": 2}
    )
    assert (await world.get_piece(p["id"]))["stock_reserve"] == 5

    annulee = _intervention("intervention.annulee", iid, "annulee", t0 + dt.timedelta(seconds=2))
    assert await apply_event(db, "inventory", HANDLERS, annulee)  # type: ignore[arg-type]
    # the same event again (redelivery): skipped by the inbox
    assert not await apply_event(db, "inventory", HANDLERS, annulee)  # type: ignore[arg-type]
    # the same fact published again under a new id: nothing left to release
    again = annulee.model_copy(update={"id": uuid.uuid4()})
    assert await apply_event(db, "inventory", HANDLERS, again)  # type: ignore[arg-type]
    # an older event arriving late does not bring the intervention back
    stale = _intervention("intervention.updated", iid, "affectee", t0 + dt.timedelta(seconds=1))
    await apply_event(db, "inventory", HANDLERS, stale)  # type: ignore[arg-type]

    piece = await world.get_piece(p["id"])
    assert (piece["stock_actuel"], piece["stock_reserve"]) == (10, 0)
    released = await world.rows(
        "SELECT payload->'data'->>'quantite' FROM inventory.outbox "
        "WHERE type = 'reservation.liberee' AND payload->'data'->>'intervention_id' = :i "
        "ORDER BY seq",
        i=str(iid),
    )
    assert [r[0] for r in released] == ["3", "2"]
    statut = await world.rows(
        "SELECT statut FROM inventory.interventions_replica WHERE id = :i", i=iid
    )
    assert statut == [("annulee",)]
    await world.invariants(p["id"])


async def test_technicien_replica_gives_a_van(world) -> None:
    db = Db(world.session_factory)
    tid = next_id()
    p = await world.piece()
    await world.entree(p["id"], 4)
    move = {"type_mouvement": "transfert", "quantite": 1, "emplacement_destination": f"van-{tid}"}
    assert (await world.mouvement(p["id"], **move)).status_code == 422
    event = Event(
        type="technicien.created",
        producer="auth",
        aggregate_id=str(tid),
        data={"id": tid, "user_id": 9, "username": "hamid", "is_active": True},
    )
    await apply_event(db, "inventory", HANDLERS, event)  # type: ignore[arg-type]
    assert (await world.mouvement(p["id"], **move)).status_code == 201
    gone = Event(
        type="technicien.deleted",
        producer="auth",
        aggregate_id=str(tid),
        data={"id": tid, "is_active": True},
    )
    await apply_event(db, "inventory", HANDLERS, gone)  # type: ignore[arg-type]
    assert (await world.mouvement(p["id"], **move)).status_code == 422


async def test_sweep_sends_a_missed_alert_once(world) -> None:
    p = await world.piece(stock_minimum=3, stock_maximum=20)
    await world.entree(p["id"], 10)
    # a crossing whose alert was lost (written behind the ledger's back)
    async with world.session_factory() as session, session.begin():
        await session.execute(
            sa.text(
                "UPDATE inventory.pieces_detachees SET stock_minimum = 12, stock_maximum = 20 "
                "WHERE id = :p"
            ),
            {"p": p["id"]},
        )
    db = Db(world.session_factory)
    first = await alertes.sweep(db)  # type: ignore[arg-type]
    second = await alertes.sweep(db)  # type: ignore[arg-type]
    assert first >= 1 and second == 0
    alerts = await world.events("stock.seuil_bas", p["id"])
    assert [(a["stock_disponible"], a["quantite_a_commander"]) for a in alerts] == [(10, 10)]
