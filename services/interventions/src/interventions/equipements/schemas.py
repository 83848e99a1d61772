"""Request and response bodies of the equipment endpoints."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from shared.types import Date, Id, UtcDateTime

from interventions.equipements.models import CriticiteEquipement, StatutEquipement

Nom = Annotated[str, Field(min_length=1, max_length=200)]
Texte200 = Annotated[str, Field(max_length=200)]
Money = Annotated[decimal.Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Intervalle = Annotated[int, Field(ge=1, le=3650)]
MoisGarantie = Annotated[int, Field(ge=0, le=600)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EquipementCreate(_In):
    client_id: Id
    nom: Nom
    numero_serie: Annotated[str, Field(min_length=1, max_length=100)]
    modele: Texte200 | None = None
    fabricant: Texte200 | None = None
    date_installation: Date | None = None
    criticite: CriticiteEquipement = CriticiteEquipement.normale
    localisation: Annotated[str, Field(max_length=255)] | None = None
    specifications_techniques: Annotated[str, Field(max_length=20_000)] | None = None
    manuel_utilisation: Annotated[str, Field(max_length=20_000)] | None = None
    derniere_maintenance: UtcDateTime | None = None
    prochaine_maintenance: Date | None = None
    cout_acquisition: Money | None = None
    fournisseur: Texte200 | None = None
    intervalle_maintenance_jours: Intervalle | None = None
    duree_garantie_mois: MoisGarantie | None = Field(
        default=None, description="warranty from date_installation, in months"
    )
    date_fin_garantie: Date | None = Field(
        default=None, description="last day of warranty (default: installation + duration)"
    )


class EquipementUpdate(_In):
    """Descriptive fields; `statut` moves only through POST /equipements/{id}/statut."""

    nom: Nom | None = None
    numero_serie: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    modele: Texte200 | None = None
    fabricant: Texte200 | None = None
    date_installation: Date | None = None
    criticite: CriticiteEquipement | None = None
    localisation: Annotated[str, Field(max_length=255)] | None = None
    specifications_techniques: Annotated[str, Field(max_length=20_000)] | None = None
    manuel_utilisation: Annotated[str, Field(max_length=20_000)] | None = None
    derniere_maintenance: UtcDateTime | None = None
    prochaine_maintenance: Date | None = None
    cout_acquisition: Money | None = None
    fournisseur: Texte200 | None = None
    intervalle_maintenance_jours: Intervalle | None = None
    duree_garantie_mois: MoisGarantie | None = None
    date_fin_garantie: Date | None = None

    @field_validator("nom", "numero_serie", "criticite")
    @classmethod
    def _required(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class StatutChange(_In):
    statut: StatutEquipement


class EquipementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_id: int
    nom: str
    modele: str | None
    fabricant: str | None
    numero_serie: str
    date_installation: dt.date | None
    statut: StatutEquipement
    criticite: CriticiteEquipement
    localisation: str | None
    specifications_techniques: str | None
    manuel_utilisation: str | None
    derniere_maintenance: dt.datetime | None
    prochaine_maintenance: dt.date | None
    cout_acquisition: decimal.Decimal | None
    fournisseur: str | None
    intervalle_maintenance_jours: int | None
    duree_garantie_mois: int | None
    date_fin_garantie: dt.date | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
