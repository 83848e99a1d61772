"""Interventions: the seed's `interventions`, plus `version` and the preventive due date."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

import sqlalchemy as sa
from shared.db import Versioned
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from interventions.database import Base
from interventions.equipements.models import pg_enum


class StatutIntervention(enum.StrEnum):
    ouverte = "ouverte"
    affectee = "affectee"
    en_cours = "en_cours"
    en_attente = "en_attente"
    cloturee = "cloturee"
    annulee = "annulee"
    archivee = "archivee"


class PrioriteIntervention(enum.StrEnum):
    # Declaration order is the sort order (PostgreSQL enums compare by position).
    urgente = "urgente"
    haute = "haute"
    normale = "normale"
    basse = "basse"
    programmee = "programmee"


class TypeIntervention(enum.StrEnum):
    corrective = "corrective"
    preventive = "preventive"
    ameliorative = "ameliorative"
    diagnostic = "diagnostic"


PRIORITE_TYPE = pg_enum(PrioriteIntervention, "priorite_intervention")
STATUT_TYPE = pg_enum(StatutIntervention, "statut_intervention")


class Intervention(Versioned, Base):
    __tablename__ = "interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interventions.equipements.id", ondelete="RESTRICT"), nullable=False
    )
    technicien_id: Mapped[int | None] = mapped_column(sa.Integer)
    client_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    type_intervention: Mapped[TypeIntervention] = mapped_column(
        pg_enum(TypeIntervention, "intervention_type"),
        nullable=False,
        default=TypeIntervention.corrective,
    )
    statut: Mapped[StatutIntervention] = mapped_column(
        STATUT_TYPE, nullable=False, default=StatutIntervention.ouverte
    )
    priorite: Mapped[PrioriteIntervention] = mapped_column(
        PRIORITE_TYPE, nullable=False, default=PrioriteIntervention.normale
    )
    urgence: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    titre: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    diagnostic: Mapped[str | None] = mapped_column(sa.Text)
    solution: Mapped[str | None] = mapped_column(sa.Text)
    date_creation: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )
    date_planifiee: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    date_debut: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    date_fin: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    date_limite: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    duree_estimee: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(8, 2))
    duree_reelle: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(8, 2))
    cout_estime: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 2))
    cout_reel: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 2))
    notes_techniques: Mapped[str | None] = mapped_column(sa.Text)
    satisfaction_client: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The maintenance due date a generated preventive intervention answers (unique per
    # equipment), so the generator never opens two for the same due date.
    date_echeance_maintenance: Mapped[dt.date | None] = mapped_column(sa.Date)
    # working time (workflow.py): each en_cours / en_attente stretch, their sums, first
    # assignment and first pick-up (en_cours)
    periodes: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")
    )
    duree_attente: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(8, 2))
    date_affectation: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    date_prise_en_charge: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    motif_attente: Mapped[str | None] = mapped_column(sa.String(20))
    # cout_reel = cout_main_oeuvre (duree_reelle x hourly rate) + cout_pieces (inventory)
    cout_main_oeuvre: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 2))
    cout_pieces: Mapped[decimal.Decimal] = mapped_column(
        sa.Numeric(12, 2), nullable=False, server_default="0"
    )
    # the equipment was under warranty when the intervention was opened
    sous_garantie: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, server_default=sa.false()
    )
    rapport: Mapped[str | None] = mapped_column(sa.Text)
    # created_at, updated_at, version: shared.db.Versioned (optimistic locking)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # eager_defaults: server-set columns come back by RETURNING (no lazy load in async)
        return {"version_id_col": cls.__table__.c.version, "eager_defaults": True}
