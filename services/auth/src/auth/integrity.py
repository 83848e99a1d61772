"""Unique violations answered as 409s that name the field."""

from __future__ import annotations

from shared.errors import Problem
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


async def flush_unique(session: AsyncSession, fields: dict[str, str]) -> None:
    """Flush, turning a unique violation on one of `fields` (constraint -> field) into a 409
    naming the field. The constraint decides, so concurrent duplicates are caught too."""
    try:
        await session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        field = fields.get(constraint or "")
        if field is None:
            raise
        raise Problem(
            409,
            f"this {field} is already taken",
            errors=[{"field": field, "message": "already taken"}],
        ) from exc
