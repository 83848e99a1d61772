"""Queries on `signing_keys`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from auth.keys.models import SigningKey

# Serialises key creation across replicas and requests (held until the transaction ends).
_KEY_CREATION_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtext('auth:signing_keys'))")


async def lock_key_creation(session: AsyncSession) -> None:
    await session.execute(_KEY_CREATION_LOCK)


async def current(session: AsyncSession) -> SigningKey | None:
    """The newest key not retired: the one new tokens are signed with."""
    result = await session.execute(
        sa.select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.kid.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def published(session: AsyncSession) -> list[SigningKey]:
    """Every key not retired, newest first: the JWKS."""
    result = await session.execute(
        sa.select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.kid.desc())
    )
    return list(result.scalars())


async def all_keys(session: AsyncSession) -> list[SigningKey]:
    result = await session.execute(
        sa.select(SigningKey).order_by(SigningKey.created_at.desc(), SigningKey.kid.desc())
    )
    return list(result.scalars())


async def get(session: AsyncSession, kid: str, *, for_update: bool = False) -> SigningKey | None:
    statement = sa.select(SigningKey).where(SigningKey.kid == kid)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def add(session: AsyncSession, key: SigningKey) -> SigningKey:
    session.add(key)
    await session.flush()
    return key
