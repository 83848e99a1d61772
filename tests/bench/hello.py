"""The ceiling of one Python worker: a bare FastAPI hello-world. It also stands in for a
service behind the gateway (GET /api/v1/auth/me answers a constant, and the token keys
given in BENCH_JWKS are published), to measure the gateway's own cost."""

import json
import os

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
JWKS = json.loads(os.environ.get("BENCH_JWKS", '{"keys": []}'))


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/api/v1/auth/me")
async def me() -> dict[str, object]:
    return {"id": 1, "username": "bench", "role": "admin"}


@app.get("/api/v1/auth/jwks.json")
async def jwks() -> dict[str, object]:
    return JWKS


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
