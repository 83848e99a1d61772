"""API shapes of invoices, their lines, payments and credit notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from billing.models import ModePaiement, NatureLigne, StatutFacture

Amount = Annotated[
    Decimal, Field(ge=Decimal("-999999999.99"), le=Decimal("999999999.99"), decimal_places=2)
]
Positive = Annotated[Decimal, Field(gt=0, le=Decimal("999999999.99"), decimal_places=2)]
Quantite = Annotated[Decimal, Field(gt=0, le=Decimal("999999"), decimal_places=3)]
Taux = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]


class LigneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    designation: str = Field(min_length=1, max_length=500)
    quantite: Quantite
    prix_unitaire: Amount
    taux_tva: Taux | None = None


class LigneUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    designation: str | None = Field(None, min_length=1, max_length=500)
    quantite: Quantite | None = None
    prix_unitaire: Amount | None = None
    taux_tva: Taux | None = None


class LigneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    nature: NatureLigne
    intervention_id: int | None
    designation: str
    quantite: Decimal
    prix_unitaire: Decimal
    taux_tva: Decimal
    montant_ht: Decimal
    montant_tva: Decimal
    montant_ttc: Decimal


class FactureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: int = Field(ge=1, le=2**31 - 1)
    contrat_id: int | None = Field(None, ge=1, le=2**31 - 1)
    description: str | None = Field(None, max_length=5000)
    taux_tva: Taux = Decimal("0.20")
    devise: str = Field("MAD", pattern=r"^[A-Z]{3}$")
    delai_paiement_jours: int | None = Field(None, ge=1, le=120)
    lignes: list[LigneCreate] = Field(default_factory=list, max_length=500)


class FactureUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = Field(None, max_length=5000)
    contrat_id: int | None = Field(None, ge=1, le=2**31 - 1)
    delai_paiement_jours: int | None = Field(None, ge=1, le=120)


class TvaTaux(BaseModel):
    taux_tva: Decimal
    base_ht: Decimal
    montant_tva: Decimal


class PaiementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date_paiement: dt.date
    montant: Positive
    mode_paiement: ModePaiement
    reference: str | None = Field(None, max_length=100)


class PaiementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    facture_id: int
    date_paiement: dt.date
    montant: Decimal
    mode_paiement: ModePaiement
    reference: str | None


class FactureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    client_id: int
    contrat_id: int | None
    numero_facture: str | None
    statut: StatutFacture
    automatique: bool
    date_emission: dt.date | None
    date_echeance: dt.date | None
    date_paiement: dt.date | None
    montant_ht: Decimal
    taux_tva: Decimal
    montant_tva: Decimal
    montant_ttc: Decimal
    montant_paye: Decimal
    montant_avoirs: Decimal
    solde: Decimal
    devise: str
    description: str | None
    mode_paiement: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class FactureDetail(FactureRead):
    lignes: list[LigneRead]
    tva: list[TvaTaux]
    paiements: list[PaiementRead]


class AvoirCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    motif: str = Field(min_length=1, max_length=2000)
    lignes: list[LigneCreate] | None = Field(
        None, max_length=500, description="omitted: the whole invoice is credited"
    )


class AvoirRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    numero_avoir: str
    facture_id: int
    client_id: int
    date_emission: dt.date
    motif: str
    montant_ht: Decimal
    montant_tva: Decimal
    montant_ttc: Decimal
    devise: str


class AvoirDetail(AvoirRead):
    lignes: list[LigneRead]
    tva: list[TvaTaux]


class Penalites(BaseModel):
    facture_id: int
    le: dt.date
    montant_du: Decimal
    mois_de_retard: int
    taux: Decimal
    penalite: Decimal
