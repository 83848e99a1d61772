"""The rules of interventions: creation, visibility, the state machine, evaluation."""

from __future__ import annotations

import sqlalchemy as sa
from shared.errors import not_found
from shared.security import CurrentUser
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.interventions.access import visible_to
from interventions.interventions.models import Intervention


async def get_for_user(
    session: AsyncSession, user: CurrentUser, intervention_id: int, *, for_update: bool = False
) -> Intervention:
    """The intervention if `user` may see it (404 otherwise); row-locked with for_update."""
    query = sa.select(Intervention).where(Intervention.id == intervention_id, visible_to(user))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = (await session.scalars(query)).one_or_none()
    if found is None:
        raise not_found("intervention")
    return found
