"""Real processes for the gateway tests: the stand-in services (tests/upstream.py) on one
port each, and the gateway under uvicorn in front of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from shared.testing.tokens import TokenFactory

HERE = Path(__file__).parent
UPSTREAM_PORTS = {
    "auth": 18001,
    "interventions": 18002,
    "inventory": 18003,
    "billing": 18004,
    "reporting": 18005,
    "notifications": 18006,
}
GATEWAY_PORT = 18010
DEAD_PORT = 18099  # nothing listens here: the "notifications" service is down
READ_TIMEOUT = 1.0
CORS_ORIGIN = "https://app.example"
RATE = 20
BURST = 40


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]
    cors_origin: str = CORS_ORIGIN
    burst: int = BURST
    read_timeout: float = READ_TIMEOUT

    @property
    def pid(self) -> int:
        return self.process.pid


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def upstream_url(name: str) -> str:
    return f"http://127.0.0.1:{UPSTREAM_PORTS[name]}"


@pytest.fixture(scope="session")
def upstream(tokens: TokenFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    log = (tmp_path_factory.mktemp("upstream") / "upstream.log").open("wb")
    args = [sys.executable, str(HERE / "upstream.py")]
    for name, port in UPSTREAM_PORTS.items():
        args += ["--service", f"{name}={port}"]
    env = {**os.environ, "UPSTREAM_JWKS": json.dumps(tokens.jwks)}
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"{upstream_url('auth')}/readyz", process)
        yield
    finally:
        stop(process)
        log.close()


def gateway_env(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "GATEWAY_READ_TIMEOUT": str(READ_TIMEOUT),
        "GATEWAY_CORS_ORIGINS": f"{CORS_ORIGIN}, https://other.example",
        "GATEWAY_RATE_LIMIT_PER_SECOND": str(RATE),
        "GATEWAY_RATE_LIMIT_BURST": str(BURST),
    }
    for name in UPSTREAM_PORTS:
        env[f"GATEWAY_{name.upper()}_URL"] = upstream_url(name)
    env["GATEWAY_NOTIFICATIONS_URL"] = f"http://127.0.0.1:{DEAD_PORT}"
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def gateway(upstream: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    log_path = tmp_path_factory.mktemp("gateway") / "gateway.log"
    log = log_path.open("wb")
    args = [
        sys.executable, "-m", "uvicorn", "--factory", "gateway.main:create_app",
        "--host", "127.0.0.1", "--port", str(GATEWAY_PORT),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--no-proxy-headers",
    ]  # fmt: skip
    process = subprocess.Popen(args, env=gateway_env(), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{GATEWAY_PORT}"
    try:
        wait_http(f"{url}/healthz", process)
        yield Running(url, process)
    finally:
        stop(process)
        log.close()
        print(log_path.read_text()[-5000:])


@pytest.fixture
async def client(gateway: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30.0) as c:
        yield c
