"""Local replicas of auth's technicians and clients, fed by `technicien.*` / `client.*`."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from interventions.database import Base
from interventions.equipements.models import pg_enum


class Disponibilite(enum.StrEnum):
    disponible = "disponible"
    occupe = "occupe"
    conge = "conge"
    formation = "formation"
    indisponible = "indisponible"


INDISPONIBLE = (Disponibilite.conge, Disponibilite.indisponible)


class TechnicienReplica(Base):
    __tablename__ = "techniciens_replica"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    username: Mapped[str | None] = mapped_column(sa.String(150))
    full_name: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(255))
    disponibilite: Mapped[Disponibilite] = mapped_column(
        pg_enum(Disponibilite, "disponibilite_technicien"),
        nullable=False,
        default=Disponibilite.disponible,
    )
    specialite: Mapped[str | None] = mapped_column(sa.String(200))
    equipe: Mapped[str | None] = mapped_column(sa.String(200))
    zone_geographique: Mapped[str | None] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # occurred_at of the last event applied: an older, redelivered event never wins
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class ClientReplica(Base):
    __tablename__ = "clients_replica"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    username: Mapped[str | None] = mapped_column(sa.String(150))
    nom_entreprise: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
