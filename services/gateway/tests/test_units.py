"""Pure parts of the gateway: the route table, the token bucket, the OpenAPI merge."""

from __future__ import annotations

import importlib
import time

import pytest
from gateway.config import Settings
from gateway.openapi import merge_documents
from gateway.ratelimit import RateLimiter
from gateway.routes import RouteTable

ROUTES = RouteTable(Settings().service_urls)


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("/api/v1/auth/login", "auth"),
        ("/api/v1/auth/me", "auth"),
        ("/api/v1/users", "auth"),
        ("/api/v1/users/3/password", "auth"),
        ("/api/v1/techniciens/4/competences/2", "auth"),
        ("/api/v1/clients", "auth"),
        ("/api/v1/competences/1", "auth"),
        ("/api/v1/equipements/9/statut", "interventions"),
        ("/api/v1/planning", "interventions"),
        ("/api/v1/documents/5/contenu", "interventions"),
        ("/api/v1/interventions", "interventions"),
        ("/api/v1/interventions/", "interventions"),
        ("/api/v1/interventions/12", "interventions"),
        ("/api/v1/interventions/12/transitions", "interventions"),
        ("/api/v1/interventions/12/planning/confirmation", "interventions"),
        ("/api/v1/interventions/12/documents", "interventions"),
        ("/api/v1/interventions/12/pieces", "inventory"),
        ("/api/v1/interventions/12/pieces/3", "inventory"),
        ("/api/v1/interventions/12/reservations", "inventory"),
        ("/api/v1/interventions/{intervention_id}/reservations", "inventory"),
        ("/api/v1/pieces/7/mouvements", "inventory"),
        ("/api/v1/stock", "inventory"),
        ("/api/v1/avoirs/3/pdf", "billing"),
        ("/api/v1/jours-feries/2026-07-30", "billing"),
        ("/api/v1/contrats/1/sla", "billing"),
        ("/api/v1/factures/1/pdf", "billing"),
        ("/api/v1/avoirs/2/pdf", "billing"),
        ("/api/v1/jours-feries", "billing"),
        ("/api/v1/stock", "inventory"),
        ("/api/v1/reports/1/fichier", "reporting"),
        ("/api/v1/report-schedules", "reporting"),
        ("/api/v1/stats/kpis", "reporting"),
        ("/api/v1/notifications/stream", "notifications"),
    ],
)
def test_route_owner(path: str, owner: str) -> None:
    upstream = ROUTES.lookup(path)
    assert upstream is not None
    assert upstream.name == owner


@pytest.mark.parametrize(
    "service", ["auth", "interventions", "inventory", "billing", "reporting", "notifications"]
)
def test_every_public_path_of_a_service_is_routed_to_it(service: str) -> None:
    """A path a service publishes and the gateway does not route is unreachable."""
    app = importlib.import_module(f"{service}.main").create_app()
    misrouted = {}
    for path in app.openapi()["paths"]:
        upstream = ROUTES.lookup(path)
        if upstream is None or upstream.name != service:
            misrouted[path] = upstream.name if upstream else None
    assert misrouted == {}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/unknown",
        "/api/v1/pieces-detachees",
        "/api/v2/users",
        "/users",
        "/api/v1//interventions",
        "/api/v1/reservations",
    ],
)
def test_unknown_paths(path: str) -> None:
    assert ROUTES.lookup(path) is None


def test_route_table_needs_every_service() -> None:
    with pytest.raises(ValueError, match="billing"):
        RouteTable({"auth": "http://a"})


def test_jwks_url_follows_the_auth_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_AUTH_URL", "http://auth.internal:9000/")
    assert Settings().jwks_url == "http://auth.internal:9000/api/v1/auth/jwks.json"
    monkeypatch.setenv("GATEWAY_JWKS_URL", "http://keys.internal/jwks.json")
    assert Settings().jwks_url == "http://keys.internal/jwks.json"


def test_token_bucket_allows_burst_then_refills() -> None:
    limiter = RateLimiter(rate=10, burst=3)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a")
    assert 0.0 < wait <= 0.1
    assert limiter.take("b") == 0.0  # another client has its own bucket
    time.sleep(0.12)
    assert limiter.take("a") == 0.0


def test_token_bucket_evicts_when_full() -> None:
    limiter = RateLimiter(rate=1000, burst=1, max_clients=10)
    for key in range(50):
        assert limiter.take(key) == 0.0
    assert len(limiter._buckets) <= 10


def test_disabled_rate_limit() -> None:
    limiter = RateLimiter(rate=0, burst=1)
    assert all(limiter.take("a") == 0.0 for _ in range(100))


def test_merge_renames_conflicting_components_and_filters_paths() -> None:
    def doc(service: str, path: str, title: str) -> dict:
        return {
            "paths": {
                path: {"get": {"schema": {"$ref": "#/components/schemas/Item"}}},
                "/api/v1/interventions/{id}/pieces": {"get": {"operationId": service}},
            },
            "components": {"schemas": {"Item": {"title": title}, "Problem": {"type": "object"}}},
        }

    merged = merge_documents(
        {
            "interventions": doc("interventions", "/api/v1/interventions", "a"),
            "inventory": doc("inventory", "/api/v1/pieces", "b"),
        },
        ROUTES,
        unavailable=["billing"],
    )
    schemas = merged["components"]["schemas"]
    assert schemas["Item"] == {"title": "a"}
    assert schemas["inventory__Item"] == {"title": "b"}
    assert set(schemas) == {"Item", "inventory__Item", "Problem"}
    paths = merged["paths"]
    assert (
        paths["/api/v1/pieces"]["get"]["schema"]["$ref"] == "#/components/schemas/inventory__Item"
    )
    assert paths["/api/v1/interventions"]["get"]["schema"]["$ref"] == "#/components/schemas/Item"
    # the nested path is inventory's, so interventions' copy is not the one kept
    assert paths["/api/v1/interventions/{id}/pieces"]["get"]["operationId"] == "inventory"
    assert merged["info"]["x-unavailable-services"] == ["billing"]
