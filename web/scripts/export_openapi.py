"""Write the gateway's merged OpenAPI document without starting anything: each service's
FastAPI app is built in-process and merged exactly as the gateway merges them at /openapi.json.

    .venv/bin/python web/scripts/export_openapi.py web/openapi.json
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from gateway.openapi import merge_documents
from gateway.routes import SERVICES, RouteTable


def build() -> dict:
    os.environ.setdefault("ENVIRONMENT", "development")
    docs = {}
    for name in SERVICES:
        try:
            module = importlib.import_module(f"{name}.main")
        except ModuleNotFoundError:
            continue
        docs[name] = module.create_app().openapi()
    routes = RouteTable({name: f"http://{name}.invalid" for name in SERVICES})
    return merge_documents(docs, routes)


def main() -> None:
    target = Path(sys.argv[1])
    text = json.dumps(build(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if target.exists() and target.read_text() == text:
        return
    target.write_text(text)


if __name__ == "__main__":
    main()
