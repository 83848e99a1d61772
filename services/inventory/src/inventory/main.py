"""The inventory service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from inventory.config import Settings
from inventory.consommation.router import router as consommation_router
from inventory.pieces.router import router as pieces_router
from inventory.stock.router import router as stock_router

SERVICE = "inventory"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[pieces_router, stock_router, consommation_router],
        description="Spare parts, stock movements and parts used on interventions.",
    )
