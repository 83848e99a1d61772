"""Settings of the reporting service (prefix `REPORTING_`, then the shared unprefixed variables)."""

from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")
    service_name = "reporting"
    # generated report files, and how long they are kept
    reports_dir: str = ".data/reports"
    report_retention_days: int = 30
    # a report's lease: renewed by its worker as it writes; an expired lease is taken over
    report_lease_seconds: float = 60.0
    report_max_tentatives: int = 3
    # rows per fetch when writing a report; an optional pause between batches (throttle)
    report_batch_rows: int = 5000
    report_pause_seconds: float = 0.0
    # most detail rows printed in a PDF (the CSV and Excel formats carry them all)
    pdf_max_rows: int = 2000
