"""The `techniciens` table: the technicien profile of a user (one-to-one)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from shared.db import Versioned
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Base, Disponibilite, DisponibiliteType
from auth.users.models import User


class Technicien(Versioned, Base):
    __tablename__ = "techniciens"
    __table_args__ = (sa.Index("ix_techniciens_disponibilite", "disponibilite"),)

    id: Mapped[int] = mapped_column(sa.Integer, sa.Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("auth.users.id", ondelete="CASCADE"), unique=True
    )
    specialite: Mapped[str | None] = mapped_column(sa.String(100))
    disponibilite: Mapped[Disponibilite] = mapped_column(
        DisponibiliteType, default=Disponibilite.disponible, server_default="disponible"
    )
    equipe: Mapped[str | None] = mapped_column(sa.String(100))
    zone_geographique: Mapped[str | None] = mapped_column(sa.String(100))
    notes_competences: Mapped[str | None] = mapped_column(sa.Text)
    date_embauche: Mapped[dt.date | None] = mapped_column(sa.Date)

    # Loaded explicitly by the repository (joinedload); never lazily behind our back.
    user: Mapped[User] = relationship(lazy="raise", innerjoin=True)
