"""HTTP endpoints of the interventions feature."""

from fastapi import APIRouter

router = APIRouter(tags=["interventions"])
