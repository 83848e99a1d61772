"""HTTP endpoints of the techniciens feature: none — the replica is fed by events only
(`/techniciens` belongs to the auth service)."""

from fastapi import APIRouter

router = APIRouter(tags=["techniciens"])
