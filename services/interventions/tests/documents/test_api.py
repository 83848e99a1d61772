"""Documents through the API, each test on a rolled-back transaction."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import PDF, PNG

ADMIN: dict[str, Any] = {}


def files(
    content: bytes, type_document: str = "photo", name: str = "pompe.png", **data: str
) -> dict[str, Any]:
    return {
        "files": {"fichier": (name, content, "application/x-whatever")},
        "data": {"type_document": type_document, **data},
    }


def stored_files(storage_dir: Path) -> list[Path]:
    return [p for p in storage_dir.rglob("*") if p.is_file()]


async def test_upload_then_read_back(
    app_client: Any,
    tokens: Any,
    make_intervention: Any,
    make_app: Any,
    storage_dir: Path,
    db_connection: AsyncConnection,
) -> None:
    iid = await make_intervention()
    async with app_client(make_app()) as client:
        created = await client.post(
            f"/api/v1/interventions/{iid}/documents",
            headers=tokens.headers("technicien", 3, technicien_id=11),
            **files(PNG, name="..\\..\\etc/passwd.png", description="avant réparation"),
        )
        assert created.status_code == 201, created.text
        doc = created.json()
        assert created.headers["location"] == f"/api/v1/documents/{doc['id']}"
        assert doc["checksum"] == hashlib.sha256(PNG).hexdigest()
        assert doc["taille"] == len(PNG)
        assert doc["mime_type"] == "image/png"  # sniffed, not the client's claim
        assert doc["nom_fichier"] == "passwd.png"
        assert doc["uploaded_by"] == 3 and doc["description"] == "avant réparation"
        assert "chemin" not in doc

        (stored,) = stored_files(storage_dir)
        assert stored.read_bytes() == PNG
        assert "passwd" not in str(stored)

        meta = await client.get(
            f"/api/v1/documents/{doc['id']}", headers=tokens.headers("client", 9, client_id=7)
        )
        assert meta.status_code == 200 and meta.json() == doc
        content = await client.get(
            f"/api/v1/documents/{doc['id']}/contenu", headers=tokens.headers()
        )
        assert content.status_code == 200
        assert content.content == PNG
        assert content.headers["content-type"] == "image/png"
        assert "passwd.png" in content.headers["content-disposition"]
        listing = await client.get(
            f"/api/v1/interventions/{iid}/documents", headers=tokens.headers()
        )
        assert [d["id"] for d in listing.json()["items"]] == [doc["id"]]

    action = (
        await db_connection.execute(
            sa.text(
                "SELECT action::text FROM interventions.historiques_interventions"
                " WHERE intervention_id = :i"
            ),
            {"i": iid},
        )
    ).scalar_one()
    assert action == "upload_document"
    event = (
        await db_connection.execute(
            sa.text(
                "SELECT payload FROM interventions.outbox WHERE type = 'document.ajoute'"
                " AND payload->>'aggregate_id' = :a"
            ),
            {"a": str(doc["id"])},
        )
    ).scalar_one()
    assert event["data"]["checksum"] == doc["checksum"] and event["data"]["client_id"] == 7


async def test_access_follows_the_intervention(
    app_client: Any, tokens: Any, make_intervention: Any, make_app: Any
) -> None:
    iid = await make_intervention(client_id=7, technicien_id=11)
    url = f"/api/v1/interventions/{iid}/documents"
    async with app_client(make_app()) as client:
        own_client = await client.post(
            url, headers=tokens.headers("client", 9, client_id=7), **files(PDF, "rapport", "r.pdf")
        )
        assert own_client.status_code == 201, own_client.text
        doc_id = own_client.json()["id"]
        other_client = tokens.headers("client", 10, client_id=8)
        other_tech = tokens.headers("technicien", 11, technicien_id=12)
        for headers in (other_client, other_tech):
            assert (await client.post(url, headers=headers, **files(PNG))).status_code == 404
            assert (
                await client.get(f"/api/v1/documents/{doc_id}", headers=headers)
            ).status_code == 404
            assert (
                await client.get(f"/api/v1/documents/{doc_id}/contenu", headers=headers)
            ).status_code == 404
        assert (await client.post(url, **files(PNG))).status_code == 401
        assert (
            await client.get("/api/v1/documents/999999999", headers=tokens.headers())
        ).status_code == 404


async def test_tampered_file_is_409(
    app_client: Any, tokens: Any, make_intervention: Any, make_app: Any, storage_dir: Path
) -> None:
    iid = await make_intervention()
    async with app_client(make_app()) as client:
        created = await client.post(
            f"/api/v1/interventions/{iid}/documents", headers=tokens.headers(), **files(PNG)
        )
        (stored,) = stored_files(storage_dir)
        stored.write_bytes(PNG[:-1] + b"X")
        tampered = await client.get(
            f"/api/v1/documents/{created.json()['id']}/contenu", headers=tokens.headers()
        )
        assert tampered.status_code == 409
        assert tampered.headers["content-type"] == "application/problem+json"
        assert "checksum mismatch" in tampered.json()["detail"]
        stored.unlink()
        missing = await client.get(
            f"/api/v1/documents/{created.json()['id']}/contenu", headers=tokens.headers()
        )
        assert missing.status_code == 409


async def test_content_must_fit_the_type(
    app_client: Any, tokens: Any, make_intervention: Any, make_app: Any, storage_dir: Path
) -> None:
    iid = await make_intervention()
    url = f"/api/v1/interventions/{iid}/documents"
    async with app_client(make_app()) as client:
        h = tokens.headers()
        text_as_photo = await client.post(url, headers=h, **files(b"hello\n", "photo", "x.png"))
        assert text_as_photo.status_code == 415
        assert text_as_photo.headers["content-type"] == "application/problem+json"
        binary = await client.post(url, headers=h, **files(b"\x00\x01\x02garbage", "rapport"))
        assert binary.status_code == 415
        pdf_as_rapport = await client.post(url, headers=h, **files(PDF, "rapport", "r.pdf"))
        assert pdf_as_rapport.status_code == 201
        text_manual = await client.post(
            url, headers=h, **files("mode d'emploi é\n".encode(), "manuel", "m.txt")
        )
        assert text_manual.status_code == 201 and text_manual.json()["mime_type"] == "text/plain"
    # only the two accepted files remain on disk, no temporary leftovers
    assert len(stored_files(storage_dir)) == 2


async def test_bad_forms_are_problems(
    app_client: Any, tokens: Any, make_intervention: Any, make_app: Any, storage_dir: Path
) -> None:
    iid = await make_intervention()
    url = f"/api/v1/interventions/{iid}/documents"
    h = tokens.headers()
    async with app_client(make_app()) as client:
        bad_type = await client.post(url, headers=h, **files(PNG, "selfie"))
        assert bad_type.status_code == 422
        assert bad_type.json()["errors"][0]["field"] == "type_document"
        no_file = await client.post(
            url, headers=h, data={"type_document": "photo"}, files={"autre": ("a", b"x")}
        )
        assert no_file.status_code == 422
        empty = await client.post(url, headers=h, **files(b""))
        assert empty.status_code == 422
        as_json = await client.post(url, headers=h, json={"type_document": "photo"})
        assert as_json.status_code == 415
        truncated = await client.post(
            url,
            headers={**h, "Content-Type": "multipart/form-data; boundary=abc"},
            content=b'--abc\r\nContent-Disposition: form-data; name="fichier"; filename="a"'
            b"\r\n\r\nxx",
        )
        assert truncated.status_code == 400
        garbage = await client.post(
            url,
            headers={**h, "Content-Type": "multipart/form-data; boundary=abc"},
            content=b"\x00\xff" * 100,
        )
        assert garbage.status_code == 400
        for response in (bad_type, no_file, empty, as_json, truncated, garbage):
            assert response.headers["content-type"] == "application/problem+json"
        archived = await make_intervention(statut="archivee")
        closed = await client.post(
            f"/api/v1/interventions/{archived}/documents", headers=h, **files(PNG)
        )
        assert closed.status_code == 409
    assert stored_files(storage_dir) == []


async def test_size_limit_is_413(
    app_client: Any, tokens: Any, make_intervention: Any, make_app: Any, storage_dir: Path
) -> None:
    iid = await make_intervention()
    url = f"/api/v1/interventions/{iid}/documents"
    h = tokens.headers()
    async with app_client(make_app(max_upload_bytes=len(PNG))) as client:
        fits = await client.post(url, headers=h, **files(PNG))
        assert fits.status_code == 201, fits.text
        announced = await client.post(
            url,
            headers={
                **h,
                "Content-Type": "multipart/form-data; boundary=abc",
                "Content-Length": str(10**9),
            },
            content=b"",
        )
        assert announced.status_code == 413

        async def body() -> AsyncIterator[bytes]:
            yield (
                b'--abc\r\nContent-Disposition: form-data; name="fichier"; filename="big.png"'
                b"\r\n\r\n" + PNG
            )
            yield b"more" * 10

        streamed = await client.post(
            url, headers={**h, "Content-Type": "multipart/form-data; boundary=abc"}, content=body()
        )
        assert streamed.status_code == 413
        assert streamed.headers["content-type"] == "application/problem+json"
    assert len(stored_files(storage_dir)) == 1  # the partial file is gone


async def test_upload_honours_idempotency_key(
    app_client: Any,
    tokens: Any,
    make_intervention: Any,
    make_app: Any,
    storage_dir: Path,
    db_connection: AsyncConnection,
) -> None:
    iid = await make_intervention()
    url = f"/api/v1/interventions/{iid}/documents"
    headers = {**tokens.headers("technicien", 3, technicien_id=11), "Idempotency-Key": "up-1"}
    async with app_client(make_app()) as client:
        first = await client.post(url, headers=headers, **files(PNG, description="avant"))
        again = await client.post(url, headers=headers, **files(PNG, description="avant"))
        assert first.status_code == again.status_code == 201, again.text
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        other = await client.post(url, headers=headers, **files(PDF, "rapport", "r.pdf"))
        assert other.status_code == 422
        empty = {**headers, "Idempotency-Key": ""}
        assert (await client.post(url, headers=empty, **files(PNG))).status_code == 400
    count = (
        await db_connection.execute(
            sa.text("SELECT count(*) FROM interventions.documents WHERE intervention_id = :i"),
            {"i": iid},
        )
    ).scalar_one()
    assert count == 1
    assert len(stored_files(storage_dir)) == 1


async def test_documents_in_an_s3_bucket(
    app_client: Any,
    tokens: Any,
    make_intervention: Any,
    make_app: Any,
    storage_dir: Path,
    s3_env: dict[str, str],
    monkeypatch: Any,
) -> None:
    """With `STORAGE_BACKEND=s3` a document goes to the bucket (moto's S3 server, the
    production boto3 path), nothing to the local disk, and comes back verified."""
    from interventions.documents.storage import documents_storage

    for name, value in s3_env.items():
        monkeypatch.setenv(name, value)
    documents_storage.cache_clear()
    try:
        iid = await make_intervention()
        async with app_client(make_app()) as client:
            created = await client.post(
                f"/api/v1/interventions/{iid}/documents",
                headers=tokens.headers("technicien", 3, technicien_id=11),
                **files(PDF, type_document="rapport", name="rapport.pdf"),
            )
            assert created.status_code == 201, created.text
            assert stored_files(storage_dir) == []
            content = await client.get(
                f"/api/v1/documents/{created.json()['id']}/contenu",
                headers=tokens.headers("technicien", 3, technicien_id=11),
            )
            assert content.status_code == 200, content.text
            assert content.content == PDF
            assert content.headers["content-length"] == str(len(PDF))
    finally:
        documents_storage.cache_clear()
