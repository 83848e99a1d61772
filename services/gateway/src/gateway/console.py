"""The web console (web/dist, built by `make web`) served at `/` by the gateway.

Hashed files under /assets/ are immutable: cached for a year. index.html is revalidated on
every load (`no-cache`) so a new build is picked up at once. Any other path without a file
extension is a route of the single-page app and gets index.html. Every answer carries a
strict Content-Security-Policy: scripts and connections from this origin only, no plugins,
no framing. Text assets are gzipped once and kept in memory (they never change: their name
is their content's hash).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path, PurePosixPath

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse
from shared.errors import Problem

# The repository's web/dist when the gateway runs from the source tree; GATEWAY_CONSOLE_DIR
# points elsewhere (an image, a test).
DEFAULT_DIR = Path(__file__).resolve().parents[4] / "web" / "dist"

# Styles: the component library and the calendar set element styles from script, which
# style-src 'unsafe-inline' allows; scripts stay 'self' only (no inline script, no eval).
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
}
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".html", ".txt", ".map"}
RESERVED = ("api/", "healthz", "readyz", "metrics", "openapi.json", "docs")


def console_dir() -> Path:
    return Path(os.environ.get("GATEWAY_CONSOLE_DIR") or DEFAULT_DIR)


class Console:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._gzipped: dict[Path, tuple[float, bytes]] = {}

    def _file(self, path: str) -> Path | None:
        """The file under root for a URL path, or None (missing, a folder, or outside)."""
        parts = PurePosixPath(path).parts
        if any(p in ("..", ".") or p.startswith(".") for p in parts):
            return None
        candidate = (self.root / Path(*parts)) if parts else self.root
        try:
            candidate = candidate.resolve()
        except OSError:
            return None
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _gzip(self, file: Path) -> bytes:
        mtime = file.stat().st_mtime
        cached = self._gzipped.get(file)
        if cached is None or cached[0] != mtime:
            cached = (mtime, gzip.compress(file.read_bytes(), compresslevel=9, mtime=0))
            self._gzipped[file] = cached
        return cached[1]

    def answer(self, request: Request, path: str) -> Response:
        index = self.root / "index.html"
        file = self._file(path) if path else None
        if file is None:
            # A route of the single-page app: a page a browser navigates to (it asks for
            # HTML) at a path without extension; anything else unknown is a plain 404.
            wants_page = path == "" or "text/html" in request.headers.get("accept", "")
            if PurePosixPath(path).suffix or path.startswith(RESERVED) or not wants_page:
                raise Problem(404, f"no such file: /{path}")
            if not index.is_file():
                raise Problem(503, "the web console is not built: run `make web`")
            file = index
        cache = IMMUTABLE if path.startswith("assets/") and file != index else NO_CACHE
        headers = {**SECURITY_HEADERS, "Cache-Control": cache, "Vary": "Accept-Encoding"}
        accepts_gzip = "gzip" in request.headers.get("accept-encoding", "")
        if file.suffix in COMPRESSIBLE and accepts_gzip:
            body = self._gzip(file)
            media = FileResponse(file).media_type
            if file.suffix in (".js", ".css", ".html"):
                media = f"{media}; charset=utf-8"
            return Response(
                b"" if request.method == "HEAD" else body,
                media_type=media,
                headers={**headers, "Content-Encoding": "gzip", "Content-Length": str(len(body))},
            )
        return FileResponse(file, headers=headers)


def install_console(app: FastAPI, root: Path | None = None) -> None:
    """Serve the console for every GET/HEAD the app's own routes do not answer (register it
    after them)."""
    console = Console(root or console_dir())

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def serve_console(request: Request, path: str) -> Response:
        return console.answer(request, path)
