"""Settings of the billing service (prefix `BILLING_`, then the shared unprefixed variables)."""

from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")
    service_name = "billing"
