"""The interventions service's FastAPI app."""

from fastapi import FastAPI

from shared.app import create_service_app
from interventions.config import Settings

SERVICE = "interventions"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[],
        description="Equipment, interventions, planning, documents and the audit trail.",
    )
