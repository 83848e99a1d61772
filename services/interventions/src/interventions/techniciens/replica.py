"""A replica row from auth's event data (events and the read-your-writes fallback alike)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from interventions.techniciens.models import Disponibilite


def _disponibilite(value: Any) -> Disponibilite:
    try:
        return Disponibilite(value)
    except ValueError:
        # an unknown value must not make a technician look available
        return Disponibilite.indisponible


def technicien_values(
    data: dict[str, Any], as_of: dt.datetime, *, deleted: bool = False
) -> dict[str, Any]:
    return {
        "id": data["id"],
        "user_id": data.get("user_id"),
        "username": data.get("username"),
        "full_name": data.get("full_name"),
        "email": data.get("email"),
        "disponibilite": _disponibilite(data.get("disponibilite", "disponible")),
        "specialite": data.get("specialite"),
        "equipe": data.get("equipe"),
        "zone_geographique": data.get("zone_geographique"),
        "is_active": bool(data.get("is_active", True)) and not deleted,
        "updated_at": as_of,
    }


def client_values(
    data: dict[str, Any], as_of: dt.datetime, *, deleted: bool = False
) -> dict[str, Any]:
    return {
        "id": data["id"],
        "user_id": data.get("user_id"),
        "username": data.get("username"),
        "nom_entreprise": data.get("nom_entreprise"),
        "is_active": bool(data.get("is_active", True)) and not deleted,
        "updated_at": as_of,
    }
