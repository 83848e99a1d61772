"""Pure rules of document storage: MIME sniffing, allowed kinds, client file names."""

from __future__ import annotations

import pytest
from interventions.documents.models import TypeDocument
from interventions.documents.storage import allowed, sniff_mime
from interventions.documents.upload import sanitize_filename
from shared.storage import Storage


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"%PDF-1.4 ...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (
            b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            b"PK\x03\x04" + b"\x00" * 26 + b"xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.textPK",
            "application/vnd.oasis.opendocument.text",
        ),
        (b"PK\x03\x04" + b"\x00" * 26 + b"data.csv", "application/zip"),
        ("Rapport d'intervention\n\tpompe réparée".encode(), "text/plain"),
        ("é".encode()[:1], "application/octet-stream"),
        ("ok é".encode()[:-1], "text/plain"),  # cut inside the last character
        (b"MZ\x90\x00\x03", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_sniff_mime(head: bytes, mime: str) -> None:
    assert sniff_mime(head) == mime


def test_allowed_kinds() -> None:
    assert allowed(TypeDocument.photo, "image/webp")
    assert not allowed(TypeDocument.photo, "application/pdf")
    assert allowed(TypeDocument.certificat, "application/pdf")
    assert not allowed(TypeDocument.certificat, "text/plain")
    assert allowed(TypeDocument.rapport, "application/vnd.oasis.opendocument.text")
    assert not any(allowed(t, "application/octet-stream") for t in TypeDocument)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\a\\photo.jpg", "photo.jpg"),
        ("rapport\x00\x1b[31m.pdf", "rapport[31m.pdf"),
        ("..", "fichier"),
        (".bashrc", "bashrc"),
        (None, "fichier"),
        ("x" * 400 + ".pdf", "x" * 255),
    ],
)
def test_sanitize_filename(raw: str | None, clean: str) -> None:
    assert sanitize_filename(raw) == clean


def test_stored_names_stay_inside_the_root(tmp_path) -> None:  # type: ignore[no-untyped-def]
    storage = Storage(tmp_path)
    name = storage.new_name()
    assert storage.path(name).is_relative_to(tmp_path.resolve())
    with pytest.raises(ValueError):
        storage.path("../outside")
