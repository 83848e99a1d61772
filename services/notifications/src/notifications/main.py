"""The notifications service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from notifications.config import Settings
from notifications.inbox.router import router as inbox_router
from notifications.preferences.router import router as preferences_router
from notifications.stream.router import router as stream_router

SERVICE = "notifications"


async def _shutdown(app: FastAPI) -> None:
    hub = getattr(app.state, "hub", None)
    if hub is not None:
        await hub.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    # static paths before /notifications/{id}/...
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[stream_router, preferences_router, inbox_router],
        description="Per-user notification inbox, its live stream and its e-mails.",
        on_shutdown=_shutdown,
    )
