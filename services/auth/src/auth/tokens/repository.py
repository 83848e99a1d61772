"""Every query on `refresh_tokens`."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from auth.tokens.models import RefreshToken


async def by_hash_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """The token row, locked: of two concurrent refreshes with one token, the second waits
    for the first to commit and then sees it used."""
    statement = (
        sa.select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add(session: AsyncSession, token: RefreshToken) -> RefreshToken:
    session.add(token)
    await session.flush()
    return token


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, now: dt.datetime) -> int:
    result = await session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_for_user(session: AsyncSession, user_id: int, now: dt.datetime) -> int:
    result = await session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_expired(session: AsyncSession, before: dt.datetime, batch: int) -> int:
    """Delete up to `batch` tokens that expired before `before` (purge task)."""
    doomed = (
        sa.select(RefreshToken.id)
        .where(RefreshToken.expires_at < before)
        .limit(batch)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await session.execute(
        sa.delete(RefreshToken)
        .where(RefreshToken.id.in_(doomed))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
