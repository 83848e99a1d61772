"""Settings of the notifications service (prefix `NOTIFICATIONS_`, then shared variables)."""

from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")
    service_name = "notifications"
