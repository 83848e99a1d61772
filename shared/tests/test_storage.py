"""shared.storage: the local-disk and the S3-compatible backends through the same interface.

The S3 backend talks HTTP to moto's server mode on a free loopback port (the `s3_env`
fixture of shared.testing), through the same boto3 client construction as production
(`open_storage` from the `STORAGE_*` settings)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from shared.storage import (
    CHUNK,
    ChecksumMismatch,
    LocalStorage,
    S3Storage,
    Storage,
    StorageSettings,
    StoredFileMissing,
    open_storage,
)

BUCKET = "mif-files"
MIB = 1024 * 1024
# 12 MiB + 3 bytes: three 5 MiB parts at the smallest part size S3 allows (5, 5, 2 MiB + 3)
LARGE = 12 * MIB + 3


@pytest.fixture(scope="module")
def s3_endpoint(s3_env: dict[str, str]) -> str:
    assert s3_env["STORAGE_S3_BUCKET"] == BUCKET
    return s3_env["STORAGE_S3_ENDPOINT_URL"]


def _s3_settings(endpoint: str, tmp_path: Path, **extra: object) -> StorageSettings:
    return StorageSettings(
        backend="s3",
        s3_bucket=BUCKET,
        s3_endpoint_url=endpoint,
        s3_prefix="tenant",
        s3_access_key_id="test-key",
        s3_secret_access_key="test-secret",
        temp_dir=str(tmp_path / "tmp"),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return open_storage(tmp_path / "files", "documents", StorageSettings(backend="local"))
    endpoint = request.getfixturevalue("s3_endpoint")
    return open_storage(
        tmp_path / "unused",
        "documents",
        _s3_settings(endpoint, tmp_path, s3_part_size=5 * MIB),
    )


def _pattern(size: int) -> bytes:
    block = bytes(range(256)) * 4096  # 1 MiB
    return (block * (size // len(block) + 1))[:size]


def _write_temp(storage: Storage, content: bytes) -> Path:
    temp = storage.temp_path()
    temp.write_bytes(content)
    return temp


async def _chunks(content: bytes, size: int = 100_000) -> AsyncIterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


async def test_open_storage_picks_the_configured_backend(s3_endpoint: str, tmp_path: Path) -> None:
    local = open_storage(tmp_path / "docs", "documents", StorageSettings())
    assert isinstance(local, LocalStorage)
    assert local.root == (tmp_path / "docs").resolve()
    s3 = open_storage(tmp_path, "reports", _s3_settings(s3_endpoint, tmp_path))
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix) == (BUCKET, "tenant/reports")


def test_legacy_constructor_is_the_local_backend(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path.resolve()


def test_s3_backend_requires_a_bucket(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="STORAGE_S3_BUCKET"):
        open_storage(tmp_path, "documents", StorageSettings(backend="s3"))


async def test_keep_then_open_streams_the_same_bytes(storage: Storage) -> None:
    content = b"%PDF-1.7 rapport d'intervention\n" * 1000
    key = await storage.keep(_write_temp(storage, content))
    assert len(key) == 35 and key[2] == "/"  # ab/ + 32 hex digits
    stored = await storage.open(key)
    assert stored.size == 32_000
    chunks = [chunk async for chunk in stored.chunks()]
    assert b"".join(chunks) == content
    assert all(len(chunk) <= CHUNK for chunk in chunks)
    assert list(storage.temp_dir.iterdir()) == []  # the temporary file was consumed


async def test_large_file_goes_up_in_parts_and_keeps_its_checksum(storage: Storage) -> None:
    content = _pattern(LARGE)
    expected = hashlib.sha256(content).hexdigest()
    stored = await storage.save(_chunks(content))
    assert (stored.size, stored.sha256) == (LARGE, expected)
    assert (await storage.stat(stored.key)).sha256 == expected
    opened = await storage.open(stored.key, checksum=expected)
    assert opened.sha256 == expected
    received = hashlib.sha256()
    count = 0
    async for chunk in opened.chunks():
        received.update(chunk)
        count += 1
    assert received.hexdigest() == expected
    assert count == 49  # 12 MiB + 3 bytes in 256 KiB chunks: read as a stream, not whole


async def test_s3_multipart_parts_and_metadata(s3_endpoint: str, tmp_path: Path) -> None:
    storage = open_storage(
        tmp_path, "documents", _s3_settings(s3_endpoint, tmp_path, s3_part_size=5 * MIB)
    )
    content = _pattern(LARGE)
    stored = await storage.save(_chunks(content))
    assert isinstance(storage, S3Storage)
    head = storage.client.head_object(
        Bucket=BUCKET, Key=f"tenant/documents/{stored.key}", PartNumber=1
    )
    assert head["PartsCount"] == 3
    assert head["Metadata"] == {"sha256": hashlib.sha256(content).hexdigest()}


async def test_checksum_mismatch_is_refused_before_the_first_byte(storage: Storage) -> None:
    key = await storage.keep(_write_temp(storage, b"original content"))
    wrong = hashlib.sha256(b"other content").hexdigest()
    with pytest.raises(ChecksumMismatch):
        await storage.open(key, checksum=wrong)


async def test_tampered_content_is_detected(storage: Storage) -> None:
    original = b"bon de travail signe"
    checksum = hashlib.sha256(original).hexdigest()
    key = await storage.keep(_write_temp(storage, original), checksum)
    # someone rewrites the stored bytes behind the service's back
    if isinstance(storage, LocalStorage):
        storage.path(key).write_bytes(b"bon de travail FALSIFIE")
        with pytest.raises(ChecksumMismatch):
            await storage.open(key, checksum=checksum)
    else:
        assert isinstance(storage, S3Storage)
        storage.client.put_object(
            Bucket=BUCKET,
            Key=storage.object_key(key),
            Body=b"bon de travail FALSIFIE",
            Metadata={"sha256": checksum},  # even with the old checksum copied over
        )
        opened = await storage.open(key, checksum=checksum)
        with pytest.raises(ChecksumMismatch):
            await opened.read_all()


async def test_missing_and_removed_objects(storage: Storage) -> None:
    key = await storage.keep(_write_temp(storage, b"a"))
    await storage.remove(key)
    await storage.remove(key)  # absent: not an error
    with pytest.raises(StoredFileMissing):
        await storage.open(key)
    with pytest.raises(StoredFileMissing):
        await storage.stat(key)
    with pytest.raises(FileNotFoundError):  # StoredFileMissing is one
        await storage.open("00/00000000000000000000000000000000")


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "ab/../../x", ""])
async def test_names_cannot_escape(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        await storage.open(key)
