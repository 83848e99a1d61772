"""Request and response bodies of the intervention endpoints."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator
from shared.types import Id, UtcDateTime

from interventions.interventions.models import (
    PrioriteIntervention,
    StatutIntervention,
    TypeIntervention,
)
from interventions.interventions.workflow import response_hours

Titre = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]
Hours = Annotated[decimal.Decimal, Field(ge=0, max_digits=8, decimal_places=2)]
Money = Annotated[decimal.Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InterventionCreate(_In):
    """`statut` is not an input: every intervention starts `ouverte`."""

    equipement_id: Id
    client_id: Id | None = Field(default=None, description="defaults to the owner")
    titre: Titre
    type_intervention: TypeIntervention = TypeIntervention.corrective
    priorite: PrioriteIntervention = PrioriteIntervention.normale
    urgence: bool = False
    description: LongText | None = None
    date_planifiee: UtcDateTime | None = None
    date_limite: UtcDateTime | None = None
    duree_estimee: Hours | None = None
    cout_estime: Money | None = None
    notes_techniques: LongText | None = None


# Who may edit which descriptive field (PATCH). Never `statut`.
STAFF_FIELDS = frozenset(
    {
        "titre", "description", "type_intervention", "priorite", "urgence", "diagnostic",
        "date_planifiee", "date_limite", "duree_estimee", "duree_reelle", "cout_estime",
        "cout_reel", "notes_techniques", "solution", "rapport", "periodes",
    }
)  # fmt: skip
TECHNICIEN_FIELDS = frozenset(
    {"diagnostic", "notes_techniques", "duree_reelle", "cout_reel", "rapport"}
)
CLIENT_FIELDS = frozenset({"titre", "description"})
# What staff may still correct on a cloturee intervention (If-Match required, audited,
# published as intervention.corrigee); `periodes` only there (every period is closed).
CORRECTION_FIELDS = frozenset(
    {
        "solution",
        "rapport",
        "notes_techniques",
        "diagnostic",
        "periodes",
        "duree_reelle",
        "cout_reel",
    }
)
MotifAttente = Literal["client", "pieces", "technique", "autre"]


class PeriodeIn(_In):
    """A working (`en_cours`) or waiting (`en_attente`) period, as corrected by staff."""

    statut: Literal["en_cours", "en_attente"]
    debut: UtcDateTime
    fin: UtcDateTime
    motif: MotifAttente | None = None


class Periode(BaseModel):
    statut: Literal["en_cours", "en_attente"]
    debut: dt.datetime
    fin: dt.datetime | None
    motif: MotifAttente | None = None


class InterventionUpdate(_In):
    titre: Titre | None = None
    description: LongText | None = None
    type_intervention: TypeIntervention | None = None
    priorite: PrioriteIntervention | None = None
    urgence: bool | None = None
    diagnostic: LongText | None = None
    date_planifiee: UtcDateTime | None = None
    date_limite: UtcDateTime | None = None
    duree_estimee: Hours | None = None
    duree_reelle: Hours | None = None
    cout_estime: Money | None = None
    cout_reel: Money | None = None
    notes_techniques: LongText | None = None
    solution: LongText | None = None
    rapport: LongText | None = None
    periodes: Annotated[list[PeriodeIn], Field(max_length=500)] | None = None

    @field_validator("titre", "type_intervention", "priorite", "urgence", "periodes")
    @classmethod
    def _required(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class Transition(_In):
    statut: StatutIntervention
    commentaire: LongText | None = None
    diagnostic: LongText | None = None
    solution: LongText | None = None
    motif_attente: MotifAttente | None = Field(
        default=None, description="why it waits (en_attente): client, pieces, technique, autre"
    )


class Affectation(_In):
    technicien_id: Id


class Evaluation(_In):
    satisfaction_client: int = Field(ge=1, le=5)


class InterventionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    equipement_id: int
    technicien_id: int | None
    client_id: int
    type_intervention: TypeIntervention
    statut: StatutIntervention
    priorite: PrioriteIntervention
    urgence: bool
    titre: str
    description: str | None
    diagnostic: str | None
    solution: str | None
    date_creation: dt.datetime
    date_planifiee: dt.datetime | None
    date_debut: dt.datetime | None
    date_fin: dt.datetime | None
    date_limite: dt.datetime | None
    duree_estimee: decimal.Decimal | None
    duree_reelle: decimal.Decimal | None
    cout_estime: decimal.Decimal | None
    cout_reel: decimal.Decimal | None
    notes_techniques: str | None
    satisfaction_client: int | None
    date_echeance_maintenance: dt.date | None
    periodes: list[Periode]
    duree_attente: decimal.Decimal | None
    date_affectation: dt.datetime | None
    date_prise_en_charge: dt.datetime | None
    motif_attente: MotifAttente | None
    cout_main_oeuvre: decimal.Decimal | None
    cout_pieces: decimal.Decimal
    sous_garantie: bool
    rapport: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delai_prise_en_charge(self) -> decimal.Decimal | None:
        """Response time in hours: creation -> first en_cours."""
        return response_hours(self.date_creation, self.date_prise_en_charge)
