"""SLA clocks with a fixed clock, in the week of 16 November 2026 (Wednesday 18 is the
fête de l'indépendance): a client wait pauses the resolution clock, a late closing yields
one `sla.depasse` and one credit line, the beat catches a deadline with no event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from billing.database import SCHEMA
from billing.sla import service as sla
from shared.events import Event
from shared.uow import unit_of_work

from .conftest import SavepointDatabase, next_id

TZ = ZoneInfo("Africa/Casablanca")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local time in November 2026, as the UTC instant events carry."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


async def move(world, iid: int, when: dt.datetime, type_: str, **data: Any) -> None:
    payload = {
        "id": iid,
        "client_id": world.client_id,
        "priorite": "haute",
        "date_creation": at(16, 9).isoformat(),
        **data,
    }
    await world.deliver(
        Event(type=type_, producer="interventions", aggregate_id=str(iid), occurred_at=when,
              data=payload)
    )  # fmt: skip


async def beat(world, when: dt.datetime) -> None:
    db = SavepointDatabase(world.session_factory)
    async with unit_of_work(db, schema=SCHEMA) as uow:  # type: ignore[arg-type]
        await sla.check_deadlines(uow, when, 100)


async def test_pause_moves_deadline_and_late_closing_is_penalised(world) -> None:
    c = await world.contrat(
        sla={"haute": {"reponse_heures": "4", "resolution_heures": "16"}},
        penalite_sla="500.00",
        nb_interventions_incluses=100,
    )
    iid = next_id()
    await move(world, iid, at(16, 9), "intervention.created", statut="ouverte")
    await move(world, iid, at(16, 10), "intervention.statut_change", statut="en_cours",
               ancien_statut="affectee", date_prise_en_charge=at(16, 10).isoformat())  # fmt: skip
    await move(world, iid, at(16, 12), "intervention.statut_change", statut="en_attente",
               ancien_statut="en_cours", motif_attente="client")  # fmt: skip
    # the clock is stopped: a beat during the wait publishes nothing
    await beat(world, at(17, 12))
    await move(world, iid, at(17, 13), "intervention.statut_change", statut="en_cours",
               ancien_statut="en_attente")  # fmt: skip
    # 16 business hours from Monday 09:00 (8.5 h Mon, 7.5 h Tue -> Tue 16:00) moved by the
    # 10 business hours waited (Mon 12:00-17:30 = 5.5 h, Tue 08:30-13:00 = 4.5 h):
    # Tue 16:00-17:30 1.5 h, Wednesday is a holiday, Thursday 08:30 + 8.5 h = 17:00
    rows = await world.rows(
        "SELECT echeance_reponse, echeance_resolution FROM billing.sla_suivis "
        "WHERE intervention_id = :i",
        i=iid,
    )
    assert rows == [(at(16, 13), at(19, 17))]  # response: Monday 09:00 + 4 h
    # Thursday 10:00: 8.5 + 9 + 1.5 - 10 = 9 h used of 16, no risk yet
    await beat(world, at(19, 10))
    assert await world.outbox("sla.risque", intervention_id=iid) == []
    # Thursday 14:00: 13 h of 16 (81 %) -> one sla.risque, not repeated
    await beat(world, at(19, 14))
    await beat(world, at(19, 15))
    risques = await world.outbox("sla.risque", intervention_id=iid)
    assert [(r["kind"], r["echeance"]) for r in risques] == [("resolution", at(19, 17).isoformat())]
    # closed Friday 10:00: 18 h > 16 -> one sla.depasse and one credit line
    closing = {"statut": "cloturee", "ancien_statut": "en_cours",
               "date_fin": at(20, 10).isoformat(), "duree_reelle": "6.00"}  # fmt: skip
    await move(world, iid, at(20, 10), "intervention.cloturee", **closing)
    await move(world, iid, at(20, 10), "intervention.cloturee", **closing)  # replayed
    await beat(world, at(23, 10))
    depasses = await world.outbox("sla.depasse", intervention_id=iid)
    assert [(d["kind"], d["contrat_id"], d["priorite"]) for d in depasses] == [
        ("resolution", c["id"], "haute")
    ]
    credit = await world.rows(
        "SELECT l.nature::text, l.prix_unitaire, l.montant_ht FROM billing.lignes_facture l "
        "JOIN billing.factures f ON f.id = l.facture_id "
        "WHERE f.client_id = :c AND f.statut = 'brouillon'",
        c=world.client_id,
    )
    assert credit == [("penalite_sla", Decimal("-500.00"), Decimal("-500.00"))]
    r = await world.http.get(f"/api/v1/contrats/{c['id']}/sla", headers=world.h("client"))
    assert r.status_code == 200
    assert r.json()["priorites"] == [
        {"priorite": "haute", "interventions": 1, "reponse_respectee": 1,
         "reponse_depassee": 0, "resolution_respectee": 0, "resolution_depassee": 1,
         "en_cours": 0, "taux_reponse": "1.0000", "taux_resolution": "0.0000"}
    ]  # fmt: skip
    r = await world.http.get(f"/api/v1/contrats/{c['id']}/sla", headers=world.h("autre_client"))
    assert r.status_code == 404


async def test_beat_catches_a_deadline_with_no_event(world) -> None:
    await world.contrat(
        sla={"haute": {"reponse_heures": "4", "resolution_heures": "16"}},
        type_contrat="support",
    )
    iid = next_id()
    await move(world, iid, at(16, 9), "intervention.created", statut="ouverte")
    # Monday 12:30: 3.5 h of the 4 h response budget (87.5 %) -> risk
    await beat(world, at(16, 12, 30))
    assert [r["kind"] for r in await world.outbox("sla.risque", intervention_id=iid)] == ["reponse"]
    # Monday 13:00: the response deadline passes with no event -> breach
    await beat(world, at(16, 13))
    await beat(world, at(16, 13, 30))
    assert [d["kind"] for d in await world.outbox("sla.depasse", intervention_id=iid)] == [
        "reponse"
    ]
