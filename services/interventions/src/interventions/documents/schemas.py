"""Response bodies of the documents feature (uploads are multipart, parsed by hand)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    intervention_id: int | None
    nom_fichier: str
    type_document: str
    taille: int
    description: str | None
    date_upload: dt.datetime
    uploaded_by: int
    mime_type: str
    checksum: str
    version: int
