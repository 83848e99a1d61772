"""HTTP endpoints of the equipements feature."""

from fastapi import APIRouter

router = APIRouter(tags=["equipements"])
