"""Streaming multipart reception: the body goes from the socket to a temporary file in the
storage directory, hashed on the way, and is refused (413) as soon as it is too large.
Nothing but the first bytes of the file (for MIME sniffing) and the small form fields is
ever held in memory."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from shared.errors import Problem
from starlette.requests import ClientDisconnect, Request

FILE_FIELD = "fichier"
# Room for the boundaries, part headers and the small fields around the file.
FORM_OVERHEAD = 64 * 1024
MAX_FIELD_BYTES = 16 * 1024
SNIFF_BYTES = 64 * 1024
# Writes are handed to a thread in pieces of this size, so the event loop never blocks
# on the disk and the buffer stays small.
WRITE_BUFFER = 256 * 1024


def too_large(max_bytes: int) -> Problem:
    # `Connection: close` tells the server to drop the rest of the body instead of
    # reading it, and the client that its remaining upload is not wanted.
    return Problem(
        413,
        f"the file exceeds the upload limit of {max_bytes} bytes",
        headers={"Connection": "close"},
        max_bytes=max_bytes,
    )


def check_announced_length(request: Request, max_bytes: int) -> None:
    """413 before reading anything when Content-Length already says too much."""
    raw = request.headers.get("content-length")
    if raw is None:
        return
    try:
        announced = int(raw)
    except ValueError as exc:
        raise Problem(400, "invalid Content-Length") from exc
    if announced > max_bytes + FORM_OVERHEAD:
        raise too_large(max_bytes)


def sanitize_filename(raw: str | None) -> str:
    """The client's file name as harmless metadata: last path component only, no control
    characters, at most 255 characters. It never becomes a path on our disk."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    return name[:255] or "fichier"


@dataclass
class ReceivedUpload:
    """A file received into `temp_path` (the caller moves or deletes it)."""

    temp_path: Path
    size: int
    sha256: str
    head: bytes
    filename: str
    fields: dict[str, str]


@dataclass
class _State:
    max_bytes: int
    temp_dir: Path
    fields: dict[str, str] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, bytes] = field(default_factory=dict)
    part_name: str | None = None
    in_file: bool = False
    field_buffer: bytearray = field(default_factory=bytearray)
    file: IO[bytes] | None = None
    temp_path: Path | None = None
    filename: str | None = None
    file_seen: bool = False
    size: int = 0
    hasher: hashlib._Hash = field(default_factory=hashlib.sha256)
    head: bytearray = field(default_factory=bytearray)
    pending: bytearray = field(default_factory=bytearray)
    ended: bool = False
    error: Problem | None = None

    # python-multipart callbacks (synchronous, called from parser.write) ----------------

    def on_part_begin(self) -> None:
        self.headers = {}
        self.part_name = None
        self.in_file = False
        self.field_buffer = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_name).decode("latin-1").lower()] = bytes(self.header_value)
        self.header_name = bytearray()
        self.header_value = bytearray()

    def on_headers_finished(self) -> None:
        disposition, params = parse_options_header(self.headers.get("content-disposition"))
        if disposition != b"form-data" or b"name" not in params:
            self._fail(Problem(400, "each multipart part needs a form-data name"))
            return
        self.part_name = params[b"name"].decode("utf-8", "replace")
        if self.part_name == FILE_FIELD:
            if self.file_seen:
                self._fail(Problem(422, "send a single fichier", errors=_field_error()))
                return
            self.file_seen = True
            self.in_file = True
            raw = params.get(b"filename")
            self.filename = sanitize_filename(raw.decode("utf-8", "replace") if raw else None)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        chunk = data[start:end]
        if self.in_file:
            self.size += len(chunk)
            if self.size > self.max_bytes:
                self._fail(too_large(self.max_bytes))
                return
            self.hasher.update(chunk)
            if len(self.head) < SNIFF_BYTES:
                self.head += chunk[: SNIFF_BYTES - len(self.head)]
            self.pending += chunk
        elif self.part_name is not None:
            self.field_buffer += chunk
            if len(self.field_buffer) > MAX_FIELD_BYTES:
                self._fail(
                    Problem(
                        422,
                        f"field {self.part_name} is too long",
                        errors=[{"field": self.part_name, "message": "too long"}],
                    )
                )

    def on_part_end(self) -> None:
        if self.part_name is not None and not self.in_file and self.part_name not in self.fields:
            self.fields[self.part_name] = bytes(self.field_buffer).decode("utf-8", "replace")
        self.in_file = False

    def on_end(self) -> None:
        self.ended = True

    def _fail(self, problem: Problem) -> None:
        if self.error is None:
            self.error = problem

    # asynchronous side ------------------------------------------------------------------

    async def flush(self) -> None:
        if not self.pending:
            return
        if self.file is None:
            self.file, self.temp_path = await anyio.to_thread.run_sync(self._open_temp)
        file = self.file
        assert file is not None
        data, self.pending = bytes(self.pending), bytearray()
        await anyio.to_thread.run_sync(file.write, data)

    def _open_temp(self) -> tuple[IO[bytes], Path]:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self.temp_dir)
        return os.fdopen(fd, "wb"), Path(name)

    async def close(self) -> None:
        if self.file is not None:
            await anyio.to_thread.run_sync(self.file.close)
            self.file = None

    def discard(self) -> None:
        if self.temp_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.temp_path.unlink()
            self.temp_path = None


def _field_error() -> list[dict[str, str]]:
    return [{"field": FILE_FIELD, "message": "exactly one file is expected"}]


def boundary_of(request: Request) -> bytes:
    content_type, params = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data":
        raise Problem(415, "send the document as multipart/form-data")
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise Problem(400, "multipart/form-data needs a boundary")
    return boundary


async def receive_upload(request: Request, *, temp_dir: Path, max_bytes: int) -> ReceivedUpload:
    """Read the multipart body of `request` incrementally; the file part lands in a
    temporary file under `temp_dir`. Any failure removes the partial file."""
    boundary = boundary_of(request)
    state = _State(max_bytes=max_bytes, temp_dir=temp_dir)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": state.on_part_begin,
            "on_part_data": state.on_part_data,
            "on_part_end": state.on_part_end,
            "on_header_field": state.on_header_field,
            "on_header_value": state.on_header_value,
            "on_header_end": state.on_header_end,
            "on_headers_finished": state.on_headers_finished,
            "on_end": state.on_end,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes + FORM_OVERHEAD:
                raise too_large(max_bytes)
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise Problem(400, f"malformed multipart body: {exc}") from exc
            if state.error is not None:
                raise state.error
            if len(state.pending) >= WRITE_BUFFER:
                await state.flush()
        parser.finalize()
        if state.error is not None:
            raise state.error
        if not state.ended:
            raise Problem(400, "malformed multipart body: it ends before its last boundary")
        if not state.file_seen:
            raise Problem(
                422,
                "fichier is required",
                errors=[{"field": FILE_FIELD, "message": "field required"}],
            )
        if state.size == 0:
            raise Problem(
                422, "fichier is empty", errors=[{"field": FILE_FIELD, "message": "empty file"}]
            )
        await state.flush()
        await state.close()
    except ClientDisconnect as exc:
        await state.close()
        state.discard()
        raise Problem(400, "the client went away during the upload") from exc
    except BaseException:
        await state.close()
        state.discard()
        raise
    assert state.temp_path is not None
    return ReceivedUpload(
        temp_path=state.temp_path,
        size=state.size,
        sha256=state.hasher.hexdigest(),
        head=bytes(state.head),
        filename=state.filename or "fichier",
        fields=state.fields,
    )
