"""HTTP endpoints of the planning feature."""

from fastapi import APIRouter

router = APIRouter(tags=["planning"])
