"""Settings of the interventions service (`INTERVENTIONS_` prefix, then unprefixed)."""

from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVENTIONS_", extra="ignore")
    service_name = "interventions"
    # planning and documents: upload storage and limit, reminder claim batch size
    documents_dir: str = ".data/documents"
    max_upload_bytes: int = 25 * 1024 * 1024
    reminder_batch_size: int = 100
    # core: preventive generation horizon, archival and audit retention, batch sizes
    preventive_horizon_days: int = 14
    archive_after_days: int = 730
    historique_retention_days: int = 1095
    periodic_batch_size: int = 200
