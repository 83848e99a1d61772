"""Event handlers writing the read models (`reporting.rm_*`).

Each event is applied once (the consumer's inbox); each row also keeps `event_at`, the
`occurred_at` of the event that last wrote it, and an older event never overwrites a
newer state (events of one aggregate may arrive out of order). Only the fields an event
carries are written: an `intervention.updated` without `periodes` keeps the working hours
a previous `intervention.cloturee` gave.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from shared.events import Event
from shared.uow import UnitOfWork

from reporting.database import SCHEMA

# read-model table -> the columns an event's `data` may fill (besides id and event_at)
COLUMNS: dict[str, tuple[str, ...]] = {
    "rm_users": (
        "username",
        "email",
        "full_name",
        "role",
        "is_active",
        "technicien_id",
        "client_id",
    ),
    "rm_techniciens": (
        "user_id",
        "username",
        "full_name",
        "email",
        "disponibilite",
        "specialite",
        "equipe",
        "zone_geographique",
        "is_active",
        "supprime",
    ),
    "rm_clients": (
        "user_id",
        "username",
        "email",
        "full_name",
        "nom_entreprise",
        "type_client",
        "niveau_service",
        "is_active",
        "supprime",
    ),
    "rm_equipements": (
        "client_id",
        "nom",
        "numero_serie",
        "criticite",
        "statut",
        "date_installation",
        "supprime",
    ),
    "rm_interventions": (
        "equipement_id",
        "client_id",
        "technicien_id",
        "type_intervention",
        "statut",
        "priorite",
        "urgence",
        "titre",
        "date_creation",
        "date_debut",
        "date_fin",
        "date_limite",
        "date_affectation",
        "date_prise_en_charge",
        "duree_reelle",
        "duree_attente",
        "heures_travail",
        "cout_reel",
        "satisfaction_client",
        "sous_garantie",
    ),
    "rm_planning": (
        "intervention_id",
        "technicien_id",
        "client_id",
        "date_debut",
        "date_fin",
        "statut",
    ),
    "rm_pieces": ("reference", "nom", "stock_minimum", "prix_unitaire", "actif"),
    "rm_factures": (
        "client_id",
        "numero",
        "montant_ht",
        "montant_tva",
        "montant_ttc",
        "date_emission",
        "date_echeance",
        "statut",
        "date_paiement",
    ),
}
READ_MODELS = (
    *COLUMNS,
    "rm_pieces_consommees",
    "rm_mouvements_stock",
    "rm_sla",
)
WAITING = frozenset({"en_attente", "attente"})
_SQL: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}


def _upsert_sql(table: str, keys: tuple[str, ...], present: tuple[str, ...]) -> str:
    cache_key = (table, keys, present)
    sql = _SQL.get(cache_key)
    if sql is None:
        cols = (*keys, *present, "event_at")
        values = ", ".join(f":{c}" for c in cols)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*present, "event_at"))
        sql = (
            f"INSERT INTO {SCHEMA}.{table} ({', '.join(cols)}) VALUES ({values})"
            f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
            f" WHERE {table}.event_at <= EXCLUDED.event_at"
        )
        _SQL[cache_key] = sql
    return sql


async def upsert(
    uow: UnitOfWork,
    table: str,
    event: Event,
    values: dict[str, Any],
    *,
    keys: dict[str, Any] | None = None,
) -> None:
    """Write the columns of `table` present in `values` for the row `keys` (default: id)."""
    keys = keys if keys is not None else {"id": int(values["id"])}
    allowed = COLUMNS[table]
    present = tuple(c for c in allowed if c in values and _scalar(values[c]))
    params = {**keys, **{c: values[c] for c in present}, "event_at": event.occurred_at}
    await uow.session.execute(sa.text(_upsert_sql(table, tuple(keys), present)), params)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, Decimal))


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def working_hours(periodes: list[dict[str, Any]]) -> Decimal:
    """Hours of the working periods (every period but waiting ones), to the hundredth."""
    seconds = 0.0
    for periode in periodes:
        debut, fin = _time(periode.get("debut")), _time(periode.get("fin"))
        if debut is None or fin is None or str(periode.get("statut")) in WAITING:
            continue
        seconds += max(0.0, (fin - debut).total_seconds())
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))


def _deleted(event: Event) -> dict[str, Any]:
    data = dict(event.data)
    data.setdefault("id", event.aggregate_id)
    if event.type.endswith(".deleted"):
        data["supprime"] = True
    return data


async def on_user(uow: UnitOfWork, event: Event) -> None:
    data = _deleted(event)
    if event.type == "user.deactivated":
        data["is_active"] = False
    await upsert(uow, "rm_users", event, data)


async def on_technicien(uow: UnitOfWork, event: Event) -> None:
    await upsert(uow, "rm_techniciens", event, _deleted(event))


async def on_client(uow: UnitOfWork, event: Event) -> None:
    await upsert(uow, "rm_clients", event, _deleted(event))


async def on_equipement(uow: UnitOfWork, event: Event) -> None:
    data = _deleted(event)
    if event.type == "equipement.retire":
        data.setdefault("statut", "retire")
    await upsert(uow, "rm_equipements", event, data)


async def on_intervention(uow: UnitOfWork, event: Event) -> None:
    data = dict(event.data)
    data.setdefault("id", event.aggregate_id)
    periodes = data.get("periodes")
    if isinstance(periodes, list) and periodes:
        data["heures_travail"] = str(working_hours(periodes))
    await upsert(uow, "rm_interventions", event, data)


async def on_planning(uow: UnitOfWork, event: Event) -> None:
    data = dict(event.data)
    data.setdefault("id", event.aggregate_id)
    if event.type == "planning.annule":
        data["statut"] = data.get("statut") or "annule"
    await upsert(uow, "rm_planning", event, data)


async def on_piece(uow: UnitOfWork, event: Event) -> None:
    data = dict(event.data)
    data.setdefault("id", event.aggregate_id)
    if event.type == "piece.desactivee":
        data["actif"] = False
    elif "is_active" in data and "actif" not in data:
        data["actif"] = data["is_active"]
    await upsert(uow, "rm_pieces", event, data)
    await _stock(uow, event, int(data["id"]), data.get("stock_disponible"))


async def _stock(uow: UnitOfWork, event: Event, piece_id: int, stock: Any) -> None:
    """The part's available stock, from the latest event that states it."""
    if stock is None:
        return
    await uow.session.execute(
        sa.text(
            f"INSERT INTO {SCHEMA}.rm_pieces (id, stock_disponible, stock_at, event_at)"
            " VALUES (:id, :stock, :at, '-infinity')"
            " ON CONFLICT (id) DO UPDATE SET stock_disponible = EXCLUDED.stock_disponible,"
            " stock_at = EXCLUDED.stock_at"
            " WHERE rm_pieces.stock_at IS NULL OR rm_pieces.stock_at <= EXCLUDED.stock_at"
        ),
        {"id": piece_id, "stock": stock, "at": event.occurred_at},
    )


async def on_stock_mouvement(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    await uow.session.execute(
        sa.text(
            f"INSERT INTO {SCHEMA}.rm_mouvements_stock (id, piece_id, type_mouvement, quantite,"
            " emplacement, stock_apres, prix_unitaire, intervention_id, occurred_at)"
            " VALUES (:id, :piece_id, :type_mouvement, :quantite, :emplacement, :stock_apres,"
            " :prix_unitaire, :intervention_id, :at) ON CONFLICT (id) DO NOTHING"
        ),
        {
            "id": int(d.get("id") or event.aggregate_id),
            "piece_id": d.get("piece_id"),
            "type_mouvement": d.get("type_mouvement"),
            "quantite": d.get("quantite"),
            "emplacement": d.get("emplacement"),
            "stock_apres": d.get("stock_apres"),
            "prix_unitaire": d.get("prix_unitaire"),
            "intervention_id": d.get("intervention_id"),
            "at": event.occurred_at,
        },
    )
    if d.get("piece_id") is not None:
        await _stock(uow, event, int(d["piece_id"]), d.get("stock_apres"))


async def on_seuil_bas(uow: UnitOfWork, event: Event) -> None:
    d = dict(event.data)
    d["id"] = d.get("piece_id") or event.aggregate_id
    await upsert(uow, "rm_pieces", event, d)
    await _stock(uow, event, int(d["id"]), d.get("stock_disponible"))


async def on_piece_consommee(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    await uow.session.execute(
        sa.text(
            f"INSERT INTO {SCHEMA}.rm_pieces_consommees (id, intervention_id, client_id,"
            " technicien_id, piece_id, reference, nom, quantite, prix_unitaire, montant,"
            " occurred_at) VALUES (:id, :intervention_id, :client_id, :technicien_id,"
            " :piece_id, :reference, :nom, :quantite, :prix_unitaire, :montant, :at)"
            " ON CONFLICT (id) DO UPDATE SET quantite = EXCLUDED.quantite,"
            " prix_unitaire = EXCLUDED.prix_unitaire, montant = EXCLUDED.montant"
            " WHERE rm_pieces_consommees.occurred_at <= EXCLUDED.occurred_at"
        ),
        {
            "id": int(d.get("id") or event.aggregate_id),
            **{
                k: d.get(k)
                for k in (
                    "intervention_id",
                    "client_id",
                    "technicien_id",
                    "piece_id",
                    "reference",
                    "nom",
                    "quantite",
                    "prix_unitaire",
                    "montant",
                )
            },
            "at": event.occurred_at,
        },
    )


async def on_facture(uow: UnitOfWork, event: Event) -> None:
    data = dict(event.data)
    data.setdefault("id", event.aggregate_id)
    kind = "avoir" if event.type.startswith("avoir.") else "facture"
    data["numero"] = data.get("numero_avoir" if kind == "avoir" else "numero_facture")
    if event.type == "facture.payee" and not data.get("date_paiement"):
        data["date_paiement"] = event.occurred_at.isoformat()
    if event.type == "facture.annulee":
        data["statut"] = data.get("statut") or "annulee"
    await upsert(uow, "rm_factures", event, data, keys={"kind": kind, "id": int(data["id"])})


async def on_sla(uow: UnitOfWork, event: Event) -> None:
    d = event.data
    await uow.session.execute(
        sa.text(
            f"INSERT INTO {SCHEMA}.rm_sla (event_id, type, kind, contrat_id, client_id,"
            " intervention_id, priorite, echeance, occurred_at) VALUES (:event_id, :type,"
            " :kind, :contrat_id, :client_id, :intervention_id, :priorite, :echeance, :at)"
            " ON CONFLICT (event_id) DO NOTHING"
        ),
        {
            "event_id": event.id,
            "type": event.type.removeprefix("sla."),
            **{
                k: d.get(k)
                for k in (
                    "kind",
                    "contrat_id",
                    "client_id",
                    "intervention_id",
                    "priorite",
                    "echeance",
                )
            },
            "at": event.occurred_at,
        },
    )
