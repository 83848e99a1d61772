"""HTTP endpoints of the techniciens feature."""

from fastapi import APIRouter

router = APIRouter(tags=["techniciens"])
