"""Stock movements (entree, sortie, ajustement, transfert) and stock per location."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from shared.errors import Problem, conflict, forbidden
from shared.pagination import Cursor
from shared.security import Role
from shared.uow import UnitOfWork

from inventory import cump, replicas
from inventory.database import SCHEMA, van, van_owner
from inventory.schemas import MouvementCreate, TypeMouvement
from inventory.stock import ledger


async def _destination_ok(uow: UnitOfWork, emplacement: str) -> None:
    owner = van_owner(emplacement)
    if owner is not None:
        await replicas.technicien_connu(uow, owner)


async def mouvement(uow: UnitOfWork, piece_id: int, body: MouvementCreate) -> dict[str, Any]:
    """Apply one movement to a part under its row lock; 409 (with the numbers) when it
    would take a location or the free stock below 0, or an entry above stock_maximum."""
    piece = await ledger.lock_piece(uow, piece_id)
    emplacement = body.emplacement or piece["emplacement"]
    stock, reserve = piece["stock_actuel"], piece["stock_reserve"]
    q = body.quantite
    t = body.type_mouvement
    if t == TypeMouvement.entree:
        if not piece["active"]:
            raise conflict("the part is inactive: reactivate it before an entry")
        if stock + q > piece["stock_maximum"]:
            raise conflict(
                f"an entry of {q} would bring the stock to {stock + q}, above its maximum "
                f"of {piece['stock_maximum']} (at most {max(piece['stock_maximum'] - stock, 0)})",
                stock_actuel=stock,
                quantite=q,
                stock_maximum=piece["stock_maximum"],
                entree_maximum=max(piece["stock_maximum"] - stock, 0),
            )
        await _destination_ok(uow, emplacement)
        assert body.prix_unitaire is not None
        prix = cump.apres_entree(stock, piece["prix_unitaire"], q, body.prix_unitaire)
        await ledger.add(uow, piece_id, emplacement, q)
        row = await ledger.record(
            uow, piece, t.value, q, emplacement, stock + q,
            prix_unitaire=body.prix_unitaire, bon_commande=body.bon_commande,
            bon_livraison=body.bon_livraison, commentaire=body.commentaire,
        )  # fmt: skip
        await ledger.save_piece(
            uow, piece, stock_actuel=stock + q, stock_reserve=reserve, prix_unitaire=prix
        )
        return row
    held = await ledger.location(uow, piece_id, emplacement)
    if t == TypeMouvement.sortie:
        if q > held:
            raise conflict(
                f"{emplacement} holds {held}, cannot take {q}",
                emplacement=emplacement, disponible=held, quantite=q,
            )  # fmt: skip
        if q > stock - reserve:
            raise conflict(
                f"only {stock - reserve} free ({reserve} of {stock} reserved), cannot take {q}",
                stock_actuel=stock, stock_reserve=reserve, disponible=stock - reserve, quantite=q,
            )  # fmt: skip
        await ledger.add(uow, piece_id, emplacement, -q)
        row = await ledger.record(
            uow, piece, t.value, q, emplacement, stock - q, commentaire=body.commentaire
        )
        await ledger.save_piece(uow, piece, stock_actuel=stock - q, stock_reserve=reserve)
        return row
    if t == TypeMouvement.ajustement:
        difference = q - held
        if stock + difference < reserve:
            raise conflict(
                f"counting {q} at {emplacement} leaves {stock + difference} in stock, below the "
                f"{reserve} reserved: release reservations first",
                stock_actuel=stock, stock_reserve=reserve, quantite=q, emplacement=emplacement,
            )  # fmt: skip
        if difference > 0:
            await _destination_ok(uow, emplacement)
        await ledger.add(uow, piece_id, emplacement, difference)
        row = await ledger.record(
            uow, piece, t.value, difference, emplacement, stock + difference,
            commentaire=body.commentaire,
        )  # fmt: skip
        await ledger.save_piece(uow, piece, stock_actuel=stock + difference, stock_reserve=reserve)
        return row
    # transfert: the total is unchanged
    destination = body.emplacement_destination
    assert destination is not None
    if destination == emplacement:
        raise Problem(
            422,
            "a transfer needs two different locations",
            errors=[{"field": "emplacement_destination", "message": "same as emplacement"}],
        )
    if q > held:
        raise conflict(
            f"{emplacement} holds {held}, cannot transfer {q}",
            emplacement=emplacement, disponible=held, quantite=q,
        )  # fmt: skip
    await _destination_ok(uow, destination)
    await ledger.add(uow, piece_id, emplacement, -q)
    await ledger.add(uow, piece_id, destination, q)
    return await ledger.record(
        uow, piece, t.value, q, emplacement, stock,
        emplacement_destination=destination, commentaire=body.commentaire,
    )  # fmt: skip


async def list_mouvements(
    uow: UnitOfWork, piece_id: int, before: int | None, limit: int
) -> list[sa.RowMapping]:
    """A part's movements, newest first (keyset on id)."""
    await _piece_exists(uow, piece_id)
    rows = await uow.session.execute(
        sa.text(
            f"SELECT * FROM {SCHEMA}.mouvements_stock WHERE piece_id = :p "
            "AND (CAST(:before AS bigint) IS NULL OR id < :before) ORDER BY id DESC LIMIT :n"
        ),
        {"p": piece_id, "before": before, "n": limit},
    )
    return list(rows.mappings())


async def _piece_exists(uow: UnitOfWork, piece_id: int) -> None:
    found = await uow.session.execute(
        sa.text(f"SELECT 1 FROM {SCHEMA}.pieces_detachees WHERE id = :id"), {"id": piece_id}
    )
    if found.first() is None:
        raise Problem(404, "piece not found")


def emplacement_visible(uow: UnitOfWork, emplacement: str | None) -> str | None:
    """Staff see every location; a technician only its own van (forced when not given)."""
    user = uow.user
    assert user is not None
    if user.is_staff:
        return emplacement
    if user.role == Role.technicien and user.technicien_id is not None:
        own = van(user.technicien_id)
        if emplacement is not None and emplacement != own:
            raise forbidden("a technician sees only its own van")
        return own
    raise forbidden()


STOCK_CURSOR = Cursor(int, str)
"""(piece_id, emplacement) of the last stock row of a page."""


async def list_stock(
    uow: UnitOfWork,
    piece_id: int | None,
    emplacement: str | None,
    after: tuple[int, str] | None,
    limit: int,
) -> list[sa.RowMapping]:
    """Up to `limit` rows of stock per location after `after`, ordered by (piece_id,
    emplacement) (keyset: STOCK_CURSOR)."""
    emplacement = emplacement_visible(uow, emplacement)
    after_piece, after_e = after if after is not None else (None, None)
    rows = await uow.session.execute(
        sa.text(
            f"SELECT piece_id, emplacement, technicien_id, quantite, updated_at "
            f"FROM {SCHEMA}.stocks "
            "WHERE (CAST(:p AS integer) IS NULL OR piece_id = :p) "
            "AND (CAST(:e AS varchar) IS NULL OR emplacement = :e) "
            "AND (CAST(:ap AS integer) IS NULL OR (piece_id, emplacement) > (:ap, :ae)) "
            "ORDER BY piece_id, emplacement LIMIT :n"
        ),
        {"p": piece_id, "e": emplacement, "ap": after_piece, "ae": after_e, "n": limit},
    )
    return list(rows.mappings())
