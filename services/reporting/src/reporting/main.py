"""The reporting service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from reporting.config import Settings

SERVICE = "reporting"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[],
        description="Reports, report schedules and statistics read models.",
    )
