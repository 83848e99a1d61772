"""Per user and notification type: e-mail on or off (in-app is always on); and whether a
client is told of each step of its interventions."""

from __future__ import annotations

import sqlalchemy as sa
from shared.db import pg_enum
from sqlalchemy.orm import Mapped, mapped_column

from notifications.database import SCHEMA, Base
from notifications.inbox.models import TypeNotification


class Preference(Base):
    __tablename__ = "preferences"

    user_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    type_notification: Mapped[TypeNotification] = mapped_column(
        pg_enum(TypeNotification, "type_notification", SCHEMA), primary_key=True
    )
    email: Mapped[bool] = mapped_column(sa.Boolean)


class PreferenceSuivi(Base):
    __tablename__ = "preferences_suivi"

    user_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    suivi_interventions: Mapped[bool] = mapped_column(sa.Boolean)
