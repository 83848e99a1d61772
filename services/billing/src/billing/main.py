"""The billing service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from billing.config import Settings

SERVICE = "billing"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[],
        description="Contracts, invoices and their lines.",
    )
