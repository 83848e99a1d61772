"""HTTP endpoints of the documents feature."""

from fastapi import APIRouter

router = APIRouter(tags=["documents"])
