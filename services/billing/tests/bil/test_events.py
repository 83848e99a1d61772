"""Consumed events: the quota counted once per intervention, lines added once, parts at
the contract's markup, corrections adjusting a draft or issuing a credit note, the
client replica."""

from __future__ import annotations

import datetime as dt
from typing import Any

from billing.events import EVENT_QUEUE
from shared.events import Event

from .conftest import next_id


def cloturee(world, iid: int, **extra: Any) -> dict[str, Any]:
    data = {
        "id": iid,
        "client_id": world.client_id,
        "statut": "cloturee",
        "ancien_statut": "en_cours",
        "priorite": "normale",
        "titre": "Fuite d'huile",
        "date_creation": "2026-03-02T08:00:00+00:00",
        "date_fin": "2026-03-02T15:00:00+00:00",
        "duree_reelle": "2.50",
        "sous_garantie": False,
    }
    data.update(extra)
    return data


async def lines(world, sql_where: str = "", **params: Any) -> list[tuple]:
    return await world.rows(
        "SELECT l.nature::text, l.intervention_id, l.quantite, l.prix_unitaire, l.montant_ht "
        "FROM billing.lignes_facture l JOIN billing.factures f ON f.id = l.facture_id "
        f"WHERE f.client_id = :c {sql_where} ORDER BY l.id",
        c=world.client_id,
        **params,
    )


async def test_bindings() -> None:
    assert EVENT_QUEUE.bindings == ["intervention.*", "piece.consommee", "client.*"]


async def test_closed_three_times_counts_once_and_bills_once(world) -> None:
    c = await world.contrat(
        nb_interventions_incluses=2,
        taux_horaire="400.00",
        facturer_deplacement=True,
        frais_deplacement="150.00",
        majoration_pieces="0.10",
    )
    a, b, third = next_id(), next_id(), next_id()
    # a part consumed before the closing, another after it
    await world.apply(
        "piece.consommee",
        {"id": next_id(), "intervention_id": third, "client_id": world.client_id,
         "piece_id": 7, "reference": "JT-12", "nom": "Joint torique", "quantite": 2,
         "prix_unitaire": "45.55", "montant": "91.10"},
        producer="inventory",
    )  # fmt: skip
    await world.apply("intervention.cloturee", cloturee(world, a))
    await world.apply("intervention.cloturee", cloturee(world, b))
    event = Event(
        type="intervention.cloturee",
        producer="interventions",
        aggregate_id=str(third),
        data=cloturee(world, third),
    )
    assert await world.deliver(event)
    assert not await world.deliver(event)  # the same message again: inbox
    assert not await world.deliver(event)
    # and the same closing under another event id (a replay by the producer)
    again = Event(
        type="intervention.cloturee", producer="interventions", aggregate_id=str(third),
        data=cloturee(world, third),
    )  # fmt: skip
    await world.deliver(again)
    r = await world.http.get(f"/api/v1/contrats/{c['id']}", headers=world.h("admin"))
    assert r.json()["nb_interventions_utilisees"] == 3
    # 1/2 -> 2/2 crosses 80 % and reaches the quota: one of each, never again
    assert len(await world.outbox("contrat.quota_80", id=c["id"])) == 1
    assert len(await world.outbox("contrat.quota_atteint", id=c["id"])) == 1
    # only the third (beyond the quota) is billed: 2.5 h x 400.00, travel 150.00,
    # 2 x (45.55 x 1.10 = 50.105 -> 50.11) = 100.22
    assert await lines(world) == [
        ("main_oeuvre", third, dt_dec("2.500"), dt_dec("400.00"), dt_dec("1000.00")),
        ("deplacement", third, dt_dec("1.000"), dt_dec("150.00"), dt_dec("150.00")),
        ("piece", third, dt_dec("2.000"), dt_dec("50.11"), dt_dec("100.22")),
    ]
    # a part consumed after the closing of a billed intervention lands on the draft too
    await world.apply(
        "piece.consommee",
        {"id": next_id(), "intervention_id": third, "client_id": world.client_id,
         "piece_id": 8, "reference": "FL-1", "nom": "Filtre", "quantite": 1,
         "prix_unitaire": "20.00", "montant": "20.00"},
        producer="inventory",
    )  # fmt: skip
    drafts = await world.rows(
        "SELECT count(*), sum(montant_ht), sum(montant_ttc) FROM billing.factures "
        "WHERE client_id = :c AND statut = 'brouillon'",
        c=world.client_id,
    )
    # 1000.00 + 150.00 + 100.22 + 22.00 = 1272.22; TVA 254.444 -> 254.44
    assert drafts == [(1, dt_dec("1272.22"), dt_dec("1526.66"))]


def dt_dec(value: str):
    from decimal import Decimal

    return Decimal(value)


async def test_quota_80_and_no_contract(world) -> None:
    c = await world.contrat(nb_interventions_incluses=5)
    for _ in range(4):
        await world.apply("intervention.cloturee", cloturee(world, next_id()))
    assert len(await world.outbox("contrat.quota_80", id=c["id"])) == 1  # at 4 of 5
    assert await lines(world) == []
    # under warranty: nothing billed even beyond the quota
    await world.apply("intervention.cloturee", cloturee(world, next_id()))
    await world.apply("intervention.cloturee", cloturee(world, next_id(), sous_garantie=True))
    assert await lines(world) == []
    # another client, no contract: the default rate (350.00)
    iid = next_id()
    await world.apply(
        "intervention.cloturee", cloturee(world, iid, client_id=world.other_client_id)
    )
    rows = await world.rows(
        "SELECT l.quantite, l.prix_unitaire, l.montant_ht FROM billing.lignes_facture l "
        "JOIN billing.factures f ON f.id = l.facture_id WHERE f.client_id = :c",
        c=world.other_client_id,
    )
    assert rows == [(dt_dec("2.500"), dt_dec("350.00"), dt_dec("875.00"))]


async def test_correction_adjusts_draft_then_credits_issued(world) -> None:
    iid = next_id()
    await world.apply("intervention.cloturee", cloturee(world, iid, duree_reelle="3.00"))
    corr = {"id": iid, "client_id": world.client_id, "avant": {"duree_reelle": "3.00"}}
    await world.apply("intervention.corrigee", {**corr, "apres": {"duree_reelle": "2.00"}})
    assert await lines(world) == [
        ("main_oeuvre", iid, dt_dec("2.000"), dt_dec("350.00"), dt_dec("700.00"))
    ]
    (fid,) = (
        await world.rows(
            "SELECT id FROM billing.factures WHERE client_id = :c AND statut = 'brouillon'",
            c=world.client_id,
        )
    )[0]
    r = await world.http.post(f"/api/v1/factures/{fid}/emission", headers=world.h("admin"))
    assert r.status_code == 200 and r.json()["montant_ttc"] == "840.00"
    # issued: a correction down to 0.5 h produces a credit note of 1.5 h x 350.00 = 525.00
    await world.apply("intervention.corrigee", {**corr, "apres": {"duree_reelle": "0.50"}})
    avoirs = await world.outbox("avoir.emis", facture_id=fid)
    assert len(avoirs) == 1
    assert (avoirs[0]["montant_ht"], avoirs[0]["montant_ttc"]) == ("525.00", "630.00")
    assert avoirs[0]["numero_avoir"].startswith("AV-")
    r = await world.http.get(f"/api/v1/factures/{fid}", headers=world.h("client"))
    assert r.json()["montant_avoirs"] == "630.00" and r.json()["solde"] == "210.00"
    assert r.json()["lignes"][0]["quantite"] == "2.000"  # the issued invoice never changed
    # back up to 1 h: the extra 0.5 h goes on the next draft
    await world.apply("intervention.corrigee", {**corr, "apres": {"duree_reelle": "1.00"}})
    draft = await lines(world, "AND f.statut = 'brouillon'")
    assert draft == [("main_oeuvre", iid, dt_dec("0.500"), dt_dec("350.00"), dt_dec("175.00"))]


async def test_client_replica_keeps_ice_and_address(world) -> None:
    cid = next_id()
    t0 = dt.datetime.now(dt.UTC)
    base = {"id": cid, "user_id": 3, "username": "acme", "nom_entreprise": "ACME Maroc",
            "is_active": True, "ice": "002233445566778",
            "adresse_facturation": "Zone industrielle, Tanger"}  # fmt: skip
    await world.deliver(Event(type="client.created", producer="auth", aggregate_id=str(cid),
                              occurred_at=t0, data=base))  # fmt: skip
    # an older update never overwrites, a malformed ICE is not kept, a missing one is fine
    await world.deliver(Event(type="client.updated", producer="auth", aggregate_id=str(cid),
                              occurred_at=t0 - dt.timedelta(seconds=5),
                              data={**base, "nom_entreprise": "OLD"}))  # fmt: skip
    rows = await world.rows(
        "SELECT nom_entreprise, ice, adresse_facturation FROM billing.clients_replica "
        "WHERE id = :i",
        i=cid,
    )
    assert rows == [("ACME Maroc", "002233445566778", "Zone industrielle, Tanger")]
    newer = {"id": cid, "nom_entreprise": "ACME", "ice": "12AB"}
    await world.deliver(Event(type="client.updated", producer="auth", aggregate_id=str(cid),
                              occurred_at=t0 + dt.timedelta(seconds=5), data=newer))  # fmt: skip
    rows = await world.rows(
        "SELECT nom_entreprise, ice FROM billing.clients_replica WHERE id = :i", i=cid
    )
    assert rows == [("ACME", None)]
