"""The inventory service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from inventory.config import Settings

SERVICE = "inventory"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[],
        description="Spare parts, stock movements and parts used on interventions.",
    )
