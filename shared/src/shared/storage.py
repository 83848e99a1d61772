"""The one file storage of the services (documents, report files): stored objects named here,
never by a client, kept with their SHA-256, streamed in and out in chunks.

Two backends behind one interface (`Storage`):

- `LocalStorage`: files under one directory (the default, `make run`: one machine).
- `S3Storage`: an S3-compatible bucket (compose, Kubernetes: several replicas, read-only
  containers). Calls go through boto3 in worker threads, chunk by chunk.

`open_storage(local_root, prefix)` picks one from the environment (`STORAGE_BACKEND`,
`STORAGE_S3_*`, see `StorageSettings`); each service passes its own local directory and its
own key prefix (`documents`, `reports`), so one bucket serves every service.

Writing: a received or generated file is first complete in a local temporary file (uploads
are limited and hashed on the way in; a report is written there), then `keep` stores it under
a new name and removes the temporary file; `save` does both from an async iterator of chunks.
Reading: `open` returns a `StoredFile` whose `chunks()` streams the content; given the
expected checksum, a stored object whose checksum differs is refused before the first byte
(`ChecksumMismatch`) and the bytes are hashed again while they stream.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import anyio
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CHUNK = 256 * 1024
# S3 multipart parts (5 MiB is S3's minimum for every part but the last).
PART_SIZE = 8 * 1024 * 1024
CHECKSUM_METADATA = "sha256"


class StoredFileMissing(FileNotFoundError):
    """No stored object under this name."""


class ChecksumMismatch(ValueError):
    """The stored bytes are not the ones whose checksum was recorded."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


class StoredFile:
    """An opened stored object: its size and recorded checksum, and its content in chunks
    (iterate once; the source is closed at the end or by `aclose`)."""

    def __init__(
        self,
        key: str,
        size: int,
        sha256: str | None,
        read: Callable[[], bytes],
        close: Callable[[], None],
        expected: str | None = None,
    ) -> None:
        self.key = key
        self.size = size
        self.sha256 = sha256
        self._read = read
        self._close = close
        self._expected = expected
        self._closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        digest = hashlib.sha256() if self._expected else None
        try:
            while chunk := await anyio.to_thread.run_sync(self._read):
                if digest is not None:
                    digest.update(chunk)
                yield chunk
        finally:
            await self.aclose()
        if digest is not None and digest.hexdigest() != self._expected:
            # the response is already under way: failing here cuts it short, which a
            # client sees as an incomplete download rather than wrong content
            raise ChecksumMismatch(f"{self.key}: content changed while it was read")

    async def read_all(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await anyio.to_thread.run_sync(self._close)


class StorageSettings(BaseSettings):
    """`STORAGE_BACKEND=local` (default) or `s3`; for S3 the bucket, and the endpoint of
    an S3-compatible store (MinIO, Ceph, ...) unless it is AWS itself. Credentials come
    from `STORAGE_S3_ACCESS_KEY_ID` / `STORAGE_S3_SECRET_ACCESS_KEY` when set, else from
    boto3's own chain (`AWS_*` variables, a web identity token on Kubernetes)."""

    model_config = SettingsConfigDict(env_prefix="STORAGE_", extra="ignore")

    backend: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_prefix: str = ""
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_part_size: int = PART_SIZE
    # local staging of uploads and generated files (an emptyDir in a read-only container)
    temp_dir: str | None = None


class Storage:
    """The interface. Keys look like `ab/ab12...` (a uuid4 in hex, fanned out by its first
    two characters) and are what callers record in their tables.

    `Storage(root)` (the older spelling) still builds the local backend."""

    temp_dir: Path

    def __new__(cls, *args: Any, **kwargs: Any) -> Storage:
        if cls is Storage:  # legacy callers: Storage(root) is the local-disk backend
            return super().__new__(LocalStorage)
        return super().__new__(cls)

    def new_name(self) -> str:
        name = uuid.uuid4().hex
        return f"{name[:2]}/{name}"

    def temp_path(self) -> Path:
        """A fresh local temporary file name (the caller writes it, then `keep`s it)."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        return self.temp_dir / uuid.uuid4().hex

    async def keep(self, temp_path: Path, checksum: str | None = None) -> str:
        """Store a finished temporary file under a new name (removing the temporary file)
        and return the name; `checksum` is its SHA-256 when the caller hashed it already."""
        return (await self.keep_object(temp_path, checksum)).key

    async def keep_object(self, temp_path: Path, checksum: str | None = None) -> StoredObject:
        raise NotImplementedError

    async def save(self, chunks: AsyncIterable[bytes]) -> StoredObject:
        """Store a stream of chunks under a new name (spooled to a local temporary file,
        hashed on the way)."""
        temp = self.temp_path()
        digest = hashlib.sha256()
        try:
            handle = await anyio.to_thread.run_sync(temp.open, "wb")
            try:
                async for chunk in chunks:
                    digest.update(chunk)
                    await anyio.to_thread.run_sync(handle.write, chunk)
            finally:
                await anyio.to_thread.run_sync(handle.close)
            return await self.keep_object(temp, digest.hexdigest())
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

    async def open(self, key: str, checksum: str | None = None) -> StoredFile:
        """The stored object, ready to stream. Raises StoredFileMissing when it is gone and,
        given the expected `checksum`, ChecksumMismatch when the stored one differs."""
        raise NotImplementedError

    async def stat(self, key: str) -> StoredObject:
        raise NotImplementedError

    async def remove(self, key: str) -> None:
        """Remove the object; an absent one is not an error."""
        raise NotImplementedError


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class LocalStorage(Storage):
    """Files under one root directory; the checksum is the content's own (recomputed when
    verified), temporary files in `<root>/.tmp` (same filesystem: `keep` renames)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.temp_dir = self.root / ".tmp"

    def path(self, key: str) -> Path:
        """Where the object is on disk (this backend only)."""
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"stored path escapes the storage root: {key}")
        return path

    async def keep_object(self, temp_path: Path, checksum: str | None = None) -> StoredObject:
        key = self.new_name()
        target = self.path(key)

        def move() -> StoredObject:
            sha = checksum or _sha256_file(temp_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_path, target)
            return StoredObject(key, target.stat().st_size, sha)

        return await anyio.to_thread.run_sync(move)

    async def open(self, key: str, checksum: str | None = None) -> StoredFile:
        path = self.path(key)

        def open_() -> tuple[IO[bytes], int, str | None]:
            try:
                handle = path.open("rb")
            except FileNotFoundError as exc:
                raise StoredFileMissing(key) from exc
            try:
                size = os.fstat(handle.fileno()).st_size
                sha = None
                if checksum is not None:
                    digest = hashlib.sha256()
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                    sha = digest.hexdigest()
                    if sha != checksum:
                        raise ChecksumMismatch(f"{key}: stored content differs from its checksum")
                    handle.seek(0)
                return handle, size, sha
            except BaseException:
                handle.close()
                raise

        handle, size, sha = await anyio.to_thread.run_sync(open_)
        return StoredFile(
            key, size, sha, lambda: handle.read(CHUNK), handle.close, expected=checksum
        )

    async def stat(self, key: str) -> StoredObject:
        path = self.path(key)

        def stat_() -> StoredObject:
            try:
                return StoredObject(key, path.stat().st_size, _sha256_file(path))
            except FileNotFoundError as exc:
                raise StoredFileMissing(key) from exc

        return await anyio.to_thread.run_sync(stat_)

    async def remove(self, key: str) -> None:
        def unlink() -> None:
            with contextlib.suppress(FileNotFoundError):
                self.path(key).unlink()

        await anyio.to_thread.run_sync(unlink)


class S3Storage(Storage):
    """Objects in an S3-compatible bucket under `prefix/`. Each object carries its SHA-256
    as user metadata (`x-amz-meta-sha256`), written with it. Files up to `part_size` go in
    one PUT, larger ones as a multipart upload read from the temporary file part by part."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any | None = None,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        part_size: int = PART_SIZE,
        temp_dir: str | Path | None = None,
    ) -> None:
        if not bucket:
            raise ValueError("STORAGE_S3_BUCKET must be set for the s3 storage backend")
        if part_size < 5 * 1024 * 1024:
            raise ValueError("S3 multipart parts must be at least 5 MiB")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.part_size = part_size
        base = Path(temp_dir) if temp_dir else Path(tempfile.gettempdir())
        self.temp_dir = base / "mif-storage" / (self.prefix or "objects")
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=Config(
                    retries={"max_attempts": 5, "mode": "standard"},
                    s3={"addressing_style": "path"} if endpoint_url else None,
                    max_pool_connections=20,
                ),
            )
        self.client = client

    def object_key(self, key: str) -> str:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"not a stored object name: {key}")
        return f"{self.prefix}/{key}" if self.prefix else key

    async def keep_object(self, temp_path: Path, checksum: str | None = None) -> StoredObject:
        key = self.new_name()
        name = self.object_key(key)

        def upload() -> StoredObject:
            sha = checksum or _sha256_file(temp_path)
            size = temp_path.stat().st_size
            metadata = {CHECKSUM_METADATA: sha}
            with temp_path.open("rb") as handle:
                if size <= self.part_size:
                    self.client.put_object(
                        Bucket=self.bucket, Key=name, Body=handle.read(), Metadata=metadata
                    )
                else:
                    self._multipart(name, handle, metadata)
            temp_path.unlink()
            return StoredObject(key, size, sha)

        return await anyio.to_thread.run_sync(upload)

    def _multipart(self, name: str, handle: IO[bytes], metadata: dict[str, str]) -> None:
        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=name, Metadata=metadata
        )["UploadId"]
        try:
            parts = []
            number = 1
            while part := handle.read(self.part_size):
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                number += 1
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=name,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("NoSuchKey", "404", "NotFound")

    async def open(self, key: str, checksum: str | None = None) -> StoredFile:
        name = self.object_key(key)

        def get() -> dict[str, Any]:
            try:
                return dict(self.client.get_object(Bucket=self.bucket, Key=name))
            except Exception as exc:
                if self._missing(exc):
                    raise StoredFileMissing(key) from exc
                raise

        answer = await anyio.to_thread.run_sync(get)
        body = answer["Body"]
        sha = (answer.get("Metadata") or {}).get(CHECKSUM_METADATA)
        if checksum is not None and sha != checksum:
            await anyio.to_thread.run_sync(body.close)
            raise ChecksumMismatch(f"{key}: stored checksum {sha} differs from {checksum}")
        return StoredFile(
            key,
            int(answer["ContentLength"]),
            sha,
            lambda: body.read(CHUNK),
            body.close,
            expected=checksum,
        )

    async def stat(self, key: str) -> StoredObject:
        name = self.object_key(key)

        def head() -> StoredObject:
            try:
                answer = self.client.head_object(Bucket=self.bucket, Key=name)
            except Exception as exc:
                if self._missing(exc):
                    raise StoredFileMissing(key) from exc
                raise
            sha = (answer.get("Metadata") or {}).get(CHECKSUM_METADATA, "")
            return StoredObject(key, int(answer["ContentLength"]), sha)

        return await anyio.to_thread.run_sync(head)

    async def remove(self, key: str) -> None:
        name = self.object_key(key)
        await anyio.to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=name)
        )


def open_storage(
    local_root: str | Path, prefix: str, settings: StorageSettings | None = None
) -> Storage:
    """The storage this process is configured for: `local_root` on disk (the service's own
    directory setting) or, with `STORAGE_BACKEND=s3`, `<STORAGE_S3_PREFIX>/<prefix>/` in the
    bucket."""
    settings = settings or StorageSettings()
    if settings.backend == "local":
        return LocalStorage(local_root)
    secret = settings.s3_secret_access_key
    return S3Storage(
        settings.s3_bucket,
        "/".join(p.strip("/") for p in (settings.s3_prefix, prefix) if p.strip("/")),
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
        part_size=settings.s3_part_size,
        temp_dir=settings.temp_dir,
    )


async def iter_file(handle: IO[bytes]) -> AsyncIterator[bytes]:
    """The file's content in chunks, read off the event loop; closes it at the end."""
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK):
            yield chunk
    finally:
        await anyio.to_thread.run_sync(handle.close)
