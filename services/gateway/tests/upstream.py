"""A stand-in for the services behind the gateway, run as its own process by the tests.

One aiohttp server listens on one port per service name (`--service auth=18001 ...`) and
answers from the name of the port it was reached on:
- `/api/v1/auth/jwks.json`: the JWKS given in the UPSTREAM_JWKS environment variable;
- `/openapi.json`: a small document per service (with a path owned by another service and
  a component defined differently by two services, to exercise the merge);
- `/readyz`: ready, with the UPSTREAM_NONCE of this process (so the tests know the server
  on the port is theirs);
- any path ending in `/status?code=C`: a problem+json answer with that status;
- any path ending in `/slow?seconds=S`: answers after S seconds;
- any path ending in `/download?size=N`: N bytes streamed in 64 KiB chunks;
- anything else: an echo of what arrived (service, method, raw path, headers, body size),
  the body counted chunk by chunk and never kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from aiohttp import web

CHUNK = 64 * 1024


def openapi_document(service: str) -> dict[str, Any]:
    own = {
        "auth": "/api/v1/auth/me",
        "interventions": "/api/v1/interventions",
        "inventory": "/api/v1/pieces",
        "billing": "/api/v1/factures",
        "reporting": "/api/v1/reports",
        "notifications": "/api/v1/notifications",
    }[service]
    paths: dict[str, Any] = {
        own: {
            "get": {
                "operationId": f"{service}_list",
                "tags": [service],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        },
                    }
                },
            }
        }
    }
    if service == "interventions":
        # routed to inventory by the gateway: must not appear under interventions
        paths["/api/v1/interventions/{id}/pieces"] = {"get": {"operationId": "wrong_owner"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": service, "version": "0"},
        "paths": paths,
        "tags": [{"name": service}],
        "components": {
            "schemas": {
                # same in every service: merged once
                "Problem": {"type": "object", "properties": {"title": {"type": "string"}}},
                # different per service: renamed in all but the first
                "Item": {"type": "object", "title": f"{service} item"},
            }
        },
    }


def make_app(ports: dict[int, str], jwks: dict[str, Any], nonce: str = "") -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        service = ports.get(sockname[1] if sockname else 0, "unknown")
        path = request.path
        if path == "/api/v1/auth/jwks.json" and service == "auth":
            return web.json_response(jwks)
        if path == "/openapi.json":
            return web.json_response(openapi_document(service))
        if path == "/readyz":
            return web.json_response({"status": "ready", "nonce": nonce})
        if path.endswith("/status"):
            code = int(request.query.get("code", "200"))
            return web.json_response(
                {"status": code, "title": "from upstream"},
                status=code,
                content_type="application/problem+json",
                headers={"Location": "/api/v1/somewhere", "Set-Cookie": "a=b"},
            )
        if path.endswith("/slow"):
            await asyncio.sleep(float(request.query.get("seconds", "2")))
            return web.json_response({"service": service, "slow": True})
        if path.endswith("/download"):
            size = int(request.query.get("size", "0"))
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            response.content_length = size
            await response.prepare(request)
            block = b"x" * CHUNK
            sent = 0
            while sent < size:
                piece = block[: min(CHUNK, size - sent)]
                await response.write(piece)
                sent += len(piece)
            await response.write_eof()
            return response
        received = 0
        async for chunk in request.content.iter_any():
            received += len(chunk)
        return web.json_response(
            {
                "service": service,
                "method": request.method,
                "path": request.raw_path,
                "headers": [
                    [k.decode("latin-1").lower(), v.decode("latin-1")]
                    for k, v in request.raw_headers
                ],
                "body_bytes": received,
            },
            headers={"X-Request-ID": "upstream-must-not-leak", "Server": "upstream"},
        )

    app = web.Application(client_max_size=0)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def serve(ports: dict[int, str]) -> None:
    jwks = json.loads(os.environ.get("UPSTREAM_JWKS", '{"keys": []}'))
    app = make_app(ports, jwks, os.environ.get("UPSTREAM_NONCE", ""))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for port in ports:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--service", action="append", default=[], help="name=port")
    args = parser.parse_args()
    ports = {int(p): name for name, p in (s.split("=", 1) for s in args.service)}
    asyncio.run(serve(ports))


if __name__ == "__main__":
    main()
