"""Settings of the gateway (prefix `GATEWAY_`, then the shared unprefixed variables)."""

from __future__ import annotations

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings

JWKS_PATH = "/api/v1/auth/jwks.json"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    service_name = "gateway"

    auth_url: str = "http://127.0.0.1:8001"
    interventions_url: str = "http://127.0.0.1:8002"
    inventory_url: str = "http://127.0.0.1:8003"
    billing_url: str = "http://127.0.0.1:8004"
    reporting_url: str = "http://127.0.0.1:8005"
    notifications_url: str = "http://127.0.0.1:8006"

    connect_timeout: float = 2.0
    # Between two reads of an upstream answer (not the whole answer: downloads and the
    # notification stream may last longer than this as long as bytes keep coming); 0 = none.
    read_timeout: float = 30.0
    # Idle upstream connections are dropped before uvicorn's own 5 s keep-alive closes them,
    # so a request is not sent on a connection the service is closing.
    keepalive_timeout: float = 4.0
    upstream_pool_size: int = 1000

    # Comma-separated origins allowed by CORS; `*` for any; empty disables CORS.
    cors_origins: str = ""
    cors_max_age: int = 600

    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 100
    rate_limit_max_clients: int = 100_000

    # The edge's limits (issue 7): a request head larger than this, or with more header
    # fields, is 431; the head must arrive within `header_timeout` seconds and a body may
    # pause at most `body_timeout` seconds between reads (408); a JSON (non-multipart)
    # body larger than `max_json_body` bytes, or an upload larger than `max_upload_body`,
    # is 413 without being read whole. A User-Agent is forwarded cut to 256 characters.
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_json_body: int = 1024 * 1024
    max_upload_body: int = 26 * 1024 * 1024  # the documents limit (25 MiB) + multipart

    # Comma-separated addresses or networks of proxies in front of the gateway whose
    # X-Forwarded-For / X-Forwarded-Proto are believed; empty: the peer is the client.
    trusted_proxies: str = ""
    # Modules (services) whose routes exist; a path owned by another one answers 501
    # problem+json naming the module until it is listed here.
    modules: str = "auth,interventions,inventory,billing,reporting,notifications"

    # Who may read /metrics on the public port (others get 404): loopback and private
    # networks, where Prometheus scrapes from.
    metrics_allow: str = "127.0.0.1/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

    # Strict-Transport-Security on answers to requests that came over TLS (0: never).
    hsts_max_age_seconds: int = 31_536_000

    openapi_cache_seconds: float = 60.0
    # Per-request access lines cost a fifth of the gateway's CPU; the services log every
    # request with the same X-Request-ID, so the gateway logs only what it answers itself.
    access_log: bool = False

    @model_validator(mode="after")
    def _jwks_from_auth_url(self) -> Settings:
        # The token keys come from the auth service the gateway routes to, unless a JWKS
        # URL was given explicitly.
        if "jwks_url" not in self.model_fields_set:
            self.jwks_url = self.auth_url.rstrip("/") + JWKS_PATH
        return self

    @property
    def pool_keepalive(self) -> float:
        """How long an idle upstream connection is kept: below the read timeout too, since
        aiohttp can leave a read timer armed on a pooled connection after a streamed
        answer, and an idle connection older than the read timeout would then fail its
        next request with a timeout."""
        if self.read_timeout <= 0:  # no read timeout, no armed timer
            return self.keepalive_timeout
        return min(self.keepalive_timeout, self.read_timeout / 2)

    @property
    def service_urls(self) -> dict[str, str]:
        return {
            "auth": self.auth_url,
            "interventions": self.interventions_url,
            "inventory": self.inventory_url,
            "billing": self.billing_url,
            "reporting": self.reporting_url,
            "notifications": self.notifications_url,
        }

    @property
    def module_set(self) -> frozenset[str]:
        return frozenset(m.strip() for m in self.modules.split(",") if m.strip())

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
