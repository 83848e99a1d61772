"""The interventions service's FastAPI app."""

from fastapi import FastAPI, Request
from shared.app import create_service_app
from shared.errors import Problem, ProblemResponse
from sqlalchemy.orm.exc import StaleDataError

from interventions.config import Settings
from interventions.documents.router import router as documents_router
from interventions.equipements.router import router as equipements_router
from interventions.historique.router import router as historique_router
from interventions.internal.router import router as internal_router
from interventions.interventions.router import router as interventions_router
from interventions.planning.router import router as planning_router

SERVICE = "interventions"


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[
            equipements_router,
            interventions_router,
            planning_router,
            documents_router,
            historique_router,
            internal_router,
        ],
        description="Equipment, interventions, planning, documents and the audit trail.",
    )
    install_stale_handler(app)
    return app


def install_stale_handler(app: FastAPI) -> None:
    """A versioned UPDATE that found another version (a lost race) is a 409, not a 500."""

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> ProblemResponse:
        return Problem(409, "the resource changed meanwhile: reload it and retry").response(
            request.url.path
        )
