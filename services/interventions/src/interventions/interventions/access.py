"""Who sees which intervention: the row filter for each role."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from shared.security import CurrentUser, Role

from interventions.interventions.models import Intervention


def visible_to(user: CurrentUser) -> sa.ColumnElement[bool]:
    """Staff see all; a client its own; a technician what is assigned to it."""
    if user.is_staff:
        return sa.true()
    if user.role == Role.client:
        return Intervention.client_id == _or_nothing(user.client_id)
    if user.role == Role.technicien:
        return Intervention.technicien_id == _or_nothing(user.technicien_id)
    return sa.false()


def _or_nothing(value: Any) -> Any:
    # a token without its profile id matches no row (never NULL = NULL)
    return value if isinstance(value, int) else -1
