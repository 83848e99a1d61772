"""The stock ledger: every change of a part's stock, under the part's row lock.

A change locks the part's row (`lock_piece`), then moves quantities between its locations
(`stocks`), appends movements, and saves the part's totals once (`save_piece`), all in the
caller's transaction. Because every writer of a part's stock, reservations and locations
holds that one lock, no two requests can spend the same units; `stock_actuel` is always
the sum of the locations and of the movements, and `stock_reserve` the sum of the active
reservations. Low-stock alerts (`stock.seuil_bas`) are decided here, once per crossing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from shared.errors import not_found
from shared.uow import UnitOfWork

from inventory.cump import centimes
from inventory.database import SCHEMA, van_owner

PIECE_COLUMNS = (
    "id, reference, nom, description, prix_unitaire, stock_actuel, stock_reserve, "
    "stock_minimum, stock_maximum, unite, fournisseur, emplacement, active, alerte_seuil, "
    "version, created_at, updated_at"
)
_LOCK = sa.text(f"SELECT {PIECE_COLUMNS} FROM {SCHEMA}.pieces_detachees WHERE id = :id FOR UPDATE")
_LOCATION = sa.text(
    f"SELECT quantite FROM {SCHEMA}.stocks WHERE piece_id = :piece_id AND emplacement = :e"
)
_LOCATIONS = sa.text(
    f"SELECT emplacement, quantite FROM {SCHEMA}.stocks WHERE piece_id = :piece_id AND quantite > 0"
)
_ADD = sa.text(
    f"""
    INSERT INTO {SCHEMA}.stocks (piece_id, emplacement, technicien_id, quantite)
    VALUES (:piece_id, :e, :technicien_id, :delta)
    ON CONFLICT (piece_id, emplacement) DO UPDATE
    SET quantite = {SCHEMA}.stocks.quantite + EXCLUDED.quantite, updated_at = now()
    """
)
_MOUVEMENT = sa.text(
    f"""
    INSERT INTO {SCHEMA}.mouvements_stock
        (piece_id, intervention_id, user_id, type_mouvement, quantite, emplacement,
         emplacement_destination, stock_apres, prix_unitaire, commentaire, bon_commande,
         bon_livraison)
    VALUES (:piece_id, :intervention_id, :user_id, :type_mouvement, :quantite, :emplacement,
            :emplacement_destination, :stock_apres, :prix_unitaire, :commentaire,
            :bon_commande, :bon_livraison)
    RETURNING id, piece_id, intervention_id, user_id, type_mouvement, quantite, emplacement,
        emplacement_destination, stock_apres, prix_unitaire, date_mouvement, commentaire,
        bon_commande, bon_livraison
    """
)
_TAKE = sa.text(
    f"UPDATE {SCHEMA}.stocks SET quantite = quantite + :delta, updated_at = now() "
    "WHERE piece_id = :piece_id AND emplacement = :e"
)
_SAVE = sa.text(
    f"""
    UPDATE {SCHEMA}.pieces_detachees
    SET stock_actuel = :stock_actuel, stock_reserve = :stock_reserve,
        prix_unitaire = :prix_unitaire, alerte_seuil = :alerte_seuil, updated_at = now()
    WHERE id = :id
    """
)


async def lock_piece(uow: UnitOfWork, piece_id: int) -> dict[str, Any]:
    """The part's row, locked until the transaction ends; 404 when there is none."""
    row = (await uow.session.execute(_LOCK, {"id": piece_id})).mappings().first()
    if row is None:
        raise not_found("piece")
    return dict(row)


async def location(uow: UnitOfWork, piece_id: int, emplacement: str) -> int:
    """What one location holds of a locked part (0 when it never held any)."""
    found = (
        await uow.session.execute(_LOCATION, {"piece_id": piece_id, "e": emplacement})
    ).scalar_one_or_none()
    return int(found or 0)


async def locations(uow: UnitOfWork, piece_id: int) -> dict[str, int]:
    """Every location holding some of a locked part."""
    rows = await uow.session.execute(_LOCATIONS, {"piece_id": piece_id})
    return {e: q for e, q in rows.tuples()}


async def add(uow: UnitOfWork, piece_id: int, emplacement: str, delta: int) -> None:
    """Change what a location holds (the caller checked it stays >= 0). A decrease is a
    plain UPDATE: an upsert's proposed row (a negative quantity) would break the CHECK."""
    await uow.session.execute(
        _TAKE if delta < 0 else _ADD,
        {
            "piece_id": piece_id,
            "e": emplacement,
            "technicien_id": van_owner(emplacement),
            "delta": delta,
        },
    )


async def record(
    uow: UnitOfWork,
    piece: dict[str, Any],
    type_mouvement: str,
    quantite: int,
    emplacement: str,
    stock_apres: int,
    *,
    intervention_id: int | None = None,
    emplacement_destination: str | None = None,
    prix_unitaire: Decimal | None = None,
    commentaire: str | None = None,
    bon_commande: str | None = None,
    bon_livraison: str | None = None,
) -> dict[str, Any]:
    """Append one movement and announce it (`stock.mouvement`)."""
    row = (
        (
            await uow.session.execute(
                _MOUVEMENT,
                {
                    "piece_id": piece["id"],
                    "intervention_id": intervention_id,
                    "user_id": uow.actor_id,
                    "type_mouvement": type_mouvement,
                    "quantite": quantite,
                    "emplacement": emplacement,
                    "emplacement_destination": emplacement_destination,
                    "stock_apres": stock_apres,
                    "prix_unitaire": prix_unitaire,
                    "commentaire": commentaire,
                    "bon_commande": bon_commande,
                    "bon_livraison": bon_livraison,
                },
            )
        )
        .mappings()
        .one()
    )
    data: dict[str, Any] = {
        "id": row["id"],
        "piece_id": piece["id"],
        "type_mouvement": type_mouvement,
        "quantite": quantite,
        "emplacement": emplacement,
        "stock_apres": stock_apres,
    }
    if emplacement_destination is not None:
        data["emplacement_destination"] = emplacement_destination
    if prix_unitaire is not None:
        data["prix_unitaire"] = str(centimes(prix_unitaire))
    if intervention_id is not None:
        data["intervention_id"] = intervention_id
    uow.emit("stock.mouvement", piece["id"], data)
    return dict(row)


def sous_seuil(piece: dict[str, Any]) -> bool:
    return bool(piece["active"]) and (
        piece["stock_actuel"] - piece["stock_reserve"] <= piece["stock_minimum"]
    )


def alerte(uow: UnitOfWork, piece: dict[str, Any]) -> None:
    """`stock.seuil_bas` for a part whose available stock is at or under its minimum."""
    disponible = piece["stock_actuel"] - piece["stock_reserve"]
    uow.emit(
        "stock.seuil_bas",
        piece["id"],
        {
            "piece_id": piece["id"],
            "reference": piece["reference"],
            "nom": piece["nom"],
            "stock_disponible": disponible,
            "stock_minimum": piece["stock_minimum"],
            "stock_maximum": piece["stock_maximum"],
            "quantite_a_commander": max(piece["stock_maximum"] - disponible, 0),
        },
    )


async def save_piece(
    uow: UnitOfWork,
    piece: dict[str, Any],
    *,
    stock_actuel: int,
    stock_reserve: int,
    prix_unitaire: Decimal | None = None,
) -> dict[str, Any]:
    """Write a locked part's new totals; announce a crossing of its minimum once (the flag
    is re-armed when the available stock rises above the minimum again)."""
    before = piece["alerte_seuil"]
    piece = {
        **piece,
        "stock_actuel": stock_actuel,
        "stock_reserve": stock_reserve,
        "prix_unitaire": prix_unitaire if prix_unitaire is not None else piece["prix_unitaire"],
    }
    piece["alerte_seuil"] = sous_seuil(piece)
    await uow.session.execute(
        _SAVE,
        {
            "id": piece["id"],
            "stock_actuel": stock_actuel,
            "stock_reserve": stock_reserve,
            "prix_unitaire": piece["prix_unitaire"],
            "alerte_seuil": piece["alerte_seuil"],
        },
    )
    if piece["alerte_seuil"] and not before:
        alerte(uow, piece)
    return piece
