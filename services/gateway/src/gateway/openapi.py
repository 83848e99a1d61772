"""One OpenAPI document for the whole API: every service's paths and components, fetched
from the services, kept for a TTL, without the services that do not answer."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

import aiohttp
import orjson
from shared.logging import get_logger

from gateway.routes import RouteTable

log = get_logger(__name__)
REF_PREFIX = "#/components/"


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    """`$ref`s to renamed components point at their new names (in place)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in renames:
            node["$ref"] = renames[ref]
        for value in node.values():
            _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, renames)
    return node


def merge_documents(
    docs: dict[str, dict[str, Any]],
    routes: RouteTable,
    *,
    title: str = "MIF ERP API",
    version: str = "0.1.0",
    unavailable: list[str] | None = None,
) -> dict[str, Any]:
    """Merge per-service documents. A path is kept only from the service the gateway routes
    it to; a component that two services define differently is renamed `<service>__<name>`
    in the second one, with its references rewritten."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Every service of the MIF ERP, served through the gateway.",
        },
        "paths": {},
        "components": {},
        "tags": [],
    }
    seen_tags: set[str] = set()
    for service, original in docs.items():
        doc = copy.deepcopy(original)
        renames: dict[str, str] = {}
        for kind, entries in (doc.get("components") or {}).items():
            if not isinstance(entries, dict):
                continue
            target = merged["components"].setdefault(kind, {})
            for name, definition in entries.items():
                existing = target.get(name)
                if existing is None or existing == definition:
                    continue
                renames[f"{REF_PREFIX}{kind}/{name}"] = f"{REF_PREFIX}{kind}/{service}__{name}"
        if renames:
            _rewrite_refs(doc, renames)
        for kind, entries in (doc.get("components") or {}).items():
            if not isinstance(entries, dict):
                continue
            target = merged["components"].setdefault(kind, {})
            for name, definition in entries.items():
                new = renames.get(f"{REF_PREFIX}{kind}/{name}")
                target[new.rsplit("/", 1)[1] if new else name] = definition
        for path, item in (doc.get("paths") or {}).items():
            owner = routes.lookup(path)
            if owner is not None and owner.name == service:
                merged["paths"][path] = item
        for tag in doc.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") not in seen_tags:
                seen_tags.add(tag["name"])
                merged["tags"].append(tag)
    if unavailable:
        merged["info"]["x-unavailable-services"] = sorted(unavailable)
    return merged


class OpenAPICache:
    """The merged document as JSON bytes, rebuilt at most once per `ttl` seconds."""

    def __init__(self, routes: RouteTable, ttl: float, timeout: float = 3.0) -> None:
        self.routes = routes
        self.ttl = ttl
        self.timeout = timeout
        self._body: bytes | None = None
        self._built_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(
        self, session: aiohttp.ClientSession, name: str, origin: str
    ) -> dict[str, Any] | None:
        try:
            async with session.get(
                f"{origin}/openapi.json", timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as response:
                if response.status != 200:
                    log.warning("openapi.fetch_status", service=name, status=response.status)
                    return None
                document = orjson.loads(await response.read())
                return document if isinstance(document, dict) else None
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
            log.warning("openapi.fetch_failed", service=name, error=repr(exc))
            return None

    async def get(self, session: aiohttp.ClientSession) -> bytes:
        if self._body is not None and time.monotonic() - self._built_at < self.ttl:
            return self._body
        async with self._lock:
            if self._body is not None and time.monotonic() - self._built_at < self.ttl:
                return self._body
            upstreams = list(self.routes.upstreams.values())
            results = await asyncio.gather(
                *(self._fetch(session, u.name, u.origin) for u in upstreams)
            )
            docs = {u.name: d for u, d in zip(upstreams, results, strict=True) if d is not None}
            missing = [u.name for u, d in zip(upstreams, results, strict=True) if d is None]
            merged = merge_documents(docs, self.routes, unavailable=missing)
            self._body = orjson.dumps(merged)
            # A document missing services is retried sooner, so a service that comes up
            # appears in the docs without waiting for the whole TTL.
            self._built_at = time.monotonic() - (self.ttl * 0.9 if missing else 0.0)
            return self._body
