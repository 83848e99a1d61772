"""The declarative base of the billing service: every table in schema `billing`."""

from shared.db import pg_enum as shared_pg_enum
from shared.db import service_metadata
from sqlalchemy.orm import DeclarativeBase

SCHEMA = "billing"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


def pg_enum(enum_cls, name):  # type: ignore[no-untyped-def]
    """A PostgreSQL enum type of this schema, created by the migrations (not by the ORM)."""
    return shared_pg_enum(enum_cls, name, SCHEMA)
