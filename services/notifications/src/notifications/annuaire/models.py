"""Local replicas fed by events: who is who, and the names the messages use."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from notifications.database import Base


class UtilisateurReplica(Base):
    """auth's users (`user.*`): role, e-mail, active, technician/client link."""

    __tablename__ = "utilisateurs_replica"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(sa.String(150))
    email: Mapped[str | None] = mapped_column(sa.String(255))
    full_name: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    technicien_id: Mapped[int | None] = mapped_column(sa.Integer)
    client_id: Mapped[int | None] = mapped_column(sa.Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class TechnicienReplica(Base):
    __tablename__ = "techniciens_replica"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    full_name: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class ClientReplica(Base):
    __tablename__ = "clients_replica"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    nom_entreprise: Mapped[str | None] = mapped_column(sa.String(255))
    full_name: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class EquipementReplica(Base):
    __tablename__ = "equipements_replica"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    client_id: Mapped[int | None] = mapped_column(sa.Integer)
    nom: Mapped[str | None] = mapped_column(sa.String(255))
    numero_serie: Mapped[str | None] = mapped_column(sa.String(255))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class InterventionReplica(Base):
    __tablename__ = "interventions_replica"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    titre: Mapped[str | None] = mapped_column(sa.String(255))
    equipement_id: Mapped[int | None] = mapped_column(sa.Integer)
    client_id: Mapped[int | None] = mapped_column(sa.Integer)
    technicien_id: Mapped[int | None] = mapped_column(sa.Integer)
    statut: Mapped[str | None] = mapped_column(sa.String(30))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


Replica = (
    type[UtilisateurReplica]
    | type[TechnicienReplica]
    | type[ClientReplica]
    | type[EquipementReplica]
    | type[InterventionReplica]
)
