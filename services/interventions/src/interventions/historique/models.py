"""The audit trail: `historiques_interventions`, append-only and hash-chained per intervention."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from interventions.database import Base
from interventions.equipements.models import pg_enum


class ActionHistorique(enum.StrEnum):
    creation = "creation"
    modification = "modification"
    affectation = "affectation"
    changement_statut = "changement_statut"
    debut_intervention = "debut_intervention"
    fin_intervention = "fin_intervention"
    ajout_commentaire = "ajout_commentaire"
    upload_document = "upload_document"
    planification = "planification"
    annulation = "annulation"


class HistoriqueIntervention(Base):
    __tablename__ = "historiques_interventions"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    intervention_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interventions.interventions.id", ondelete="RESTRICT"), nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    action: Mapped[ActionHistorique] = mapped_column(
        pg_enum(ActionHistorique, "action_historique"), nullable=False
    )
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    ancienne_valeur: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    nouvelle_valeur: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    horodatage: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    adresse_ip: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # api: written by the service (chain.row_hash); sql: by the database's audit_hors_api
    # trigger for a change made outside the services (hash_hors_api)
    origine: Mapped[str] = mapped_column(sa.String(10), nullable=False, server_default="api")


class HistoriqueAncre(Base):
    """Where a purged chain now starts: the hash of the last row the retention deleted."""

    __tablename__ = "historique_ancres"

    intervention_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    dernier_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    purge_le: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class HistoriqueEquipement(Base):
    """The equipment's trail: same chain as the interventions' one, per equipment."""

    __tablename__ = "historiques_equipements"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    equipement_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    ancienne_valeur: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    nouvelle_valeur: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    horodatage: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    adresse_ip: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # api: written by the service (chain.row_hash); sql: by the database's audit_hors_api
    # trigger for a change made outside the services (hash_hors_api)
    origine: Mapped[str] = mapped_column(sa.String(10), nullable=False, server_default="api")
