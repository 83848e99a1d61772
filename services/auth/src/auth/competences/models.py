"""The `competences` catalogue and the `technicien_competence` association."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from shared.db import Versioned
from sqlalchemy.orm import Mapped, mapped_column

from auth.models import Base, NiveauCompetence, NiveauCompetenceType


class Competence(Versioned, Base):
    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(sa.Integer, sa.Identity(), primary_key=True)
    nom: Mapped[str] = mapped_column(sa.String(150), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    niveau_requis: Mapped[NiveauCompetence | None] = mapped_column(NiveauCompetenceType)
    certification: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())


class TechnicienCompetence(Base):
    __tablename__ = "technicien_competence"
    __table_args__ = (sa.Index("ix_technicien_competence_competence_id", "competence_id"),)

    technicien_id: Mapped[int] = mapped_column(
        sa.ForeignKey("auth.techniciens.id", ondelete="CASCADE"), primary_key=True
    )
    # RESTRICT: a competence someone holds is history; it is deactivated, not deleted.
    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("auth.competences.id", ondelete="RESTRICT"), primary_key=True
    )
    niveau_acquis: Mapped[NiveauCompetence] = mapped_column(NiveauCompetenceType)
    date_acquisition: Mapped[dt.date | None] = mapped_column(sa.Date)
    date_expiration: Mapped[dt.date | None] = mapped_column(sa.Date)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    certifie: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
