"""The auth service's FastAPI app."""

from fastapi import FastAPI

from shared.app import create_service_app
from auth.config import Settings

SERVICE = "auth"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[],
        description="Users, technicians, clients, competences, tokens and keys.",
    )
