"""Request and response bodies of the inventory API (money as decimal strings)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from inventory.cump import centimes
from inventory.database import EMPLACEMENT_RE

Emplacement = Annotated[str, Field(pattern=EMPLACEMENT_RE, max_length=100)]
Quantite = Annotated[int, Field(gt=0, le=1_000_000)]
Texte = Annotated[str, Field(max_length=100)]
Prix = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=10)]


class TypeMouvement(enum.StrEnum):
    entree = "entree"
    sortie = "sortie"
    ajustement = "ajustement"
    transfert = "transfert"


class StatutReservation(enum.StrEnum):
    active = "active"
    liberee = "liberee"
    consommee = "consommee"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PieceCreate(Strict):
    reference: Annotated[str, Field(min_length=1, max_length=100)]
    nom: Annotated[str, Field(min_length=1, max_length=255)]
    description: Annotated[str | None, Field(max_length=5000)] = None
    prix_unitaire: Prix = Decimal("0")
    stock_minimum: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    stock_maximum: Annotated[int, Field(ge=0, le=1_000_000)] = 100
    unite: Annotated[str, Field(min_length=1, max_length=20)] = "unite"
    fournisseur: Annotated[str | None, Field(max_length=255)] = None
    emplacement: Emplacement = "entrepot"

    @model_validator(mode="after")
    def _levels(self) -> PieceCreate:
        if self.stock_maximum < self.stock_minimum:
            raise ValueError("stock_maximum must be >= stock_minimum")
        return self


class PieceUpdate(Strict):
    reference: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    nom: Annotated[str | None, Field(min_length=1, max_length=255)] = None
    description: Annotated[str | None, Field(max_length=5000)] = None
    stock_minimum: Annotated[int | None, Field(ge=0, le=1_000_000)] = None
    stock_maximum: Annotated[int | None, Field(ge=0, le=1_000_000)] = None
    unite: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    fournisseur: Annotated[str | None, Field(max_length=255)] = None
    emplacement: Emplacement | None = None
    active: bool | None = None

    @model_validator(mode="after")
    def _not_null(self) -> PieceUpdate:
        for name in ("reference", "nom", "unite", "emplacement", "active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class PieceRead(BaseModel):
    id: int
    reference: str
    nom: str
    description: str | None
    prix_unitaire: Decimal
    stock_actuel: int
    stock_reserve: int
    stock_disponible: int
    stock_minimum: int
    stock_maximum: int
    sous_seuil: bool
    unite: str
    fournisseur: str | None
    emplacement: str
    active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @field_serializer("prix_unitaire")
    def _prix(self, value: Decimal) -> str:
        return str(centimes(value))

    @classmethod
    def of(cls, row: Any) -> PieceRead:
        m = row._mapping
        disponible = m["stock_actuel"] - m["stock_reserve"]
        return cls(
            **{k: m[k] for k in cls.model_fields if k in m},
            stock_disponible=disponible,
            sous_seuil=disponible <= m["stock_minimum"],
        )


class MouvementCreate(Strict):
    type_mouvement: TypeMouvement
    # entree/sortie/transfert: the quantity moved; ajustement: the quantity counted
    quantite: Annotated[int, Field(ge=0, le=1_000_000)]
    emplacement: Emplacement | None = None
    emplacement_destination: Emplacement | None = None
    prix_unitaire: Prix | None = None
    bon_livraison: Texte | None = None
    bon_commande: Texte | None = None
    commentaire: Annotated[str | None, Field(max_length=2000)] = None

    @model_validator(mode="after")
    def _shape(self) -> MouvementCreate:
        t = self.type_mouvement
        if t != TypeMouvement.ajustement and self.quantite == 0:
            raise ValueError("quantite must be > 0")
        if t == TypeMouvement.entree and self.prix_unitaire is None:
            raise ValueError("an entree needs prix_unitaire")
        if t == TypeMouvement.ajustement and not (self.commentaire or "").strip():
            raise ValueError("an ajustement needs a commentaire")
        if t == TypeMouvement.transfert:
            if self.emplacement_destination is None:
                raise ValueError("a transfert needs emplacement_destination")
        elif self.emplacement_destination is not None:
            raise ValueError("emplacement_destination is only for a transfert")
        return self


class MouvementRead(BaseModel):
    id: int
    piece_id: int
    intervention_id: int | None
    user_id: int | None
    type_mouvement: TypeMouvement
    quantite: int
    emplacement: str
    emplacement_destination: str | None
    stock_apres: int
    prix_unitaire: Decimal | None
    date_mouvement: dt.datetime
    commentaire: str | None
    bon_commande: str | None
    bon_livraison: str | None

    @field_serializer("prix_unitaire")
    def _prix(self, value: Decimal | None) -> str | None:
        return None if value is None else str(centimes(value))


class StockRead(BaseModel):
    piece_id: int
    emplacement: str
    technicien_id: int | None
    quantite: int
    updated_at: dt.datetime


class ReservationCreate(Strict):
    piece_id: int = Field(ge=1, le=2_147_483_647)
    quantite: Quantite


class ReservationRead(BaseModel):
    id: int
    intervention_id: int
    piece_id: int
    quantite: int
    quantite_initiale: int
    statut: StatutReservation
    created_at: dt.datetime
    updated_at: dt.datetime


class ConsommationCreate(Strict):
    piece_id: int = Field(ge=1, le=2_147_483_647)
    quantite: Quantite
    emplacement: Emplacement | None = None
    notes: Annotated[str | None, Field(max_length=2000)] = None


class InterventionPieceRead(BaseModel):
    id: int
    intervention_id: int
    piece_id: int
    technicien_id: int | None
    quantite: int
    prix_unitaire: Decimal
    montant: Decimal
    notes: str | None
    date_utilisation: dt.datetime

    @field_serializer("prix_unitaire", "montant")
    def _money(self, value: Decimal) -> str:
        return str(centimes(value))
