"""Files on disk under one root, names generated here (documents, reports): the one storage
interface of the services (keep a finished temporary file, open, stream, remove)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import anyio

CHUNK = 256 * 1024


class Storage:
    """Files under one root; names are generated here, never taken from a client."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.temp_dir = self.root / ".tmp"

    def new_name(self) -> str:
        name = uuid.uuid4().hex
        return f"{name[:2]}/{name}"

    def path(self, chemin: str) -> Path:
        path = (self.root / chemin).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"stored path escapes the storage root: {chemin}")
        return path

    def temp_path(self) -> Path:
        """A fresh temporary file name under the root (same filesystem: `keep` renames)."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        return self.temp_dir / uuid.uuid4().hex

    async def keep(self, temp_path: Path) -> str:
        """Move a received temporary file to its permanent, generated name."""
        chemin = self.new_name()
        target = self.path(chemin)

        def move() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_path, target)

        await anyio.to_thread.run_sync(move)
        return chemin

    async def remove(self, chemin: str) -> None:
        def unlink() -> None:
            with contextlib.suppress(FileNotFoundError):
                self.path(chemin).unlink()

        await anyio.to_thread.run_sync(unlink)


async def iter_file(handle: IO[bytes]) -> AsyncIterator[bytes]:
    """The file's content in chunks, read off the event loop; closes it at the end."""
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK):
            yield chunk
    finally:
        await anyio.to_thread.run_sync(handle.close)
