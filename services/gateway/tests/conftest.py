"""Real processes for the gateway tests: the stand-in services (tests/upstream.py) on one
port each, and the gateway under uvicorn in front of them."""

from __future__ import annotations

import fcntl
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from shared.testing.tokens import TokenFactory

HERE = Path(__file__).parent
SERVICES = ("auth", "interventions", "inventory", "billing", "reporting", "notifications")
# Ports are drawn from the gateway tests' range (18000-18019) among those free, so two
# test runs on one machine do not answer each other's requests.
PORT_RANGE = range(18000, 18020)


def free_ports(count: int) -> list[int]:
    candidates = list(PORT_RANGE)
    random.shuffle(candidates)
    found: list[int] = []
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"fewer than {count} free ports in {PORT_RANGE}")


# filled by the fixtures, again with other ports when a start loses a race for one
UPSTREAM_PORTS: dict[str, int] = {}
READ_TIMEOUT = 1.0
CORS_ORIGIN = "https://app.example"
RATE = 20
BURST = 40
SLOW_TIMEOUT = 2.0
MAX_JSON_BODY = 64 * 1024


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


def wait_http(
    url: str, process: subprocess.Popen[bytes], timeout: float = 30.0, expect: str = ""
) -> None:
    """Until `url` answers (with `expect` in its body); our process must still be alive
    afterwards, or what answered was someone else's server on that port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            response = httpx.get(url, timeout=1.0)
            if response.status_code < 500 and expect in response.text:
                time.sleep(0.3)
                if process.poll() is None:
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
def port_lock() -> Iterator[None]:
    """One gateway test session at a time on this machine: two runs choosing ports at the
    same moment could otherwise end up talking to each other's servers."""
    with open(Path(tempfile.gettempdir()) / "mif-gateway-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def upstream(
    port_lock: None, tokens: TokenFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    log = (tmp_path_factory.mktemp("upstream") / "upstream.log").open("wb")
    nonce = uuid.uuid4().hex
    env = {**os.environ, "UPSTREAM_JWKS": json.dumps(tokens.jwks), "UPSTREAM_NONCE": nonce}
    for attempt in range(5):
        UPSTREAM_PORTS.update(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
        args = [sys.executable, str(HERE / "upstream.py")]
        for name, port in UPSTREAM_PORTS.items():
            args += ["--service", f"{name}={port}"]
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"{upstream_url('auth')}/readyz", process, expect=nonce)
            break
        except RuntimeError:
            stop(process)
            if attempt == 4:
                raise
    try:
        yield {name: upstream_url(name) for name in SERVICES}
    finally:
        stop(process)
        log.close()


def gateway_env(dead_port: int, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "GATEWAY_READ_TIMEOUT": str(READ_TIMEOUT),
        "GATEWAY_CORS_ORIGINS": f"{CORS_ORIGIN}, https://other.example",
        "GATEWAY_RATE_LIMIT_PER_SECOND": str(RATE),
        "GATEWAY_RATE_LIMIT_BURST": str(BURST),
        "GATEWAY_HEADER_TIMEOUT": str(SLOW_TIMEOUT),
        "GATEWAY_BODY_TIMEOUT": str(SLOW_TIMEOUT),
        "GATEWAY_MAX_JSON_BODY": str(MAX_JSON_BODY),
        # the streaming tests send 200 MiB through
        "GATEWAY_MAX_UPLOAD_BODY": str(300 * 1024 * 1024),
    }
    for name in UPSTREAM_PORTS:
        env[f"GATEWAY_{name.upper()}_URL"] = upstream_url(name)
    env["GATEWAY_NOTIFICATIONS_URL"] = f"http://127.0.0.1:{dead_port}"
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def gateway(
    upstream: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    log_path = tmp_path_factory.mktemp("gateway") / "gateway.log"
    log = log_path.open("wb")
    for attempt in range(5):
        # the second port stays unused: the "notifications" service is down
        port, dead_port = free_ports(2)
        args = [
            sys.executable, "-m", "uvicorn", "--factory", "gateway.main:create_app",
            "--host", "127.0.0.1", "--port", str(port),
            "--loop", "uvloop", "--http", "gateway.http:GatewayHttpProtocol", "--no-access-log",
            "--no-proxy-headers",
        ]  # fmt: skip
        env = gateway_env(dead_port)
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{url}/healthz", process)
            break
        except RuntimeError:
            stop(process)
            if attempt == 4:
                raise
    try:
        yield Running(url, process)
    finally:
        stop(process)
        log.close()
        print(log_path.read_text()[-5000:])


@pytest.fixture
async def client(gateway: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30.0) as c:
        yield c


@pytest.fixture
def launch_gateway(
    upstream: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., tuple[str, Path]]]:
    """Start another gateway process with environment overrides; stopped at teardown.
    Returns (its URL, its log file)."""
    started: list[subprocess.Popen[bytes]] = []

    def launch(**overrides: str) -> tuple[str, Path]:
        port, dead_port = free_ports(2)
        log_path = tmp_path / f"gateway-{port}.log"
        args = [
            sys.executable, "-m", "uvicorn", "--factory", "gateway.main:create_app",
            "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop",
            "--http", "gateway.http:GatewayHttpProtocol", "--no-access-log",
            "--no-proxy-headers",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                args, env=gateway_env(dead_port, **overrides), stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz", process, timeout=90.0)
        return url, log_path

    try:
        yield launch
    finally:
        for process in started:
            stop(process)
