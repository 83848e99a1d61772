"""Settings base: one prefix per service, shared variables without prefix, safe secrets."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

# A default whose value starts with this marker is only acceptable in development/test.
DEV_SECRET_PREFIX = "dev-insecure-"  # noqa: S105 (a marker, not a secret)

# Template values (`CHANGE-ME`, ...) and well-known default passwords: refused in production
# in every secret and in the password of every connection URL.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me")
DEFAULT_PASSWORDS = frozenset({"mif", "postgres", "password", "redis", "secret", "admin"})
URL_FIELDS = ("database_url", "redis_url", "broker_url")

Environment = Literal["development", "test", "production"]


def is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return value.startswith(DEV_SECRET_PREFIX) or any(m in lowered for m in PLACEHOLDER_MARKERS)


def weak_url_password(url: str) -> bool:
    """Whether the URL carries a template or well-known default password (no password at
    all is another matter: peer or certificate authentication)."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return False
    if not password:
        return False
    password = unquote(password)
    return password.lower() in DEFAULT_PASSWORDS or is_placeholder(password)


class ServiceSettings(BaseSettings):
    """Base of every service's settings.

    A field `x` is read from `<PREFIX>X` first (for example `AUTH_DATABASE_URL`), then from
    the unprefixed `X` that `make run`, compose and Kubernetes set once for every process
    (`DATABASE_URL`, `REDIS_URL`, `ENVIRONMENT`, ...).
    """

    model_config = SettingsConfigDict(extra="ignore", env_prefix="MIF_")
    service_name: ClassVar[str] = "service"

    environment: Environment = "development"
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # The broker carries Celery tasks and domain events; the Redis above unless set.
    broker_url: str | None = None
    jwks_url: str = "http://127.0.0.1:8001/api/v1/auth/jwks.json"
    jwt_issuer: str = "mif-auth"
    jwt_audience: str = "mif-erp"
    log_level: str = "INFO"
    log_format: Literal["json", "console", "auto"] = "auto"
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_echo: bool = False
    # Events: tries of a failing handler before its event is dead-lettered, the first
    # backoff (doubled each time), and how long published events / inbox ids are kept.
    event_max_attempts: int = 5
    event_retry_delay_seconds: float = 0.5
    event_retention_days: int = 90
    # Peers whose X-Forwarded-For is believed (the gateway's addresses or networks);
    # the same variable uvicorn's --proxy-headers reads. Anyone else is its own client.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Refuse tokens of revoked users and sessions (markers in Redis, shared.revocation).
    revocation_check: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        unprefixed = EnvSettingsSource(settings_cls, env_prefix="")
        return (init_settings, env_settings, unprefixed, file_secret_settings)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> ServiceSettings:
        if self.environment in ("development", "test"):
            return self
        for name in type(self).model_fields:
            value: Any = getattr(self, name)
            raw = value.get_secret_value() if isinstance(value, SecretStr) else value
            if not isinstance(raw, str):
                continue
            if raw.startswith(DEV_SECRET_PREFIX) or (
                isinstance(value, SecretStr) and is_placeholder(raw)
            ):
                raise ValueError(
                    f"{name} still has its development default; set it for {self.environment}"
                )
            if name in URL_FIELDS and weak_url_password(raw):
                raise ValueError(
                    f"{name} has a placeholder or default password; set it for {self.environment}"
                )
        return self

    @property
    def effective_broker_url(self) -> str:
        return broker_url_for(self.broker_url or self.redis_url)

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.environment == "production"
        return self.log_format == "json"


def broker_url_for(url: str) -> str:
    """kombu spells a Redis unix socket `redis+socket://`; redis-py spells it `unix://`."""
    if url.startswith("unix://"):
        return "redis+socket://" + url[len("unix://") :]
    return url


def redis_client_url(url: str) -> str:
    """The inverse of `broker_url_for`, for redis-py clients."""
    if url.startswith("redis+socket://"):
        return "unix://" + url[len("redis+socket://") :]
    return url
