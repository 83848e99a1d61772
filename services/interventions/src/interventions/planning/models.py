"""Planning: the seed's `planning` (one slot per intervention), plus `version` and the
technician copied from the intervention so the database itself can refuse double bookings."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from interventions.database import Base


class Planning(Base):
    __tablename__ = "planning"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interventions.interventions.id", ondelete="RESTRICT"),
        nullable=False,
        unique=True,
    )
    # A copy of interventions.technicien_id (kept in step by a trigger): the exclusion
    # constraint on confirmed slots can only look at columns of this table.
    technicien_id: Mapped[int | None] = mapped_column(sa.Integer)
    date_debut: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    date_fin: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    creneau: Mapped[str | None] = mapped_column(sa.String(100))
    notes_planning: Mapped[str | None] = mapped_column(sa.Text)
    confirme: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    rappel_envoye: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    # annule: the intervention was cancelled; the slot no longer books its technician
    statut: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, default="planifie", server_default="planifie"
    )
    date_creation: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )
    date_modification: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.func.now(),
        onupdate=sa.func.now(),
    )
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    # eager_defaults: server-set columns come back by RETURNING (no lazy load in async)
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
