"""Settings of the interventions service (`INTERVENTIONS_` prefix, then unprefixed)."""

import decimal

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
    # labour cost: hours worked x hourly rate (MAD), a technician's own rate when it has one
    # (INTERVENTIONS_TAUX_HORAIRE_TECHNICIENS='{"12": "320.00"}')
    taux_horaire: decimal.Decimal = decimal.Decimal("250.00")
    taux_horaire_techniciens: dict[int, decimal.Decimal] = {}

    def taux(self, technicien_id: int | None) -> decimal.Decimal:
        """The hourly cost rate of a technician's work."""
        if technicien_id is not None and technicien_id in self.taux_horaire_techniciens:
            return self.taux_horaire_techniciens[technicien_id]
        return self.taux_horaire
