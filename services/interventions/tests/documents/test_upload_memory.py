"""A 1 GB upload is refused at the limit while the server's memory stays flat: the real
app under uvicorn in its own process, fed by a streaming client."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import PNG, insert_intervention

ROOT = Path(__file__).resolve().parents[4]
PORTS = range(38050, 38100)  # this test's port range
GIGABYTE = 1024**3
CHUNK = 1024 * 1024


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 38050-38099")


@pytest.fixture
def jwks_url(tokens: Any) -> Iterator[str]:
    """The test tokens' public keys, served as the auth service would."""
    body = json.dumps(tokens.jwks).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(
    test_env: dict[str, str], jwks_url: str, tmp_path: Path, migrate: Any
) -> Iterator[tuple[str, psutil.Process, Path]]:
    migrate("interventions")
    port = free_port()
    storage = tmp_path / "documents"
    env = {
        **os.environ,
        **test_env,
        "INTERVENTIONS_JWKS_URL": jwks_url,
        "INTERVENTIONS_DOCUMENTS_DIR": str(storage),
    }
    log = (tmp_path / "uvicorn.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "interventions.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "uvicorn.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        yield base, psutil.Process(proc.pid), storage
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def gigabyte_body(boundary: bytes, produced: list[int]) -> Iterator[bytes]:
    """1 GB of multipart body, produced piece by piece (never held whole); `produced[0]`
    counts what the client was asked to send."""
    produced[0] += 300 + len(PNG)
    yield (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="type_document"\r\n\r\n'
        b"photo\r\n--" + boundary + b'\r\nContent-Disposition: form-data; name="fichier";'
        b' filename="huge.png"\r\nContent-Type: image/png\r\n\r\n' + PNG
    )
    block = b"\xab" * CHUNK
    for _ in range(GIGABYTE // CHUNK):
        produced[0] += len(block)
        yield block
    yield b"\r\n--" + boundary + b"--\r\n"


async def test_a_gigabyte_upload_is_refused_without_memory_growth(
    server: tuple[str, psutil.Process, Path], engine: AsyncEngine, tokens: Any
) -> None:
    base, process, storage = server
    async with engine.begin() as conn:
        iid = await insert_intervention(conn)
    url = f"{base}/api/v1/interventions/{iid}/documents"
    headers = tokens.headers()
    with httpx.Client(timeout=120) as client:
        # Warm up every code path first, so the measure sees only the big upload.
        for _ in range(3):
            warm = client.post(
                url,
                headers=headers,
                files={"fichier": ("p.png", PNG)},
                data={"type_document": "photo"},
            )
            assert warm.status_code == 201, warm.text
        before = process.memory_info().rss
        boundary = b"mifboundary1234"
        produced = [0]
        response = client.post(
            url,
            headers={
                **headers,
                "Content-Type": f"multipart/form-data; boundary={boundary.decode()}",
            },
            content=gigabyte_body(boundary, produced),  # a generator: chunked, no Content-Length
        )
        after = process.memory_info().rss
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    # The server stopped the upload near the 25 MB limit, far from the 1 GB offered.
    assert produced[0] < 200 * 1024 * 1024, f"the client sent {produced[0]} bytes"
    growth = after - before
    assert growth < 10 * 1024 * 1024, f"server RSS grew by {growth / 1e6:.1f} MB"
    # Only the three warm-up files remain; the refused upload left no partial file.
    assert len([p for p in storage.rglob("*") if p.is_file()]) == 3
