"""Response bodies of the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from interventions.historique.models import ActionHistorique


class HistoriqueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    intervention_id: int
    user_id: int | None
    action: ActionHistorique
    description: str
    ancienne_valeur: dict[str, Any] | None
    nouvelle_valeur: dict[str, Any] | None
    horodatage: dt.datetime
    adresse_ip: str | None
    user_agent: str | None
    prev_hash: str
    hash: str
    origine: str = "api"

    @field_validator("adresse_ip", mode="before")
    @classmethod
    def _ip(cls, value: object) -> str | None:
        return None if value is None else str(value)


class VerificationRead(BaseModel):
    intact: bool
    rows: int
    first_broken_id: int | None = None
    reason: str | None = None


class HistoriquePage(BaseModel):
    items: list[HistoriqueRead]
    next_cursor: str | None = None
    verification: VerificationRead | None = None


class HistoriqueEquipementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    equipement_id: int
    user_id: int | None
    action: str
    description: str
    ancienne_valeur: dict[str, Any] | None
    nouvelle_valeur: dict[str, Any] | None
    horodatage: dt.datetime
    adresse_ip: str | None
    user_agent: str | None
    prev_hash: str
    hash: str
    origine: str = "api"

    @field_validator("adresse_ip", mode="before")
    @classmethod
    def _ip(cls, value: object) -> str | None:
        return None if value is None else str(value)


class HistoriqueEquipementPage(BaseModel):
    items: list[HistoriqueEquipementRead]
    next_cursor: str | None = None
    verification: VerificationRead | None = None
