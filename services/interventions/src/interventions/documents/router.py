"""HTTP endpoints of the documents feature.

The upload endpoint reads its multipart body itself (see `upload.py`) rather than through
FastAPI's form parameters, which would spool the whole file before the endpoint runs.
"""

from __future__ import annotations

from typing import Annotated, cast
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from shared.db import Database
from shared.errors import Problem, conflict
from shared.idempotency import IdempotencyKey
from shared.logging import get_logger
from shared.pagination import CursorQuery, Page
from shared.security import CurrentUserDep
from shared.storage import ChecksumMismatch, Storage, StoredFileMissing
from shared.types import PathId
from shared.uow import Fingerprint, UowDep, unit_of_work

from interventions.config import Settings
from interventions.database import SCHEMA
from interventions.documents import service
from interventions.documents.models import TypeDocument
from interventions.documents.schemas import DocumentRead
from interventions.documents.storage import allowed, documents_storage, sniff_mime
from interventions.documents.upload import check_announced_length, receive_upload

router = APIRouter(tags=["documents"])
log = get_logger(__name__)
MAX_DESCRIPTION = 10_000

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["fichier", "type_document"],
                    "properties": {
                        "fichier": {"type": "string", "format": "binary"},
                        "type_document": {
                            "type": "string",
                            "enum": [t.value for t in TypeDocument],
                        },
                        "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
                    },
                }
            }
        },
    }
}


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def _storage(request: Request) -> Storage:
    return documents_storage(_settings(request).documents_dir)


def _type_document(raw: str | None) -> TypeDocument:
    try:
        return TypeDocument(raw or "")
    except ValueError as exc:
        allowed_values = ", ".join(t.value for t in TypeDocument)
        raise Problem(
            422,
            f"type_document must be one of {allowed_values}",
            errors=[{"field": "type_document", "message": f"one of {allowed_values}"}],
        ) from exc


@router.post(
    "/interventions/{intervention_id}/documents",
    status_code=201,
    response_model=DocumentRead,
    openapi_extra=_UPLOAD_BODY,
)
async def upload_document(
    intervention_id: PathId,
    request: Request,
    uow: UowDep,
    user: CurrentUserDep,
    key: IdempotencyKey = None,
) -> Response:
    """Add a file to an intervention: staff, its technician, or its client.

    With an `Idempotency-Key`, a retried upload (same file, same fields) answers the first
    document again instead of adding a duplicate; the same key with another file is 422."""
    settings = _settings(request)
    check_announced_length(request, settings.max_upload_bytes)
    # A short transaction of its own: no connection is held while the body trickles in.
    db: Database = request.app.state.db
    async with unit_of_work(db, schema=SCHEMA, user=user) as check:
        await service.check_can_add(check, user, intervention_id)
    storage = _storage(request)
    upload = await receive_upload(
        request, temp_dir=storage.temp_dir, max_bytes=settings.max_upload_bytes
    )
    chemin: str | None = None
    try:
        type_document = _type_document(upload.fields.get("type_document"))
        description = upload.fields.get("description") or None
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise Problem(
                422,
                "description is too long",
                errors=[{"field": "description", "message": "too long"}],
            )
        mime_type = sniff_mime(upload.head)
        if not allowed(type_document, mime_type):
            raise Problem(
                415,
                f"a {type_document.value} cannot be a {mime_type} file",
                errors=[{"field": "fichier", "message": f"content is {mime_type}"}],
            )
        fingerprint = Fingerprint.of(
            request.method,
            request.url.path,
            orjson.dumps(
                [upload.sha256, upload.filename, type_document.value, description],
            ),
        )
        again = await uow.idempotent(key, fingerprint)
        if again is not None:
            upload.temp_path.unlink(missing_ok=True)
            again.headers["Location"] = f"/api/v1/documents/{orjson.loads(again.body)['id']}"
            return again
        chemin = await storage.keep(upload.temp_path)
        document = await service.ajouter(
            uow,
            user,
            intervention_id,
            nom_fichier=upload.filename,
            chemin=chemin,
            type_document=type_document,
            taille=upload.size,
            description=description,
            mime_type=mime_type,
            checksum=upload.sha256,
        )
    except BaseException:
        if chemin is not None:
            await storage.remove(chemin)
        else:
            upload.temp_path.unlink(missing_ok=True)
        raise
    body = DocumentRead.model_validate(document).model_dump(mode="json")
    await uow.remember(body, 201)
    log.info("document.ajoute", document_id=document.id, intervention_id=intervention_id)
    return Response(
        orjson.dumps(body),
        201,
        {"Location": f"/api/v1/documents/{document.id}"},
        media_type="application/json",
    )


@router.get("/interventions/{intervention_id}/documents", response_model=Page[DocumentRead])
async def list_documents(
    intervention_id: PathId,
    uow: UowDep,
    user: CurrentUserDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: CursorQuery = None,
) -> Page[DocumentRead]:
    """The documents of an intervention the user can see, oldest first."""
    return await service.lister(uow, user, intervention_id, cursor=cursor, limit=limit)


@router.get("/documents/{document_id}", response_model=DocumentRead)
async def get_document(document_id: PathId, uow: UowDep, user: CurrentUserDep) -> DocumentRead:
    document = await service.get(uow, user, document_id)
    return DocumentRead.model_validate(document)


@router.get(
    "/documents/{document_id}/contenu",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def get_document_content(
    document_id: PathId, request: Request, uow: UowDep, user: CurrentUserDep
) -> StreamingResponse:
    """The file, after checking that its bytes still have the SHA-256 recorded at upload."""
    document = await service.get(uow, user, document_id)
    try:
        stored = await _storage(request).open(document.chemin, checksum=document.checksum)
    except StoredFileMissing as exc:
        log.error("document.file_missing", document_id=document.id, chemin=document.chemin)
        raise conflict("the document's file is missing from storage") from exc
    except ChecksumMismatch as exc:
        log.error("document.checksum_mismatch", document_id=document.id, chemin=document.chemin)
        raise conflict("checksum mismatch: the stored file no longer matches its upload") from exc
    quoted = quote(document.nom_fichier, safe="")
    return StreamingResponse(
        stored.chunks(),
        media_type=document.mime_type,
        headers={
            "Content-Length": str(document.taille),
            "Content-Disposition": f"attachment; filename*=UTF-8''{quoted}",
            "ETag": f'"{document.checksum}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
