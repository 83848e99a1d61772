"""API shapes of the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from notifications.inbox.models import Envoi, Notification, StatutEnvoi, TypeNotification


class EnvoiRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    canal: str
    statut: StatutEnvoi
    tentatives: int
    derniere_erreur: str | None
    date_envoi: dt.datetime | None


class NotificationRead(BaseModel):
    id: int
    user_id: int
    titre: str
    message: str
    type_notification: TypeNotification
    lu: bool
    date_envoi: dt.datetime
    date_lu: dt.datetime | None
    intervention_id: int | None
    lien: str | None = Field(None, description="path the web console opens")
    metadata: dict[str, Any]
    envois: list[EnvoiRead] = Field(default_factory=list, description="e-mail delivery")

    @classmethod
    def of(cls, row: Notification, envois: list[Envoi] | None = None) -> NotificationRead:
        donnees = dict(row.donnees or {})
        return cls(
            id=row.id,
            user_id=row.user_id,
            titre=row.titre,
            message=row.message,
            type_notification=row.type_notification,
            lu=row.lu,
            date_envoi=row.date_envoi,
            date_lu=row.date_lu,
            intervention_id=row.intervention_id,
            lien=donnees.get("lien"),
            metadata=donnees,
            envois=[EnvoiRead.model_validate(e) for e in envois or []],
        )


class NonLues(BaseModel):
    non_lues: int


class Lues(BaseModel):
    marquees: int
