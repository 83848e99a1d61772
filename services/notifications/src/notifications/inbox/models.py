"""The seed's `notifications` table and the per-channel deliveries of each notification."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from shared.db import pg_enum
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from notifications.database import SCHEMA, Base


class TypeNotification(enum.StrEnum):
    info = "info"
    warning = "warning"
    error = "error"
    success = "success"
    intervention = "intervention"
    planning = "planning"


class StatutEnvoi(enum.StrEnum):
    en_attente = "en_attente"
    envoye = "envoye"
    echec = "echec"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.Integer)
    titre: Mapped[str] = mapped_column(sa.String(255))
    message: Mapped[str] = mapped_column(sa.Text)
    type_notification: Mapped[TypeNotification] = mapped_column(
        pg_enum(TypeNotification, "type_notification", SCHEMA)
    )
    lu: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    date_envoi: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    date_lu: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    intervention_id: Mapped[int | None] = mapped_column(sa.Integer)
    # `metadata` is taken by SQLAlchemy's declarative base: the column keeps the seed's name
    donnees: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))


class Envoi(Base):
    """One delivery of a notification on a channel (e-mail): its status and attempts."""

    __tablename__ = "envois"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        sa.BigInteger, sa.ForeignKey(f"{SCHEMA}.notifications.id", ondelete="CASCADE")
    )
    canal: Mapped[str] = mapped_column(sa.String(20), default="email")
    destinataire: Mapped[str] = mapped_column(sa.String(255))
    statut: Mapped[StatutEnvoi] = mapped_column(
        pg_enum(StatutEnvoi, "statut_envoi", SCHEMA), default=StatutEnvoi.en_attente
    )
    tentatives: Mapped[int] = mapped_column(sa.Integer, default=0)
    derniere_erreur: Mapped[str | None] = mapped_column(sa.Text)
    date_creation: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    date_envoi: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
