"""HTTP endpoints of the historique feature."""

from fastapi import APIRouter

router = APIRouter(tags=["historique"])
