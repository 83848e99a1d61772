"""Where documents live (`shared.storage`: the local `INTERVENTIONS_DOCUMENTS_DIR`, or
the `documents/` prefix of a bucket with `STORAGE_BACKEND=s3`), what their bytes really
are, and which kinds each `type_document` accepts."""

from __future__ import annotations

import functools

from shared.storage import Storage, open_storage

from interventions.documents.models import TypeDocument

__all__ = ["allowed", "documents_storage", "sniff_mime"]

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
ZIP = "application/zip"
TEXT = "text/plain"
OCTET_STREAM = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF_PREFIX = "application/vnd.oasis.opendocument."

IMAGES = frozenset({PNG, JPEG, GIF, WEBP})
OFFICE = frozenset({DOCX, XLSX, PPTX})
ALLOWED: dict[TypeDocument, frozenset[str]] = {
    TypeDocument.photo: IMAGES,
    TypeDocument.rapport: frozenset({PDF, TEXT}) | OFFICE,
    TypeDocument.manuel: frozenset({PDF, TEXT, ZIP}) | OFFICE,
    TypeDocument.certificat: frozenset({PDF, PNG, JPEG}),
    TypeDocument.facture: frozenset({PDF, PNG, JPEG}) | OFFICE,
}


def _zip_kind(head: bytes) -> str:
    # OpenDocument stores an uncompressed `mimetype` entry first; OOXML names its parts
    # (word/, xl/, ppt/) in local headers near the start of the archive.
    if head[30:38] == b"mimetype":
        kind = head[38:120].split(b"PK", 1)[0].decode("ascii", "ignore").strip()
        if kind.startswith(ODF_PREFIX):
            return kind
    if b"word/" in head:
        return DOCX
    if b"xl/" in head:
        return XLSX
    if b"ppt/" in head:
        return PPTX
    return ZIP


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    # The sample may end inside a multi-byte UTF-8 character.
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return bool(text) and all(ch.isprintable() or ch in "\t\n\r\f" for ch in text)
    return False


def sniff_mime(head: bytes) -> str:
    """The MIME type the content's first bytes prove, whatever the client claimed."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(head)
    if _is_text(head):
        return TEXT
    return OCTET_STREAM


def allowed(type_document: TypeDocument, mime_type: str) -> bool:
    if mime_type.startswith(ODF_PREFIX):
        return type_document in (TypeDocument.rapport, TypeDocument.manuel, TypeDocument.facture)
    return mime_type in ALLOWED[type_document]


@functools.cache
def documents_storage(documents_dir: str) -> Storage:
    """One storage per process (an S3 client is costly to build)."""
    return open_storage(documents_dir, "documents")
