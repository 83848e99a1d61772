"""Every query of the documents feature."""

from __future__ import annotations

from shared.repository import Keyset, Repository
from sqlalchemy.ext.asyncio import AsyncSession

from interventions.documents.models import Document


async def get(session: AsyncSession, document_id: int) -> Document | None:
    return await session.get(Document, document_id)


class Documents(Repository[Document]):
    """An intervention's documents, oldest first (keyset on id)."""

    model = Document
    keyset = Keyset(Document.id)
