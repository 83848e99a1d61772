"""Declarative base of the auth schema and the PostgreSQL enum types every feature shares."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from shared.db import pg_enum as shared_pg_enum
from shared.db import service_metadata
from shared.security import Role
from sqlalchemy.orm import DeclarativeBase

SCHEMA = "auth"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


class Disponibilite(enum.StrEnum):
    disponible = "disponible"
    occupe = "occupe"
    conge = "conge"
    formation = "formation"
    indisponible = "indisponible"


class TypeClient(enum.StrEnum):
    premium = "premium"
    standard = "standard"
    basic = "basic"


class NiveauService(enum.StrEnum):
    platinum = "platinum"
    gold = "gold"
    standard = "standard"
    basic = "basic"


class NiveauCompetence(enum.StrEnum):
    debutant = "debutant"
    intermediaire = "intermediaire"
    avance = "avance"
    expert = "expert"


def pg_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A PostgreSQL enum type of the auth schema (created by the migrations, not here)."""
    return shared_pg_enum(enum_cls, name, SCHEMA)


UserRoleType = pg_enum(Role, "user_role")
DisponibiliteType = pg_enum(Disponibilite, "disponibilite_technicien")
TypeClientType = pg_enum(TypeClient, "type_client")
NiveauServiceType = pg_enum(NiveauService, "niveau_service")
NiveauCompetenceType = pg_enum(NiveauCompetence, "niveau_competence")
