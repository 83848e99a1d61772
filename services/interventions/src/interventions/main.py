"""The interventions service's FastAPI app."""

from fastapi import FastAPI

from interventions.config import Settings
from interventions.documents.router import router as documents_router
from interventions.equipements.router import router as equipements_router
from interventions.historique.router import router as historique_router
from interventions.interventions.router import router as interventions_router
from interventions.planning.router import router as planning_router
from interventions.techniciens.router import router as techniciens_router
from shared.app import create_service_app

SERVICE = "interventions"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[
            equipements_router,
            interventions_router,
            planning_router,
            documents_router,
            historique_router,
            techniciens_router,
        ],
        description="Equipment, interventions, planning, documents and the audit trail.",
    )
