"""The rules: which event tells whom what. One row per (event, recipients); the French
title, message and console link are `str.format` templates over the event's context
(`inbox.contexte`: the intervention, equipment and client named, dates in Casablanca
time, amounts in dirhams). A person told by two rows of one event is told once (the
first row). `suivi` rows are progress updates a client may mute."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from notifications.inbox.models import TypeNotification as T


class Qui(StrEnum):
    technicien = "technicien"  # the user of the event's (or intervention's) technicien_id
    client = "client"  # the user of the event's (or intervention's) client_id
    responsables = "responsables"  # every active responsable and admin
    auteur = "auteur"  # the user who asked for it (`created_by`)
    destinataires = "destinataires"  # the user ids the event lists


@dataclass(frozen=True, slots=True)
class Regle:
    event: str
    qui: tuple[Qui, ...]
    type_notification: T
    titre: str
    message: str
    lien: str
    suivi: bool = False


INTERVENTION = "/interventions/{intervention_id}"
SUR = "{intervention} sur l'équipement {equipement} (client {client})"

REGLES: tuple[Regle, ...] = (
    # -- interventions ------------------------------------------------------------------
    Regle(
        "intervention.created",
        (Qui.responsables,),
        T.intervention,
        "Nouvelle intervention {intervention_numero}",
        "Nouvelle intervention {intervention} (priorité {priorite}) créée sur l'équipement "
        "{equipement} du client {client}.",
        INTERVENTION,
    ),
    Regle(
        "intervention.affectee",
        (Qui.technicien,),
        T.intervention,
        "Intervention {intervention_numero} affectée",
        "L'intervention " + SUR + " vous est affectée (priorité {priorite}).",
        INTERVENTION,
    ),
    Regle(
        "intervention.affectee",
        (Qui.client,),
        T.intervention,
        "Intervention {intervention_numero} prise en charge",
        "Votre intervention {intervention} sur l'équipement {equipement} a été confiée au "
        "technicien {technicien}.",
        INTERVENTION,
        suivi=True,
    ),
    Regle(
        "intervention.affectee",
        (Qui.responsables,),
        T.intervention,
        "Intervention {intervention_numero} affectée",
        "L'intervention " + SUR + " est affectée au technicien {technicien}.",
        INTERVENTION,
    ),
    Regle(
        "intervention.statut_change",
        (Qui.client,),
        T.intervention,
        "Intervention {intervention_numero} : {statut}",
        "Votre intervention {intervention} sur l'équipement {equipement} est passée de "
        "« {ancien_statut} » à « {statut} ».",
        INTERVENTION,
        suivi=True,
    ),
    Regle(
        "intervention.statut_change",
        (Qui.responsables,),
        T.intervention,
        "Intervention {intervention_numero} : {statut}",
        "L'intervention " + SUR + " est passée de « {ancien_statut} » à « {statut} ».",
        INTERVENTION,
    ),
    Regle(
        "intervention.cloturee",
        (Qui.client, Qui.responsables),
        T.success,
        "Intervention {intervention_numero} clôturée",
        "L'intervention " + SUR + " est clôturée.",
        INTERVENTION,
    ),
    Regle(
        "intervention.annulee",
        (Qui.client, Qui.responsables, Qui.technicien),
        T.warning,
        "Intervention {intervention_numero} annulée",
        "L'intervention " + SUR + " est annulée.",
        INTERVENTION,
    ),
    # -- planning -----------------------------------------------------------------------
    Regle(
        "planning.planifie",
        (Qui.technicien, Qui.client),
        T.planning,
        "Intervention {intervention_numero} planifiée le {date_debut_jour}",
        "L'intervention " + SUR + " est planifiée du {date_debut} au {date_fin}.",
        INTERVENTION,
    ),
    Regle(
        "planning.confirme",
        (Qui.technicien, Qui.client),
        T.planning,
        "Passage confirmé le {date_debut_jour}",
        "Le passage pour l'intervention " + SUR + " est confirmé du {date_debut} au {date_fin}.",
        INTERVENTION,
    ),
    Regle(
        "planning.rappel",
        (Qui.technicien, Qui.client),
        T.planning,
        "Rappel : intervention {intervention_numero} le {date_debut_jour}",
        "Rappel : l'intervention " + SUR + " est prévue du {date_debut} au {date_fin}.",
        INTERVENTION,
    ),
    Regle(
        "planning.annule",
        (Qui.technicien, Qui.client),
        T.planning,
        "Passage annulé pour l'intervention {intervention_numero}",
        "Le passage prévu le {date_debut} pour l'intervention " + SUR + " est annulé.",
        INTERVENTION,
    ),
    # -- stock ----------------------------------------------------------------------------
    Regle(
        "stock.seuil_bas",
        (Qui.responsables,),
        T.warning,
        "Stock bas : {reference} {nom}",
        "Le stock disponible de la pièce {reference} « {nom} » est de {stock_disponible} "
        "(minimum {stock_minimum}) : {quantite_a_commander} à commander.",
        "/stock/pieces/{piece_id}",
    ),
    # -- billing --------------------------------------------------------------------------
    Regle(
        "facture.emise",
        (Qui.client, Qui.responsables),
        T.info,
        "Facture {numero_facture} émise",
        "La facture {numero_facture} du client {client} ({montant_ttc} TTC) a été émise le "
        "{date_emission}, échéance le {date_echeance}.",
        "/factures/{id}",
    ),
    Regle(
        "facture.en_retard",
        (Qui.client, Qui.responsables),
        T.warning,
        "Facture {numero_facture} en retard",
        "La facture {numero_facture} du client {client} ({montant_ttc} TTC) n'est pas réglée "
        "à son échéance du {date_echeance}.",
        "/factures/{id}",
    ),
    Regle(
        "sla.risque",
        (Qui.responsables,),
        T.warning,
        "SLA en risque : intervention {intervention_numero}",
        "Le délai de {kind} de l'intervention " + SUR + " (priorité {priorite}) arrive à "
        "échéance le {echeance}.",
        INTERVENTION,
    ),
    Regle(
        "sla.depasse",
        (Qui.responsables,),
        T.error,
        "SLA dépassé : intervention {intervention_numero}",
        "Le délai de {kind} de l'intervention " + SUR + " (priorité {priorite}) est dépassé "
        "depuis le {echeance}.",
        INTERVENTION,
    ),
    Regle(
        "contrat.quota_80",
        (Qui.client, Qui.responsables),
        T.warning,
        "Contrat {numero_contrat} : 80 % du quota atteint",
        "Le contrat {numero_contrat} du client {client} a utilisé {nb_interventions_utilisees} "
        "de ses {nb_interventions_incluses} interventions incluses.",
        "/contrats/{id}",
    ),
    Regle(
        "contrat.quota_atteint",
        (Qui.client, Qui.responsables),
        T.error,
        "Contrat {numero_contrat} : quota atteint",
        "Le contrat {numero_contrat} du client {client} a utilisé toutes ses "
        "{nb_interventions_incluses} interventions incluses.",
        "/contrats/{id}",
    ),
    # -- reporting ------------------------------------------------------------------------
    Regle(
        "report.termine",
        (Qui.auteur, Qui.destinataires),
        T.success,
        "Rapport « {nom} » prêt",
        "Le rapport « {nom} » ({format}) est prêt.",
        "{lien_rapport}",
    ),
    Regle(
        "report.erreur",
        (Qui.auteur,),
        T.error,
        "Échec du rapport « {nom} »",
        "Le rapport « {nom} » n'a pas pu être produit : {erreur_message}.",
        "/rapports/{id}",
    ),
)

# event type -> its rows, in table order
PAR_EVENT: dict[str, tuple[Regle, ...]] = {}
for _regle in REGLES:
    PAR_EVENT[_regle.event] = (*PAR_EVENT.get(_regle.event, ()), _regle)
