"""The notifications service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from notifications.config import Settings

SERVICE = "notifications"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[],
        description="Per-user notification inbox and its delivery.",
    )
