"""Request and response shapes of competences and of a technician's competences."""

from __future__ import annotations

import datetime as dt

from pydantic import model_validator

from auth.models import NiveauCompetence
from auth.schemas import InputModel, LongText, PatchModel, ReadModel, Str150, Str200


class CompetenceCreate(InputModel):
    nom: Str150
    description: LongText | None = None
    niveau_requis: NiveauCompetence | None = None
    certification: Str200 | None = None
    active: bool = True


class CompetenceUpdate(PatchModel):
    non_nullable = frozenset({"nom", "active"})

    nom: Str150 | None = None
    description: LongText | None = None
    niveau_requis: NiveauCompetence | None = None
    certification: Str200 | None = None
    active: bool | None = None


class CompetenceRead(ReadModel):
    id: int
    nom: str
    description: str | None
    niveau_requis: NiveauCompetence | None
    certification: str | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class TechnicienCompetenceSet(InputModel):
    """PUT /techniciens/{id}/competences/{competence_id}: the whole assignment."""

    niveau_acquis: NiveauCompetence
    date_acquisition: dt.date | None = None
    date_expiration: dt.date | None = None
    notes: LongText | None = None
    certifie: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> TechnicienCompetenceSet:
        if (
            self.date_acquisition is not None
            and self.date_expiration is not None
            and self.date_expiration < self.date_acquisition
        ):
            raise ValueError("date_expiration is before date_acquisition")
        return self


class TechnicienCompetenceRead(ReadModel):
    technicien_id: int
    competence_id: int
    nom: str
    niveau_acquis: NiveauCompetence
    date_acquisition: dt.date | None
    date_expiration: dt.date | None
    notes: str | None
    certifie: bool
