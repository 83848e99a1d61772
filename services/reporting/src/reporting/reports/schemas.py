"""Report requests and answers."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TypeReport(StrEnum):
    interventions = "interventions"
    performance = "performance"
    stock = "stock"
    facturation = "facturation"
    client = "client"


class FormatReport(StrEnum):
    pdf = "pdf"
    excel = "excel"
    csv = "csv"


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nom: str = Field(min_length=1, max_length=200)
    type_report: TypeReport
    format: FormatReport
    parametres: dict[str, Any] = Field(default_factory=dict)


class ReportRead(BaseModel):
    id: int
    nom: str
    type_report: TypeReport
    format: FormatReport
    parametres: dict[str, Any]
    statut: str
    progression: int
    erreur_message: str | None
    date_generation: dt.datetime | None
    generated_by: int
    taille: int | None
    fichier_disponible: bool
    schedule_id: int | None
    created_at: dt.datetime
