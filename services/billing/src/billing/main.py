"""The billing service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from billing.config import Settings
from billing.contrats.router import router as contrats_router
from billing.factures.router import router as factures_router
from billing.sla.router import router as jours_feries_router

SERVICE = "billing"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[contrats_router, factures_router, jours_feries_router],
        description="Contracts, SLAs, invoices, payments and credit notes.",
    )
