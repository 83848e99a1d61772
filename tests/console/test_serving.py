"""The gateway's console route: long cache for hashed assets, no-cache for index.html, the
single-page app's routes answered with index.html, a strict CSP, no way out of the folder."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway.console import install_console
from shared.errors import install_error_handlers

INDEX = (
    '<!doctype html><html lang="fr">'
    '<script type="module" src="/assets/index-abc123.js"></script></html>'
)
SCRIPT = "console.log('tableau de répartition');" * 50


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text(SCRIPT)
    (dist / "assets" / "logo-9f8e7d.png").write_bytes(b"\x89PNG\r\n\x1a\n0000")
    (tmp_path / "secret.txt").write_text("not served")
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_console(app, dist)
    return TestClient(app)


def test_index_is_revalidated_and_carries_a_strict_csp(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.text == INDEX
    assert answer.headers["cache-control"] == "no-cache"
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp.split("; ")
    assert "object-src 'none'" in csp.split("; ")
    assert "frame-ancestors 'none'" in csp.split("; ")
    assert "unsafe-eval" not in csp
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_hashed_assets_are_cached_for_a_year_and_gzipped(client: TestClient) -> None:
    answer = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.text == SCRIPT  # httpx decodes it
    assert int(answer.headers["content-length"]) < len(SCRIPT.encode()) / 10
    raw = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert raw.text == SCRIPT
    image = client.get("/assets/logo-9f8e7d.png", headers={"Accept-Encoding": "gzip"})
    assert image.status_code == 200
    assert "content-encoding" not in image.headers
    assert gzip.compress(b"x")  # gzip is there for the text assets only


def test_app_routes_get_the_index_when_a_browser_asks(client: TestClient) -> None:
    for path in ("/tableau", "/interventions/42", "/ma-journee"):
        answer = client.get(path, headers={"Accept": "text/html,application/xhtml+xml"})
        assert answer.status_code == 200, path
        assert answer.text == INDEX
        assert answer.headers["cache-control"] == "no-cache"


def test_unknown_files_and_non_browser_requests_are_404_problems(client: TestClient) -> None:
    for path, accept in (
        ("/assets/missing-000.js", "text/html"),
        ("/favicon.ico", "text/html"),
        ("/nothing", "*/*"),
        ("/api/v1/unknown", "text/html"),
    ):
        answer = client.get(path, headers={"Accept": accept})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"


def test_no_path_leaves_the_folder(client: TestClient) -> None:
    for path in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/.hidden"):
        answer = client.get(path, headers={"Accept": "text/html"})
        assert "not served" not in answer.text, path


def test_own_routes_win_over_the_console(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_unbuilt_console_is_a_503_problem(tmp_path: Path) -> None:
    app = FastAPI()
    install_error_handlers(app)
    install_console(app, tmp_path / "nowhere")
    answer = TestClient(app).get("/tableau", headers={"Accept": "text/html"})
    assert answer.status_code == 503
    assert "make web" in answer.json()["detail"]
