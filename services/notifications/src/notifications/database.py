"""The declarative base of the notifications service: every table in schema `notifications`."""

from shared.db import service_metadata
from sqlalchemy.orm import DeclarativeBase

SCHEMA = "notifications"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)
