"""Settings of the auth service (prefix `AUTH_`, then the shared unprefixed variables)."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")
    service_name = "auth"

    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=14 * 86_400, ge=60)
    # Encrypts the Ed25519 private keys at rest (any high-entropy string; a Fernet key is
    # derived from it). The dev default is refused outside development/test.
    key_encryption_key: SecretStr = SecretStr("dev-insecure-auth-key-encryption-key")
    # How often an unknown `kid` may trigger a reload of the key store, and how long the
    # current signing key is trusted before re-reading it (another replica may rotate).
    key_reload_min_seconds: float = 5.0
    signing_key_cache_seconds: float = 60.0
    # Login throttling (auth.tokens.throttle): failures within one window per account and
    # client address (lock-out of that address), per address across accounts (lock-out),
    # and per account across addresses (growing delays after `delay_after` failures).
    login_max_failures_per_account: int = Field(default=10, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    login_account_delay_after: int = Field(default=20, ge=1)
    login_account_delay_max_seconds: int = Field(default=60, ge=1)
