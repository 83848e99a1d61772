"""Settings of the auth service (prefix `AUTH_`, then the shared unprefixed variables)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")
    service_name = "auth"
