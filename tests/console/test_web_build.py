"""The console's own checks, run by `make test`: the typed API client is generated from the
current merged OpenAPI (so the console and the API cannot drift), and the Vitest component
tests pass. Both need the console installed (`make web`, which `make test` runs first)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    not (WEB / "node_modules" / ".installed").exists() and not os.environ.get("CI"),
    reason="console dependencies not installed: run `make web`",
)


def node_env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}


def test_openapi_document_is_current() -> None:
    sys.path.insert(0, str(WEB / "scripts"))
    from export_openapi import build

    committed = json.loads((WEB / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(build())), (
        "web/openapi.json is stale: run `make web-api` and commit the result"
    )


def test_every_service_path_is_routed_to_its_service() -> None:
    """A path a service serves but the gateway does not route is missing from the merged
    document, so from the console: /stock, /avoirs and /jours-feries once were."""
    import importlib

    from gateway.routes import SERVICES, RouteTable

    os.environ.setdefault("ENVIRONMENT", "development")
    routes = RouteTable({name: f"http://{name}.invalid" for name in SERVICES})
    unrouted = []
    for name in SERVICES:
        document = importlib.import_module(f"{name}.main").create_app().openapi()
        for path in document["paths"]:
            concrete = path.replace("{", "x").replace("}", "")
            upstream = routes.lookup(concrete)
            if path.startswith("/api/v1/") and (upstream is None or upstream.name != name):
                unrouted.append((name, path))
    assert unrouted == []


def test_typed_client_matches_the_document(tmp_path: Path) -> None:
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [shutil.which("npx", path=node_env()["PATH"]) or "npx", "openapi-typescript",
         "openapi.json", "-o", str(out)],
        cwd=WEB, env=node_env(), check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert out.read_text() == (WEB / "src" / "api" / "schema.d.ts").read_text(), (
        "web/src/api/schema.d.ts is stale: run `make web-api` and commit the result"
    )


def test_component_tests_pass() -> None:
    run = subprocess.run(
        [shutil.which("npx", path=node_env()["PATH"]) or "npx", "vitest", "run", "--reporter=dot"],
        cwd=WEB, env=node_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
