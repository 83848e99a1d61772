"""Who sees which intervention: the row filter for each role."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from shared.security import CurrentUser, Role

from interventions.interventions.models import Intervention

# The column a row must match for the user to see it: every row, none, or one column.
Scope = Literal["all", "none", "client_id", "technicien_id"]


def scope(user: CurrentUser) -> tuple[Scope, int]:
    """Staff see all; a client its own; a technician what is assigned to it."""
    if user.is_staff:
        return "all", 0
    if user.role == Role.client:
        return "client_id", _or_nothing(user.client_id)
    if user.role == Role.technicien:
        return "technicien_id", _or_nothing(user.technicien_id)
    return "none", 0


def visible_to(user: CurrentUser) -> sa.ColumnElement[bool]:
    """The `scope` of `user` as a WHERE condition."""
    column, value = scope(user)
    if column == "all":
        return sa.true()
    if column == "none":
        return sa.false()
    return getattr(Intervention, column) == value  # type: ignore[no-any-return]


def _or_nothing(value: Any) -> int:
    # a token without its profile id matches no row (never NULL = NULL)
    return value if isinstance(value, int) else -1
