"""Settings of the interventions service (prefix `INTERVENTIONS_`, then the shared unprefixed variables)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVENTIONS_", extra="ignore")
    service_name = "interventions"
