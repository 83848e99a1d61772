"""The reporting service's FastAPI app."""

from fastapi import FastAPI
from shared.app import create_service_app

from reporting.config import Settings
from reporting.reports.router import router as reports_router
from reporting.schedules.router import router as schedules_router
from reporting.stats.router import router as stats_router

SERVICE = "reporting"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[reports_router, schedules_router, stats_router],
        description="Reports, report schedules and statistics over read models fed by events.",
    )
