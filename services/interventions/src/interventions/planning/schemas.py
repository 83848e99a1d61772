"""Request and response bodies of the planning feature."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator
from shared.types import UtcDateTime


class PlanningPut(BaseModel):
    """The slot of an intervention, created or replaced as a whole."""

    model_config = ConfigDict(extra="forbid")

    date_debut: UtcDateTime
    date_fin: UtcDateTime
    creneau: str | None = Field(default=None, max_length=100)
    notes_planning: str | None = Field(default=None, max_length=10_000)

    @model_validator(mode="after")
    def _fin_apres_debut(self) -> PlanningPut:
        if self.date_fin <= self.date_debut:
            raise ValueError("date_fin must be after date_debut")
        return self


class PlanningRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    intervention_id: int
    technicien_id: int | None
    date_debut: dt.datetime
    date_fin: dt.datetime
    creneau: str | None
    notes_planning: str | None
    confirme: bool
    rappel_envoye: bool
    statut: str = Field(description="planifie, or annule once the intervention is cancelled")
    date_creation: dt.datetime
    date_modification: dt.datetime
    version: int
