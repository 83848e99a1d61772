"""Settings of the notifications service (prefix `NOTIFICATIONS_`, then shared variables)."""

from __future__ import annotations

import functools

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")
    service_name = "notifications"
    # e-mail: off unless NOTIFICATIONS_SMTP_HOST is set
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "MIF Maroc <notifications@mif.ma>"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 10.0
    email_max_retries: int = 6
    email_backoff_seconds: float = 5.0  # doubles after each failed attempt, capped at 1 h
    # where the console is, for the links in e-mails
    console_url: str = "http://127.0.0.1:8000"
    # the stream: a comment line every this many seconds (below the gateway's read timeout)
    heartbeat_seconds: float = 15.0
    # retention: read notifications older than this are purged, in batches
    retention_days: int = 183
    purge_batch_size: int = 1000

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)


@functools.cache
def get_settings() -> Settings:
    return Settings()
