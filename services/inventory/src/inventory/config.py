"""Settings of the inventory service (prefix `INVENTORY_`, then the shared unprefixed variables)."""

from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")
    service_name = "inventory"
