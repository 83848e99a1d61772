"""Statistics answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel


class TechnicianStats(BaseModel):
    technician_id: int
    user_id: int | None
    username: str | None
    total_interventions: int
    completed_interventions: int
    avg_duration: Decimal | None
    avg_satisfaction: Decimal | None


class ClientEquipmentSummary(BaseModel):
    client_id: int
    nom_entreprise: str | None
    total_equipment: int
    operational_equipment: int
    failed_equipment: int
    critical_equipment: int


class TechnicianStatsPage(BaseModel):
    items: list[TechnicianStats]
    rafraichi_le: dt.datetime | None


class ClientSummaryPage(BaseModel):
    items: list[ClientEquipmentSummary]
    rafraichi_le: dt.datetime | None


class BacklogLigne(BaseModel):
    priorite: str
    moins_1j: int
    de_1_a_7j: int
    de_7_a_30j: int
    plus_30j: int
    total: int


class EquipementFiabilite(BaseModel):
    equipement_id: int
    nom: str | None
    pannes: int
    heures_reparation: Decimal
    mtbf_heures: Decimal | None
    mttr_heures: Decimal | None
    disponibilite: Decimal


class KpiPeriode(BaseModel):
    debut: dt.date
    interventions_cloturees: int
    heures_travail: Decimal
    mttr_heures: Decimal | None
    taux_cloture_a_temps: Decimal | None
    conformite_sla: Decimal | None
    taux_first_time_fix: Decimal | None
    cout_pieces: Decimal
    chiffre_affaires_facture: Decimal
    chiffre_affaires_encaisse: Decimal


class Kpis(BaseModel):
    du: dt.date
    au: dt.date
    granularite: str
    fuseau: str
    heures_fenetre: Decimal
    interventions_cloturees: int
    mttr_heures: Decimal | None
    heures_travail: Decimal
    taux_cloture_a_temps: Decimal | None
    conformite_sla: Decimal | None
    taux_first_time_fix: Decimal | None
    cout_pieces: Decimal
    chiffre_affaires_facture: Decimal
    chiffre_affaires_encaisse: Decimal
    avoirs: Decimal
    backlog: list[BacklogLigne]
    equipements: list[EquipementFiabilite]
    periodes: list[KpiPeriode]
