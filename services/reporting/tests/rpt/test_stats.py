"""Read models fed by events, then the statistics over them, against values computed by
hand and written here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from shared.db import Database

from .conftest import Apply, new_id, utc


def _periodes(*spans: tuple[dt.datetime, dt.datetime, str]) -> list[dict[str, Any]]:
    return [{"debut": a.isoformat(), "fin": b.isoformat(), "statut": s} for a, b, s in spans]


async def _history(apply: Apply) -> dict[str, int]:
    c, t, e = new_id(), new_id(), new_id()
    i1, i2, i3, i4, i5 = (new_id() for _ in range(5))
    await apply(
        "client.created",
        {
            "id": c,
            "user_id": new_id(),
            "username": "c1",
            "nom_entreprise": "Ciments du Sud",
            "is_active": True,
        },
    )
    await apply(
        "technicien.created",
        {
            "id": t,
            "user_id": new_id(),
            "username": "tech1",
            "full_name": "Karim Alaoui",
            "is_active": True,
        },
    )
    await apply(
        "equipement.created",
        {
            "id": e,
            "client_id": c,
            "nom": "Compresseur A",
            "criticite": "critique",
            "statut": "operationnel",
        },
    )
    base = {
        "equipement_id": e,
        "client_id": c,
        "technicien_id": t,
        "priorite": "haute",
        "urgence": False,
        "titre": "Panne",
    }
    # I1: corrective, 3 h + 1 h of work around 2 h of waiting, closed before its deadline
    await apply(
        "intervention.cloturee",
        {
            **base,
            "id": i1,
            "type_intervention": "corrective",
            "statut": "cloturee",
            "date_creation": "2026-11-02T08:00:00+00:00",
            "date_fin": "2026-11-02T15:00:00+00:00",
            "date_limite": "2026-11-03T00:00:00+00:00",
            "duree_reelle": "6.00",
            "periodes": _periodes(
                (utc(2026, 11, 2, 9), utc(2026, 11, 2, 12), "en_cours"),
                (utc(2026, 11, 2, 12), utc(2026, 11, 2, 14), "en_attente"),
                (utc(2026, 11, 2, 14), utc(2026, 11, 2, 15), "en_cours"),
            ),
            "satisfaction_client": 4,
        },
        at=utc(2026, 11, 2, 15),
    )
    # I2: corrective, 6 h of work, closed late; its SLA was exceeded
    await apply(
        "intervention.cloturee",
        {
            **base,
            "id": i2,
            "type_intervention": "corrective",
            "statut": "cloturee",
            "date_creation": "2026-11-10T10:00:00+00:00",
            "date_fin": "2026-11-10T16:00:00+00:00",
            "date_limite": "2026-11-10T12:00:00+00:00",
            "duree_reelle": "6.00",
            "periodes": _periodes((utc(2026, 11, 10, 10), utc(2026, 11, 10, 16), "en_cours")),
            "satisfaction_client": 2,
        },
        at=utc(2026, 11, 10, 16),
    )
    await apply(
        "sla.depasse",
        {
            "contrat_id": 1,
            "client_id": c,
            "intervention_id": i2,
            "priorite": "haute",
            "kind": "resolution",
            "echeance": "2026-11-10T12:00:00+00:00",
        },
    )
    # I3: corrective, no periods: duree_reelle 2 h; two visits (not fixed the first time)
    await apply(
        "intervention.cloturee",
        {
            **base,
            "id": i3,
            "type_intervention": "corrective",
            "statut": "cloturee",
            "date_creation": "2026-11-20T08:00:00+00:00",
            "date_fin": "2026-11-20T12:00:00+00:00",
            "duree_reelle": "2.00",
        },
        at=utc(2026, 11, 20, 12),
    )
    for _ in range(2):
        await apply(
            "planning.planifie",
            {"id": new_id(), "intervention_id": i3, "technicien_id": t, "statut": "planifie"},
        )
    await apply(
        "planning.planifie",
        {"id": new_id(), "intervention_id": i1, "technicien_id": t, "statut": "planifie"},
    )
    # I4: preventive, 1.5 h, on time (not a failure)
    await apply(
        "intervention.cloturee",
        {
            **base,
            "id": i4,
            "type_intervention": "preventive",
            "statut": "cloturee",
            "date_creation": "2026-11-14T08:00:00+00:00",
            "date_fin": "2026-11-15T10:00:00+00:00",
            "date_limite": "2026-11-16T00:00:00+00:00",
            "duree_reelle": "1.50",
        },
        at=utc(2026, 11, 15, 10),
    )
    # I5: still open, urgent, 3 days old
    await apply(
        "intervention.created",
        {
            **base,
            "id": i5,
            "type_intervention": "diagnostic",
            "statut": "ouverte",
            "priorite": "urgente",
            "date_creation": (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat(),
        },
    )
    # parts and money of the month
    await apply(
        "piece.consommee",
        {
            "id": new_id(),
            "intervention_id": i1,
            "client_id": c,
            "technicien_id": t,
            "piece_id": new_id(),
            "reference": "ROUL-6204",
            "nom": "Roulement",
            "quantite": "2",
            "prix_unitaire": "75.00",
            "montant": "150.00",
        },
        at=utc(2026, 11, 2, 14),
    )
    f = new_id()
    facture = {
        "id": f,
        "client_id": c,
        "numero_facture": "FAC-2026-0001",
        "montant_ht": "1000.00",
        "montant_tva": "200.00",
        "montant_ttc": "1200.00",
        "date_emission": "2026-11-05T09:00:00+00:00",
        "date_echeance": "2026-12-05T09:00:00+00:00",
        "statut": "emise",
    }
    await apply("facture.emise", facture, at=utc(2026, 11, 5, 9))
    await apply("facture.payee", {**facture, "statut": "payee"}, at=utc(2026, 11, 25, 9))
    return {"client": c, "technicien": t, "equipement": e, "i1": i1, "i2": i2, "i5": i5}


async def test_kpis_of_a_hand_built_history(apply: Apply, client, tokens) -> None:
    ids = await _history(apply)
    r = await client.get(
        "/api/v1/stats/kpis",
        params={
            "du": "2026-11-01",
            "au": "2026-11-30",
            "equipement_id": ids["equipement"],
            "client_id": ids["client"],
        },
        headers=tokens.headers("responsable"),
    )
    assert r.status_code == 200, r.text
    k = r.json()
    assert k["heures_fenetre"] == "720.00"  # 30 days
    assert k["interventions_cloturees"] == 4
    assert k["mttr_heures"] == "4.00"  # (4 + 6 + 2) / 3 corrective
    assert k["heures_travail"] == "13.50"  # 4 + 6 + 2 + 1.5
    assert k["taux_cloture_a_temps"] == "0.6667"  # I1, I4 of I1, I2, I4
    assert k["conformite_sla"] == "0.7500"  # I2 exceeded, of 4
    assert k["taux_first_time_fix"] == "0.6667"  # I3 needed two visits, of 3
    assert k["cout_pieces"] == "150.00"
    assert k["chiffre_affaires_facture"] == "1200.00"
    assert k["chiffre_affaires_encaisse"] == "1200.00"
    [eq] = k["equipements"]
    assert eq["equipement_id"] == ids["equipement"]
    assert eq["pannes"] == 3
    assert eq["heures_reparation"] == "12.00"
    assert eq["mtbf_heures"] == "236.00"  # (720 - 12) / 3
    assert eq["mttr_heures"] == "4.00"
    assert eq["disponibilite"] == "0.9833"  # 708 / 720
    assert [b["priorite"] for b in k["backlog"]] == ["urgente"]
    assert k["backlog"][0]["de_1_a_7j"] == 1 and k["backlog"][0]["total"] == 1
    [month] = k["periodes"]
    assert month["debut"] == "2026-11-01" and month["interventions_cloturees"] == 4

    weekly = (
        await client.get(
            "/api/v1/stats/kpis",
            params={
                "du": "2026-11-01",
                "au": "2026-11-30",
                "granularite": "week",
                "equipement_id": ids["equipement"],
                "client_id": ids["client"],
            },
            headers=tokens.headers("admin"),
        )
    ).json()
    closed = {p["debut"]: p["interventions_cloturees"] for p in weekly["periodes"]}
    # ISO weeks (Monday) in Casablanca: 2 Nov -> 2 Nov; 10 Nov -> 9 Nov; 15 Nov -> 9 Nov;
    # 20 Nov -> 16 Nov
    assert closed == {"2026-11-02": 1, "2026-11-09": 2, "2026-11-16": 1, "2026-11-23": 0}


async def test_views_after_refresh(apply: Apply, client, tokens, db: Database) -> None:
    ids = await _history(apply)
    other = new_id()
    await apply("client.created", {"id": other, "nom_entreprise": "Autre SA"})
    async with db.engine.begin() as conn:
        await conn.execute(sa.text("SELECT reporting.refresh_materialized_views()"))
    r = await client.get("/api/v1/stats/techniciens", headers=tokens.headers("admin"))
    assert r.status_code == 200, r.text
    [row] = [x for x in r.json()["items"] if x["technician_id"] == ids["technicien"]]
    assert row["total_interventions"] == 5 and row["completed_interventions"] == 4
    assert row["avg_satisfaction"].startswith("3.0")  # (4 + 2) / 2
    assert r.json()["rafraichi_le"] is not None
    mine = await client.get(
        "/api/v1/stats/clients",
        headers=tokens.headers("client", user_id=new_id(), client_id=ids["client"]),
    )
    assert mine.status_code == 200, mine.text
    assert [x["client_id"] for x in mine.json()["items"]] == [ids["client"]]
    assert mine.json()["items"][0]["critical_equipment"] == 1
    tech = await client.get("/api/v1/stats/clients", headers=tokens.headers("technicien"))
    assert tech.status_code == 403
    kpi = await client.get("/api/v1/stats/kpis", headers=tokens.headers("client"))
    assert kpi.status_code == 403


async def test_events_apply_once_and_never_go_back(apply: Apply, db: Database) -> None:
    i = new_id()
    data = {
        "id": i,
        "equipement_id": 1,
        "client_id": 1,
        "statut": "cloturee",
        "type_intervention": "corrective",
        "duree_reelle": "3.00",
    }
    first = await apply("intervention.cloturee", data, at=utc(2026, 11, 3, 12))
    # the same event again (redelivery) and an older one arriving late
    await apply(
        "intervention.cloturee",
        {**data, "duree_reelle": "9.00"},
        at=first.occurred_at,
        event_id=first.id,
    )
    await apply(
        "intervention.statut_change", {**data, "statut": "en_cours"}, at=utc(2026, 11, 3, 9)
    )
    # a later update without the duration keeps it
    await apply("intervention.evaluee", {"id": i, "satisfaction_client": 5}, at=utc(2026, 11, 4, 9))
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT statut, duree_reelle, satisfaction_client"
                    " FROM reporting.rm_interventions WHERE id = :i"
                ),
                {"i": i},
            )
        ).one()
    assert (row.statut, str(row.duree_reelle), row.satisfaction_client) == ("cloturee", "3.00", 5)


async def test_kpi_bad_inputs(client, tokens) -> None:
    h = tokens.headers("admin")
    for params in (
        {"du": "2026-12-01", "au": "2026-11-01"},
        {"du": "nope"},
        {"granularite": "year"},
        {"criticite": "x"},
        {"client_id": "0"},
        {"du": "1900-01-01", "au": "1900-02-01"},
    ):
        r = await client.get("/api/v1/stats/kpis", params=params, headers=h)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
