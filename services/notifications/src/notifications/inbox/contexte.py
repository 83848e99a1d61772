"""What a rule's templates can say about an event: its fields, made readable in French
(dates in Casablanca time, amounts in dirhams), and the names of the intervention,
equipment, client and technician looked up in the directory."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.events import Event
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.annuaire import repository
from notifications.annuaire.models import InterventionReplica

CASABLANCA = ZoneInfo("Africa/Casablanca")
STATUTS = {
    "ouverte": "ouverte",
    "affectee": "affectée",
    "en_cours": "en cours",
    "en_attente": "en attente",
    "cloturee": "clôturée",
    "annulee": "annulée",
    "archivee": "archivée",
}
KINDS = {"reponse": "réponse", "resolution": "résolution"}
INCONNU = "—"


class Contexte(dict[str, Any]):
    """A template's values; a field the event lacks reads as a dash, never a crash."""

    def __missing__(self, key: str) -> str:
        return INCONNU


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def date_fr(value: Any, *, heure: bool = True) -> str:
    """`2026-12-02T09:00:00+00:00` -> `02/12/2026 à 10:00` (Casablanca time)."""
    if not isinstance(value, str):
        return INCONNU
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:  # a date, or a time without offset: shown as given
        return parsed.strftime("%d/%m/%Y")
    local = parsed.astimezone(CASABLANCA)
    return local.strftime("%d/%m/%Y à %H:%M") if heure else local.strftime("%d/%m/%Y")


def montant_fr(value: Any) -> str:
    """`"1250.5"` -> `1 250,50 MAD`."""
    try:
        amount = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))
    except (decimal.InvalidOperation, ValueError):
        return INCONNU
    whole, _, cents = f"{abs(amount):,.2f}".partition(".")
    sign = "-" if amount < 0 else ""
    return f"{sign}{whole.replace(',', ' ')},{cents} MAD"


def intervention_id_of(event: Event) -> int | None:
    if event.type.startswith("intervention."):
        return _int(event.data.get("id"))
    return _int(event.data.get("intervention_id"))


async def contexte(session: AsyncSession, event: Event) -> Contexte:
    data = event.data
    ctx = Contexte({k: v for k, v in data.items() if isinstance(v, str | int | float)})
    intervention_id = intervention_id_of(event)
    known: InterventionReplica | None = await repository.get_intervention(session, intervention_id)
    titre = data.get("titre") if event.type.startswith("intervention.") else None
    titre = titre or (known.titre if known else None)
    equipement_id = _int(data.get("equipement_id")) or (known.equipement_id if known else None)
    client_id = _int(data.get("client_id")) or (known.client_id if known else None)
    technicien_id = _int(data.get("technicien_id")) or (known.technicien_id if known else None)
    if intervention_id is not None:
        ctx["intervention_id"] = intervention_id
        ctx["intervention_numero"] = f"n°{intervention_id}"
        ctx["intervention"] = f"n°{intervention_id}" + (f" « {titre} »" if titre else "")
    equipement = await repository.get_equipement(session, equipement_id)
    if equipement is not None and equipement.nom:
        serie = f" ({equipement.numero_serie})" if equipement.numero_serie else ""
        ctx["equipement"] = f"{equipement.nom}{serie}"
    elif equipement_id is not None:
        ctx["equipement"] = f"n°{equipement_id}"
    client = await repository.get_client(session, client_id)
    if client is not None and (client.nom_entreprise or client.full_name):
        ctx["client"] = client.nom_entreprise or client.full_name
    elif client_id is not None:
        ctx["client"] = f"n°{client_id}"
    technicien = await repository.get_technicien(session, technicien_id)
    if technicien is not None and technicien.full_name:
        ctx["technicien"] = technicien.full_name
    elif technicien_id is not None:
        ctx["technicien"] = f"n°{technicien_id}"
    ctx["client_id"] = client_id
    ctx["technicien_id"] = technicien_id
    for key in ("statut", "ancien_statut"):
        if isinstance(data.get(key), str):
            ctx[key] = STATUTS.get(data[key], data[key])
    for key in ("date_debut", "date_fin", "echeance", "date_emission", "date_echeance"):
        if key in data:
            ctx[key] = date_fr(data[key], heure=key not in ("date_emission", "date_echeance"))
    ctx["date_debut_jour"] = date_fr(data.get("date_debut"), heure=False)
    for key in ("montant_ht", "montant_tva", "montant_ttc"):
        if key in data:
            ctx[key] = montant_fr(data[key])
    if isinstance(data.get("kind"), str):
        ctx["kind"] = KINDS.get(data["kind"], data["kind"])
    if event.type.startswith("report."):
        lien = data.get("lien")
        fallback = f"/rapports/{data.get('id')}"
        ctx["lien_rapport"] = lien if isinstance(lien, str) and lien else fallback
    return ctx
