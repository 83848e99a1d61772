"""Settings of the billing service (prefix `BILLING_`, then the shared unprefixed variables).

The company's legal identity (article 145 of the Code Général des Impôts: raison sociale,
address, ICE, IF, RC and its city, taxe professionnelle, CNSS, capital, RIB) is printed on
every invoice. The defaults are placeholders, accepted in development and test only:
production refuses to start while one is left.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings

PLACEHOLDER = "A RENSEIGNER"

COMPANY_FIELDS = (
    "societe_raison_sociale",
    "societe_adresse",
    "societe_ice",
    "societe_if",
    "societe_rc",
    "societe_rc_ville",
    "societe_tp",
    "societe_cnss",
    "societe_capital",
    "societe_rib",
)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")
    service_name = "billing"

    # company legal identity (printed on every invoice and credit note)
    societe_raison_sociale: str = f"MIF Maroc SARL ({PLACEHOLDER})"
    societe_adresse: str = f"{PLACEHOLDER}, Casablanca"
    societe_ice: str = "000000000000000"
    societe_if: str = PLACEHOLDER
    societe_rc: str = PLACEHOLDER
    societe_rc_ville: str = "Casablanca"
    societe_tp: str = PLACEHOLDER
    societe_cnss: str = PLACEHOLDER
    societe_capital: str = f"{PLACEHOLDER} MAD"
    societe_rib: str = PLACEHOLDER

    # billing rules
    taux_tva_defaut: Decimal = Decimal("0.20")
    taux_horaire_defaut: Decimal = Decimal("350.00")
    delai_paiement_jours: int = 60
    # Bank Al-Maghrib policy rate, the first month of late-payment penalties (law 69-21)
    taux_directeur: Decimal = Decimal("0.0225")
    periodic_batch_size: int = 200

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment != "production":
            return self
        for name in COMPANY_FIELDS:
            value = getattr(self, name)
            if not value.strip() or PLACEHOLDER in value or set(value) <= {"0"}:
                raise ValueError(f"BILLING_{name.upper()} must be set for production")
        return self
