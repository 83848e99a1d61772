"""Contracts CRUD and access, draft invoices, emission, payments, cancellation."""

from __future__ import annotations

import pytest


async def test_contract_crud_and_access(world) -> None:
    c = await world.contrat(sla={"haute": {"reponse_heures": "4", "resolution_heures": "16"}})
    assert c["statut"] == "actif" and c["nb_interventions_utilisees"] == 0
    assert c["sla"]["haute"] == {"reponse_heures": "4", "resolution_heures": "16"}
    r = await world.http.get(f"/api/v1/contrats/{c['id']}", headers=world.h("client"))
    assert r.status_code == 200
    r = await world.http.get(f"/api/v1/contrats/{c['id']}", headers=world.h("autre_client"))
    assert r.status_code == 404
    r = await world.http.get("/api/v1/contrats", headers=world.h("autre_client"))
    assert r.json()["items"] == []
    r = await world.http.post(
        "/api/v1/contrats",
        json={"client_id": 1, "numero_contrat": "X", "type_contrat": "support",
              "date_debut": "2026-01-01", "date_fin": "2026-12-31"},
        headers=world.h("client"),
    )  # fmt: skip
    assert r.status_code == 403
    # unique numero_contrat
    r = await world.http.post(
        "/api/v1/contrats",
        json={"client_id": world.other_client_id, "numero_contrat": c["numero_contrat"],
              "type_contrat": "support", "date_debut": "2026-01-01", "date_fin": "2026-12-31"},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 409
    # one active contract per client and type over a period
    r = await world.http.post(
        "/api/v1/contrats",
        json={"client_id": world.client_id, "numero_contrat": "CT-OVERLAP",
              "type_contrat": "maintenance", "date_debut": "2026-06-01",
              "date_fin": "2027-05-31"},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 409, r.text
    await world.contrat(type_contrat="support")  # another type is fine
    await world.contrat(date_debut="2027-01-01", date_fin="2027-12-31")  # after it, fine
    # law 69-21: at most 120 days
    r = await world.http.post(
        "/api/v1/contrats",
        json={"client_id": world.other_client_id, "numero_contrat": "CT-121",
              "type_contrat": "support", "date_debut": "2026-01-01", "date_fin": "2026-12-31",
              "delai_paiement_jours": 121},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 422
    r = await world.http.patch(
        f"/api/v1/contrats/{c['id']}", json={"statut": "suspendu"}, headers=world.h("admin")
    )
    assert r.status_code == 200 and r.json()["statut"] == "suspendu"
    assert len(await world.outbox("contrat.updated", id=c["id"])) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": 1, "lignes": [{"designation": "x", "quantite": "0", "prix_unitaire": "1"}]},
        {"client_id": 1, "lignes": [{"designation": "", "quantite": "1", "prix_unitaire": "1"}]},
        {"client_id": 1, "taux_tva": "2"},
        {"client_id": 1, "delai_paiement_jours": 121},
        {"client_id": "abc"},
        {
            "client_id": 1,
            "lignes": [{"designation": "x", "quantite": "1", "prix_unitaire": "1e400"}],
        },
    ],
)
async def test_bad_invoice_input_is_422(world, body) -> None:
    r = await world.http.post("/api/v1/factures", json=body, headers=world.h("admin"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_invoice_lifecycle(world) -> None:
    f = await world.facture(
        [
            {"designation": "Diagnostic", "quantite": "1", "prix_unitaire": "1250"},
            {"designation": "Joint", "quantite": "2", "prix_unitaire": "87.45", "taux_tva": "0.14"},
        ]
    )
    assert f["statut"] == "brouillon" and f["numero_facture"] is None
    assert (f["montant_ht"], f["montant_tva"], f["montant_ttc"]) == ("1424.90", "274.49", "1699.39")
    fid = f["id"]
    # the client reads its own invoices only
    assert (
        await world.http.get(f"/api/v1/factures/{fid}", headers=world.h("client"))
    ).status_code == 200
    assert (
        await world.http.get(f"/api/v1/factures/{fid}", headers=world.h("autre_client"))
    ).status_code == 404
    assert (
        await world.http.get(f"/api/v1/factures/{fid}/pdf", headers=world.h("autre_client"))
    ).status_code == 404
    r = await world.http.post(
        f"/api/v1/factures/{fid}/lignes",
        json={"designation": "Déplacement", "quantite": "1", "prix_unitaire": "300"},
        headers=world.h("admin"),
    )
    assert r.status_code == 201 and r.json()["montant_ttc"] == "2059.39"
    r = await world.http.post(f"/api/v1/factures/{fid}/emission", headers=world.h("admin"))
    assert r.status_code == 200, r.text
    issued = r.json()
    assert issued["statut"] == "envoyee"
    assert issued["numero_facture"].startswith("FAC-")
    emission = issued["date_emission"]
    import datetime as dt

    assert dt.date.fromisoformat(issued["date_echeance"]) - dt.date.fromisoformat(
        emission
    ) == dt.timedelta(days=60)
    # immutable once issued
    r = await world.http.post(
        f"/api/v1/factures/{fid}/lignes",
        json={"designation": "x", "quantite": "1", "prix_unitaire": "1"},
        headers=world.h("admin"),
    )
    assert r.status_code == 409
    assert (
        await world.http.post(f"/api/v1/factures/{fid}/annulation", headers=world.h("admin"))
    ).status_code == 409
    assert (
        await world.http.post(f"/api/v1/factures/{fid}/emission", headers=world.h("admin"))
    ).status_code == 409
    # partial payments until the balance is 0
    pay = {"date_paiement": emission, "mode_paiement": "virement"}
    r = await world.http.post(
        f"/api/v1/factures/{fid}/paiements", json={**pay, "montant": "1000.00"},
        headers=world.h("admin"),
    )  # fmt: skip
    assert (
        r.status_code == 200 and r.json()["statut"] == "envoyee" and r.json()["solde"] == "1059.39"
    )
    r = await world.http.post(
        f"/api/v1/factures/{fid}/paiements", json={**pay, "montant": "2000.00"},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 422
    r = await world.http.post(
        f"/api/v1/factures/{fid}/paiements",
        json={**pay, "montant": "1059.39", "mode_paiement": "cheque"},
        headers=world.h("admin"),
    )
    assert r.json()["statut"] == "payee" and r.json()["solde"] == "0.00"
    assert len(r.json()["paiements"]) == 2
    assert len(await world.outbox("facture.payee", id=fid)) == 1
    # a draft is cancelled, never an issued invoice
    d = await world.facture([{"designation": "x", "quantite": "1", "prix_unitaire": "10"}])
    r = await world.http.post(f"/api/v1/factures/{d['id']}/annulation", headers=world.h("admin"))
    assert r.json()["statut"] == "annulee"


async def test_contract_terms_and_late_marking(world) -> None:
    import datetime as dt

    from billing.database import SCHEMA
    from billing.factures import service
    from shared.uow import unit_of_work

    from .conftest import SavepointDatabase

    c = await world.contrat(delai_paiement_jours=90, type_contrat="full_service")
    f = await world.facture(
        [{"designation": "x", "quantite": "1", "prix_unitaire": "10000"}], contrat_id=c["id"]
    )
    issued = (
        await world.http.post(f"/api/v1/factures/{f['id']}/emission", headers=world.h("admin"))
    ).json()
    echeance = dt.date.fromisoformat(issued["date_echeance"])
    assert echeance - dt.date.fromisoformat(issued["date_emission"]) == dt.timedelta(days=90)
    db = SavepointDatabase(world.session_factory)
    async with unit_of_work(db, schema=SCHEMA) as uow:  # type: ignore[arg-type]
        await service.mark_late(uow, echeance, 1000)  # due today: not late yet
    r = await world.http.get(f"/api/v1/factures/{f['id']}", headers=world.h("client"))
    assert r.json()["statut"] == "envoyee"
    async with unit_of_work(db, schema=SCHEMA) as uow:  # type: ignore[arg-type]
        await service.mark_late(uow, echeance + dt.timedelta(days=1), 1000)
    r = await world.http.get(f"/api/v1/factures/{f['id']}", headers=world.h("client"))
    assert r.json()["statut"] == "en_retard"
    assert len(await world.outbox("facture.en_retard", id=f["id"])) == 1
    # penalties shown on reminders: a day late is a first month, 12 000.00 x 2.25 % = 270.00
    r = await world.http.get(
        f"/api/v1/factures/{f['id']}/penalites",
        params={"le": str(echeance + dt.timedelta(days=1))},
        headers=world.h("client"),
    )
    assert r.json()["montant_du"] == "12000.00"
    assert r.json()["mois_de_retard"] == 1 and r.json()["penalite"] == "270.00"


async def test_roles_and_unknown_clients(world) -> None:
    for path in ("/api/v1/contrats", "/api/v1/factures"):
        r = await world.http.get(path, headers=world.h("technicien"))
        assert r.status_code == 403
    r = await world.http.post(
        "/api/v1/contrats",
        json={"client_id": 999_999_999, "numero_contrat": "CT-NOBODY",
              "type_contrat": "support", "date_debut": "2026-01-01", "date_fin": "2026-12-31"},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 422
    r = await world.http.post(
        "/api/v1/factures", json={"client_id": 999_999_999}, headers=world.h("responsable")
    )
    assert r.status_code == 422
    r = await world.http.get("/api/v1/factures/2147483647", headers=world.h("admin"))
    assert r.status_code == 404
    r = await world.http.get("/api/v1/contrats/1/sla?du=2026-02-01&au=2026-01-01",
                             headers=world.h("admin"))  # fmt: skip
    assert r.status_code in (404, 422)


async def test_holiday_overrides_endpoint(world) -> None:
    r = await world.http.get("/api/v1/jours-feries?annee=2031", headers=world.h("admin"))
    assert r.status_code == 200
    before = {d["date"] for d in r.json()}
    assert "2031-11-18" in before  # fête de l'indépendance
    # an announced Islamic date replaces the library's estimate
    estimated = next(d["date"] for d in r.json() if d["date"].startswith("2031-") and
                     d["date"] not in {"2031-01-01", "2031-01-11", "2031-01-14", "2031-05-01",
                                       "2031-07-30", "2031-08-14", "2031-08-20", "2031-08-21",
                                       "2031-10-31", "2031-11-06", "2031-11-18"})  # fmt: skip
    r = await world.http.put(
        f"/api/v1/jours-feries/{estimated}", json={"nom": "estimation", "ferie": False},
        headers=world.h("responsable"),
    )  # fmt: skip
    assert r.status_code == 403
    r = await world.http.put(
        f"/api/v1/jours-feries/{estimated}", json={"nom": "estimation", "ferie": False},
        headers=world.h("admin"),
    )  # fmt: skip
    assert r.status_code == 200
    r = await world.http.put(
        "/api/v1/jours-feries/2031-03-31", json={"nom": "Aïd al-Fitr (annoncé)"},
        headers=world.h("admin"),
    )  # fmt: skip
    after = {d["date"]: d["nom"] for d in (
        await world.http.get("/api/v1/jours-feries?annee=2031", headers=world.h("admin"))
    ).json()}  # fmt: skip
    assert estimated not in after
    assert after["2031-03-31"] == "Aïd al-Fitr (annoncé)"
