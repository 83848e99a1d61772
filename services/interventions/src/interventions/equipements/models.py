"""Equipment: the seed's `equipements`, plus `version`, `active`, `intervalle_maintenance_jours`."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

import sqlalchemy as sa
from shared.db import Versioned
from shared.db import pg_enum as shared_pg_enum
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from interventions.database import SCHEMA, Base


class StatutEquipement(enum.StrEnum):
    operationnel = "operationnel"
    maintenance = "maintenance"
    panne = "panne"
    retire = "retire"


class CriticiteEquipement(enum.StrEnum):
    critique = "critique"
    haute = "haute"
    normale = "normale"
    basse = "basse"


def pg_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A PostgreSQL enum type of this schema, created by the migrations (not by the ORM)."""
    return shared_pg_enum(enum_cls, name, SCHEMA)


class Equipement(Versioned, Base):
    __tablename__ = "equipements"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    nom: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    modele: Mapped[str | None] = mapped_column(sa.String(200))
    fabricant: Mapped[str | None] = mapped_column(sa.String(200))
    numero_serie: Mapped[str] = mapped_column(sa.String(100), nullable=False, unique=True)
    date_installation: Mapped[dt.date | None] = mapped_column(sa.Date)
    statut: Mapped[StatutEquipement] = mapped_column(
        pg_enum(StatutEquipement, "statut_equipement"),
        nullable=False,
        default=StatutEquipement.operationnel,
    )
    criticite: Mapped[CriticiteEquipement] = mapped_column(
        pg_enum(CriticiteEquipement, "criticite_equipement"),
        nullable=False,
        default=CriticiteEquipement.normale,
    )
    localisation: Mapped[str | None] = mapped_column(sa.String(255))
    specifications_techniques: Mapped[str | None] = mapped_column(sa.Text)
    manuel_utilisation: Mapped[str | None] = mapped_column(sa.Text)
    derniere_maintenance: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    prochaine_maintenance: Mapped[dt.date | None] = mapped_column(sa.Date)
    cout_acquisition: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 2))
    fournisseur: Mapped[str | None] = mapped_column(sa.String(200))
    intervalle_maintenance_jours: Mapped[int | None] = mapped_column(sa.Integer)
    duree_garantie_mois: Mapped[int | None] = mapped_column(sa.Integer)
    date_fin_garantie: Mapped[dt.date | None] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # created_at, updated_at, version: shared.db.Versioned (optimistic locking)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # eager_defaults: server-set columns come back by RETURNING (no lazy load in async)
        return {"version_id_col": cls.__table__.c.version, "eager_defaults": True}
