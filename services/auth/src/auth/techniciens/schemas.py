"""Request and response shapes of technicians, and the `technicien.*` event payload."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from auth.models import Disponibilite
from auth.schemas import InputModel, LongText, PatchModel, ReadModel, Str100
from auth.techniciens.models import Technicien
from auth.users.models import User
from auth.users.schemas import ProfileUserCreate


class TechnicienFields(InputModel):
    specialite: Str100 | None = None
    disponibilite: Disponibilite = Disponibilite.disponible
    equipe: Str100 | None = None
    zone_geographique: Str100 | None = None
    notes_competences: LongText | None = None
    date_embauche: dt.date | None = None


class TechnicienCreate(TechnicienFields):
    user: ProfileUserCreate


class TechnicienUpdate(PatchModel):
    non_nullable = frozenset({"disponibilite"})

    specialite: Str100 | None = None
    disponibilite: Disponibilite | None = None
    equipe: Str100 | None = None
    zone_geographique: Str100 | None = None
    notes_competences: LongText | None = None
    date_embauche: dt.date | None = None


class TechnicienRead(ReadModel):
    id: int
    user_id: int
    username: str
    email: str
    full_name: str
    is_active: bool
    specialite: str | None
    disponibilite: Disponibilite
    equipe: str | None
    zone_geographique: str | None
    # staff only: absent when a technician reads itself
    notes_competences: str | None = None
    date_embauche: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @classmethod
    def of(cls, technicien: Technicien, *, staff: bool = True) -> TechnicienRead:
        """`staff=False`: the technician's own view, without the staff-only fields."""
        user = technicien.user
        staff_only = {"notes_competences": technicien.notes_competences} if staff else {}
        return cls(
            id=technicien.id,
            user_id=technicien.user_id,
            username=user.username,
            email=user.email,
            full_name=user.full_name,
            is_active=user.is_active,
            specialite=technicien.specialite,
            disponibilite=technicien.disponibilite,
            equipe=technicien.equipe,
            zone_geographique=technicien.zone_geographique,
            date_embauche=technicien.date_embauche,
            created_at=technicien.created_at,
            updated_at=technicien.updated_at,
            version=technicien.version,
            **staff_only,
        )


class TechnicienEventData(BaseModel):
    """`data` of technicien.created|updated|deleted."""

    id: int
    user_id: int
    username: str
    full_name: str
    email: str
    specialite: str | None
    disponibilite: Disponibilite
    equipe: str | None
    zone_geographique: str | None
    is_active: bool

    @classmethod
    def of(cls, technicien: Technicien, user: User) -> TechnicienEventData:
        return cls(
            id=technicien.id,
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            email=user.email,
            specialite=technicien.specialite,
            disponibilite=technicien.disponibilite,
            equipe=technicien.equipe,
            zone_geographique=technicien.zone_geographique,
            is_active=user.is_active,
        )
