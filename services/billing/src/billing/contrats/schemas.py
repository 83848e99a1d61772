"""API shapes of contracts (money as decimal strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from billing.models import StatutContrat, TypeContrat

PRIORITES = ("urgente", "haute", "normale", "basse", "programmee")
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]
Heures = Annotated[Decimal, Field(gt=0, le=10000, decimal_places=2)]


class SlaPriorite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reponse_heures: Heures
    resolution_heures: Heures


class _ContratFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _check(self) -> Any:
        sla = getattr(self, "sla", None) or {}
        unknown = [k for k in sla if k not in PRIORITES]
        if unknown:
            raise ValueError(f"unknown priorities in sla: {unknown}")
        debut, fin = getattr(self, "date_debut", None), getattr(self, "date_fin", None)
        if debut and fin and fin < debut:
            raise ValueError("date_fin is before date_debut")
        hd, hf = getattr(self, "heure_debut", None), getattr(self, "heure_fin", None)
        if hd and hf and hf <= hd:
            raise ValueError("heure_fin must be after heure_debut")
        return self


class ContratCreate(_ContratFields):
    client_id: int = Field(ge=1, le=2**31 - 1)
    numero_contrat: str = Field(min_length=1, max_length=50, pattern=r"^\S(.*\S)?$")
    type_contrat: TypeContrat
    date_debut: dt.date
    date_fin: dt.date
    montant: Money = Decimal("0")
    devise: str = Field("MAD", pattern=r"^[A-Z]{3}$")
    conditions: str | None = Field(None, max_length=20000)
    sla_details: str | None = Field(None, max_length=20000)
    nb_interventions_incluses: int = Field(0, ge=0, le=1_000_000)
    taux_horaire: Money | None = None
    facturer_deplacement: bool = False
    frais_deplacement: Money = Decimal("0")
    majoration_pieces: Decimal = Field(Decimal("0"), ge=0, le=10, decimal_places=4)
    delai_paiement_jours: int = Field(60, ge=1, le=120, description="law 69-21: at most 120")
    penalite_sla: Money = Decimal("0")
    sla: dict[str, SlaPriorite] = Field(default_factory=dict)
    jours_ouvres: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5], min_length=1, max_length=7
    )
    heure_debut: dt.time = dt.time(8, 30)
    heure_fin: dt.time = dt.time(17, 30)


class ContratUpdate(_ContratFields):
    statut: StatutContrat | None = None
    date_debut: dt.date | None = None
    date_fin: dt.date | None = None
    montant: Money | None = None
    conditions: str | None = Field(None, max_length=20000)
    sla_details: str | None = Field(None, max_length=20000)
    nb_interventions_incluses: int | None = Field(None, ge=0, le=1_000_000)
    taux_horaire: Money | None = None
    facturer_deplacement: bool | None = None
    frais_deplacement: Money | None = None
    majoration_pieces: Decimal | None = Field(None, ge=0, le=10, decimal_places=4)
    delai_paiement_jours: int | None = Field(None, ge=1, le=120)
    penalite_sla: Money | None = None
    sla: dict[str, SlaPriorite] | None = None
    jours_ouvres: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(
        None, min_length=1, max_length=7
    )
    heure_debut: dt.time | None = None
    heure_fin: dt.time | None = None


class ContratRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    client_id: int
    numero_contrat: str
    type_contrat: TypeContrat
    statut: StatutContrat
    date_debut: dt.date
    date_fin: dt.date
    montant: Decimal
    devise: str
    conditions: str | None
    sla_details: str | None
    nb_interventions_incluses: int
    nb_interventions_utilisees: int
    taux_horaire: Decimal | None
    facturer_deplacement: bool
    frais_deplacement: Decimal
    majoration_pieces: Decimal
    delai_paiement_jours: int
    penalite_sla: Decimal
    sla: dict[str, Any]
    jours_ouvres: list[int]
    heure_debut: dt.time
    heure_fin: dt.time
    created_at: dt.datetime
    updated_at: dt.datetime


class SlaConformite(BaseModel):
    priorite: str
    interventions: int
    reponse_respectee: int
    reponse_depassee: int
    resolution_respectee: int
    resolution_depassee: int
    en_cours: int
    taux_reponse: Decimal | None
    taux_resolution: Decimal | None


class SlaRapport(BaseModel):
    contrat_id: int
    du: dt.date | None
    au: dt.date | None
    priorites: list[SlaConformite]
