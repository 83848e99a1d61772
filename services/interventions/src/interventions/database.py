"""The declarative base of the interventions service: every table in schema `interventions`."""

from shared.db import service_metadata
from sqlalchemy.orm import DeclarativeBase

SCHEMA = "interventions"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)
