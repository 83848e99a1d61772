"""Every query of the documents feature."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.documents.models import Document


async def get(session: AsyncSession, document_id: int) -> Document | None:
    return await session.get(Document, document_id)


async def list_for_intervention(
    session: AsyncSession, intervention_id: int, *, after_id: int | None, limit: int
) -> list[Document]:
    query = sa.select(Document).where(Document.intervention_id == intervention_id)
    if after_id is not None:
        query = query.where(Document.id > after_id)
    query = query.order_by(Document.id).limit(limit + 1)
    return list((await session.execute(query)).scalars())
