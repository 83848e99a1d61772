"""Events become the right notifications, in French, each once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from notifications.events import EVENT_QUEUE
from notifications.inbox.rules import REGLES

from .conftest import World, event, new_id


async def test_every_rule_event_is_bound_and_templates_render(world: World) -> None:
    for regle in REGLES:
        assert regle.event in EVENT_QUEUE.bindings or regle.event.startswith("intervention.")
    assert "intervention.*" in EVENT_QUEUE.bindings
    assert {"user.*", "technicien.*", "client.*"} <= set(EVENT_QUEUE.bindings)


async def test_the_same_event_three_times_notifies_once(world: World) -> None:
    i = new_id()
    affectee = event(
        "intervention.affectee",
        world.intervention(i, statut="affectee", technicien_id=world.technicien),
    )
    assert await world.apply(affectee) is True
    assert await world.apply(affectee) is False
    assert await world.apply(affectee) is False
    rows = await world.notifications(affectee.id)
    assert [(r[0], r[1], r[2]) for r in rows] == sorted(
        [
            (world.responsable, "intervention", f"Intervention n°{i} affectée"),
            (world.admin, "intervention", f"Intervention n°{i} affectée"),
            (world.technicien_user, "intervention", f"Intervention n°{i} affectée"),
            (world.client_user, "intervention", f"Intervention n°{i} prise en charge"),
        ]
    )
    by_user = {r[0]: r for r in rows}
    assert by_user[world.technicien_user][3] == (
        f"L'intervention n°{i} « Fuite d'huile » sur l'équipement Compresseur (NS-1) "
        "(client ACME Maroc) vous est affectée (priorité haute)."
    )
    assert by_user[world.client_user][3] == (
        f"Votre intervention n°{i} « Fuite d'huile » sur l'équipement Compresseur (NS-1) "
        "a été confiée au technicien Saïd Technicien."
    )
    assert by_user[world.technicien_user][4] == f"/interventions/{i}"


async def test_an_intervention_from_creation_to_closure(world: World) -> None:
    i = new_id()
    steps = [
        event("intervention.created", world.intervention(i)),
        event(
            "intervention.affectee",
            world.intervention(i, statut="affectee", technicien_id=world.technicien),
        ),
        event(
            "intervention.statut_change",
            world.intervention(
                i, statut="en_cours", ancien_statut="affectee", technicien_id=world.technicien
            ),
        ),
        event(
            "intervention.cloturee",
            world.intervention(
                i, statut="cloturee", ancien_statut="en_cours", technicien_id=world.technicien
            ),
        ),
    ]
    for step in steps:
        assert await world.apply(step)
    created, _, en_cours, cloturee = [await world.notifications(s.id) for s in steps]
    assert [r[0] for r in created] == sorted([world.responsable, world.admin])
    assert created[0][3] == (
        f"Nouvelle intervention n°{i} « Fuite d'huile » (priorité haute) créée sur "
        "l'équipement Compresseur (NS-1) du client ACME Maroc."
    )
    assert [r[0] for r in en_cours] == sorted([world.responsable, world.admin, world.client_user])
    client_row = next(r for r in en_cours if r[0] == world.client_user)
    assert client_row[2] == f"Intervention n°{i} : en cours"
    assert client_row[3] == (
        f"Votre intervention n°{i} « Fuite d'huile » sur l'équipement Compresseur (NS-1) "
        "est passée de « affectée » à « en cours »."
    )
    assert [(r[0], r[1], r[2]) for r in cloturee] == sorted(
        [
            (world.responsable, "success", f"Intervention n°{i} clôturée"),
            (world.admin, "success", f"Intervention n°{i} clôturée"),
            (world.client_user, "success", f"Intervention n°{i} clôturée"),
        ]
    )
    everyone = await world.rows(
        "SELECT DISTINCT user_id FROM notifications.notifications WHERE intervention_id = :i",
        i=i,
    )
    assert world.autre_client_user not in {u for (u,) in everyone}


async def test_a_client_who_mutes_progress_still_hears_of_the_closing(world: World) -> None:
    async with world.db.engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO notifications.preferences_suivi VALUES (:u, false)"),
            {"u": world.client_user},
        )
    i = new_id()
    moved = event(
        "intervention.statut_change",
        world.intervention(i, statut="en_attente", ancien_statut="en_cours"),
    )
    closed = event("intervention.cloturee", world.intervention(i, statut="cloturee"))
    await world.apply(moved)
    await world.apply(closed)
    assert [r[0] for r in await world.notifications(moved.id)] == sorted(
        [world.responsable, world.admin]
    )
    assert world.client_user in [r[0] for r in await world.notifications(closed.id)]


async def test_planning_names_the_slot_in_casablanca_time(world: World) -> None:
    i = new_id()
    await world.apply(event("intervention.created", world.intervention(i)))
    planifie = event(
        "planning.planifie",
        {
            "id": new_id(),
            "intervention_id": i,
            "technicien_id": world.technicien,
            "client_id": world.client,
            "date_debut": "2026-12-03T09:00:00+00:00",
            "date_fin": "2026-12-03T11:30:00+00:00",
            "creneau": None,
            "confirme": False,
        },
    )
    await world.apply(planifie)
    rows = await world.notifications(planifie.id)
    assert [(r[0], r[1]) for r in rows] == sorted(
        [(world.technicien_user, "planning"), (world.client_user, "planning")]
    )
    assert rows[0][2] == f"Intervention n°{i} planifiée le 03/12/2026"
    assert rows[0][3] == (
        f"L'intervention n°{i} « Fuite d'huile » sur l'équipement Compresseur (NS-1) "
        "(client ACME Maroc) est planifiée du 03/12/2026 à 10:00 au 03/12/2026 à 12:30."
    )


@pytest.mark.parametrize(
    ("type_", "extra", "who", "type_notification", "titre", "message", "lien"),
    [
        (
            "stock.seuil_bas",
            {"piece_id": 77, "reference": "ROUL-6204", "nom": "Roulement 6204",
             "stock_disponible": 2, "stock_minimum": 5, "stock_maximum": 20,
             "quantite_a_commander": 18},
            "responsables",
            "warning",
            "Stock bas : ROUL-6204 Roulement 6204",
            "Le stock disponible de la pièce ROUL-6204 « Roulement 6204 » est de 2 "
            "(minimum 5) : 18 à commander.",
            "/stock/pieces/77",
        ),
        (
            "facture.emise",
            {"id": 31, "numero_facture": "FAC-2026-0031", "montant_ht": "10416.67",
             "montant_tva": "2083.33", "montant_ttc": "12500.00", "date_emission": "2026-12-02",
             "date_echeance": "2027-01-01", "statut": "emise"},
            "client+responsables",
            "info",
            "Facture FAC-2026-0031 émise",
            "La facture FAC-2026-0031 du client ACME Maroc (12 500,00 MAD TTC) a été émise le "
            "02/12/2026, échéance le 01/01/2027.",
            "/factures/31",
        ),
        (
            "contrat.quota_80",
            {"id": 12, "numero_contrat": "CT-12", "nb_interventions_incluses": 10,
             "nb_interventions_utilisees": 8, "statut": "actif"},
            "client+responsables",
            "warning",
            "Contrat CT-12 : 80 % du quota atteint",
            "Le contrat CT-12 du client ACME Maroc a utilisé 8 de ses 10 interventions incluses.",
            "/contrats/12",
        ),
    ],
)  # fmt: skip
async def test_stock_billing_and_contract_events(
    world: World,
    type_: str,
    extra: dict[str, object],
    who: str,
    type_notification: str,
    titre: str,
    message: str,
    lien: str,
) -> None:
    data = {"client_id": world.client, **extra} if who != "responsables" else extra
    e = event(type_, data)
    await world.apply(e)
    expected = [world.responsable, world.admin]
    if who == "client+responsables":
        expected.append(world.client_user)
    rows = await world.notifications(e.id)
    assert [r[0] for r in rows] == sorted(expected)
    assert {(r[1], r[2], r[3], r[4]) for r in rows} == {(type_notification, titre, message, lien)}


async def test_sla_reports_and_inactive_people(world: World) -> None:
    i = new_id()
    await world.apply(event("intervention.created", world.intervention(i)))
    depasse = event(
        "sla.depasse",
        {"contrat_id": 3, "client_id": world.client, "intervention_id": i,
         "priorite": "urgente", "kind": "reponse", "echeance": "2026-12-02T08:00:00+00:00"},
    )  # fmt: skip
    await world.apply(depasse)
    rows = await world.notifications(depasse.id)
    assert [(r[0], r[1]) for r in rows] == sorted(
        [(world.responsable, "error"), (world.admin, "error")]
    )
    assert rows[0][3] == (
        f"Le délai de réponse de l'intervention n°{i} « Fuite d'huile » sur l'équipement "
        "Compresseur (NS-1) (client ACME Maroc) (priorité urgente) est dépassé depuis le "
        "02/12/2026 à 09:00."
    )
    # the admin leaves: no longer told anything
    await world.apply(
        event(
            "user.deactivated",
            {"id": world.admin, "username": "x", "role": "admin", "is_active": False},
        )
    )
    report = event(
        "report.termine",
        {"id": 5, "nom": "Activité de novembre", "type_report": "mensuel", "format": "pdf",
         "created_by": world.responsable, "destinataires": [world.admin, world.technicien_user],
         "lien": "/api/v1/reports/5/fichier"},
    )  # fmt: skip
    await world.apply(report)
    rows = await world.notifications(report.id)
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == sorted(
        [
            (world.responsable, "success", "Rapport « Activité de novembre » prêt",
             "/api/v1/reports/5/fichier"),
            (world.technicien_user, "success", "Rapport « Activité de novembre » prêt",
             "/api/v1/reports/5/fichier"),
        ]
    )  # fmt: skip


async def test_a_malformed_event_notifies_nobody_and_does_not_fail(world: World) -> None:
    e = event("facture.en_retard", {"numero_facture": None})
    assert await world.apply(e) is True
    rows = await world.notifications(e.id)
    assert [r[0] for r in rows] == sorted([world.responsable, world.admin])
    assert rows[0][2] == "Facture — en retard"
