"""Spare parts: create, read, list (filters, search), update, deactivate or delete."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from shared.errors import Problem, conflict, not_found
from shared.uow import UnitOfWork
from shared.versioning import check_version

from inventory.database import SCHEMA
from inventory.schemas import PieceCreate, PieceRead, PieceUpdate
from inventory.stock import ledger

_COLUMNS = ledger.PIECE_COLUMNS
_WORD = re.compile(r"\w+", re.UNICODE)


def read(row: Any) -> dict[str, Any]:
    return PieceRead.of(row).model_dump(mode="json")


async def _reference_free(uow: UnitOfWork, reference: str, piece_id: int | None = None) -> None:
    taken = await uow.session.execute(
        sa.text(
            f"SELECT id FROM {SCHEMA}.pieces_detachees WHERE lower(reference) = lower(:r) "
            "AND id IS DISTINCT FROM :id"
        ),
        {"r": reference, "id": piece_id},
    )
    if taken.first() is not None:
        raise conflict(f"the reference {reference!r} is already used", field="reference")


async def create(uow: UnitOfWork, body: PieceCreate) -> dict[str, Any]:
    await _reference_free(uow, body.reference)
    row = (
        await uow.session.execute(
            sa.text(
                f"INSERT INTO {SCHEMA}.pieces_detachees (reference, nom, description, "
                "prix_unitaire, stock_minimum, stock_maximum, unite, fournisseur, emplacement, "
                "alerte_seuil) VALUES (:reference, :nom, :description, :prix_unitaire, "
                ":stock_minimum, :stock_maximum, :unite, :fournisseur, :emplacement, true) "
                f"RETURNING {_COLUMNS}"
            ),
            body.model_dump(),
        )
    ).one()
    # A new part holds nothing: under its minimum from the start, without having crossed
    # it (alerte_seuil starts true: the alert is armed once the stock rises above it).
    piece = read(row)
    uow.emit("piece.created", piece["id"], piece)
    return piece


async def get(uow: UnitOfWork, piece_id: int) -> dict[str, Any]:
    row = (
        await uow.session.execute(
            sa.text(f"SELECT {_COLUMNS} FROM {SCHEMA}.pieces_detachees WHERE id = :id"),
            {"id": piece_id},
        )
    ).first()
    if row is None:
        raise not_found("piece")
    return read(row)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_pieces(
    uow: UnitOfWork,
    *,
    q: str | None,
    sous_seuil: bool | None,
    active: bool | None,
    fournisseur: str | None,
    after: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Parts by id (keyset). `q`: a prefix of the reference (case-insensitive), or every
    word of `q` starting a word of the name or reference (full-text, prefix match)."""
    where, params = ["true"], {"n": limit}
    if q:
        words = _WORD.findall(q.lower())[:8]
        search = ["lower(reference) LIKE :prefix ESCAPE '\\'"]
        params["prefix"] = _escape_like(q.lower()) + "%"
        if words:
            search.append(
                "to_tsvector('simple', nom || ' ' || reference) @@ to_tsquery('simple', :tsq)"
            )
            params["tsq"] = " & ".join(f"{w}:*" for w in words)
        where.append("(" + " OR ".join(search) + ")")
    if sous_seuil is not None:
        where.append("((stock_actuel - stock_reserve <= stock_minimum) = :sous_seuil)")
        params["sous_seuil"] = sous_seuil
    if active is not None:
        where.append("active = :active")
        params["active"] = active
    if fournisseur is not None:
        where.append("lower(fournisseur) = lower(:fournisseur)")
        params["fournisseur"] = fournisseur
    if after is not None:
        where.append("id > :after")
        params["after"] = after
    rows = await uow.session.execute(
        sa.text(
            f"SELECT {_COLUMNS} FROM {SCHEMA}.pieces_detachees WHERE {' AND '.join(where)} "
            "ORDER BY id LIMIT :n"
        ),
        params,
    )
    return [read(r) for r in rows]


async def update(
    uow: UnitOfWork, piece_id: int, body: PieceUpdate, if_match: str | None
) -> dict[str, Any]:
    piece = await ledger.lock_piece(uow, piece_id)
    check_version(if_match, piece["version"])
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        return read_dict(piece)
    if "reference" in changes:
        await _reference_free(uow, changes["reference"], piece_id)
    minimum = changes.get("stock_minimum", piece["stock_minimum"])
    maximum = changes.get("stock_maximum", piece["stock_maximum"])
    if maximum < minimum:
        raise Problem(
            422,
            "stock_maximum must be >= stock_minimum",
            errors=[{"field": "stock_maximum", "message": f"below stock_minimum {minimum}"}],
        )
    sets = ", ".join(f"{k} = :{k}" for k in changes)
    row = (
        await uow.session.execute(
            sa.text(
                f"UPDATE {SCHEMA}.pieces_detachees SET {sets}, version = version + 1, "
                f"updated_at = now() WHERE id = :id RETURNING {_COLUMNS}"
            ),
            {**changes, "id": piece_id},
        )
    ).one()
    updated = dict(row._mapping)
    saved = await ledger.save_piece(
        uow, updated, stock_actuel=updated["stock_actuel"], stock_reserve=updated["stock_reserve"]
    )
    result = read_dict(saved)
    uow.emit("piece.updated", piece_id, result)
    if changes.get("active") is False and piece["active"]:
        uow.emit("piece.desactivee", piece_id, result)
    return result


def read_dict(piece: dict[str, Any]) -> dict[str, Any]:
    return PieceRead.of(_Row(piece)).model_dump(mode="json")


class _Row:
    """A dict seen as a row (PieceRead.of reads `row._mapping`)."""

    def __init__(self, mapping: dict[str, Any]) -> None:
        self._mapping = mapping


async def delete(uow: UnitOfWork, piece_id: int) -> dict[str, Any] | None:
    """Delete a part never moved nor used; once it has movements it is deactivated instead
    (its history stays): returns the deactivated part, or None when it was deleted."""
    piece = await ledger.lock_piece(uow, piece_id)
    history = await uow.session.execute(
        sa.text(
            f"SELECT 1 FROM {SCHEMA}.mouvements_stock WHERE piece_id = :id "
            f"UNION ALL SELECT 1 FROM {SCHEMA}.reservations WHERE piece_id = :id "
            f"UNION ALL SELECT 1 FROM {SCHEMA}.intervention_pieces WHERE piece_id = :id LIMIT 1"
        ),
        {"id": piece_id},
    )
    if history.first() is None:
        await uow.session.execute(
            sa.text(f"DELETE FROM {SCHEMA}.pieces_detachees WHERE id = :id"), {"id": piece_id}
        )
        uow.emit("piece.desactivee", piece_id, {**read_dict(piece), "active": False})
        return None
    if not piece["active"]:
        return read_dict(piece)
    return await update(uow, piece_id, PieceUpdate(active=False), None)
