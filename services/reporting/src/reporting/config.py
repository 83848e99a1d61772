"""Settings of the reporting service (prefix `REPORTING_`, then the shared unprefixed variables)."""

from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")
    service_name = "reporting"
