"""Parts held for an intervention (reservations), used on it (consumption) and brought back
(retour), each under the part's row lock (see inventory.stock.ledger)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from shared.errors import conflict, forbidden
from shared.security import Role
from shared.uow import UnitOfWork

from inventory import cump, replicas
from inventory.database import SCHEMA, van, van_owner
from inventory.schemas import ConsommationCreate, ReservationCreate
from inventory.stock import ledger

# a reservation holds parts for an intervention that has not started yet
RESERVABLE = ("ouverte", "affectee", "en_attente")
RETOUR_POSSIBLE = ("en_cours", "en_attente", "cloturee")

_RESERVATION_COLUMNS = (
    "id, intervention_id, piece_id, quantite, quantite_initiale, statut, created_at, updated_at"
)
_ACTIVE = sa.text(
    f"SELECT id, quantite FROM {SCHEMA}.reservations WHERE intervention_id = :i "
    "AND piece_id = :p AND statut = 'active' ORDER BY id"
)
_TAKE = sa.text(
    f"UPDATE {SCHEMA}.reservations SET quantite = quantite - :q, updated_at = now(), "
    "statut = CASE WHEN quantite - :q = 0 THEN 'consommee'::inventory.statut_reservation "
    "ELSE statut END WHERE id = :id"
)
_USE = sa.text(
    f"""
    INSERT INTO {SCHEMA}.intervention_pieces
        (intervention_id, piece_id, technicien_id, user_id, quantite, prix_unitaire, montant,
         notes)
    VALUES (:i, :p, :t, :u, :q, :prix, :montant, :notes)
    RETURNING id, intervention_id, piece_id, technicien_id, quantite, prix_unitaire, montant,
        notes, date_utilisation
    """
)


def _staff_only(uow: UnitOfWork) -> None:
    if uow.user is None or not uow.user.is_staff:
        raise forbidden()


async def reserver(
    uow: UnitOfWork, intervention_id: int, body: ReservationCreate
) -> dict[str, Any]:
    """Hold parts for an intervention not yet started; 409 beyond stock - reserved."""
    _staff_only(uow)
    intervention = await replicas.intervention(uow, intervention_id, RESERVABLE)
    if intervention["statut"] not in RESERVABLE:
        raise conflict(
            f"the intervention is {intervention['statut']}: parts are reserved before it starts",
            statut=intervention["statut"],
        )
    piece = await ledger.lock_piece(uow, body.piece_id)
    if not piece["active"]:
        raise conflict("the part is inactive")
    disponible = piece["stock_actuel"] - piece["stock_reserve"]
    if body.quantite > disponible:
        raise conflict(
            f"only {disponible} available ({piece['stock_reserve']} of {piece['stock_actuel']} "
            f"reserved), cannot reserve {body.quantite}",
            stock_actuel=piece["stock_actuel"], stock_reserve=piece["stock_reserve"],
            disponible=disponible, quantite=body.quantite,
        )  # fmt: skip
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"INSERT INTO {SCHEMA}.reservations "
                    "(intervention_id, piece_id, quantite, quantite_initiale, user_id) "
                    "VALUES (:i, :p, :q, :q, :u) "
                    f"RETURNING {_RESERVATION_COLUMNS}"
                ),
                {"i": intervention_id, "p": body.piece_id, "q": body.quantite, "u": uow.actor_id},
            )
        )
        .mappings()
        .one()
    )
    await ledger.save_piece(
        uow,
        piece,
        stock_actuel=piece["stock_actuel"],
        stock_reserve=piece["stock_reserve"] + body.quantite,
    )
    uow.emit("reservation.creee", row["id"], _reservation_event(row, body.quantite))
    return dict(row)


def _reservation_event(row: Any, quantite: int) -> dict[str, Any]:
    return {
        "id": row["id"],
        "intervention_id": row["intervention_id"],
        "piece_id": row["piece_id"],
        "quantite": quantite,
    }


async def list_reservations(uow: UnitOfWork, intervention_id: int) -> list[sa.RowMapping]:
    _staff_only(uow)
    await replicas.intervention(uow, intervention_id)
    rows = await uow.session.execute(
        sa.text(
            f"SELECT {_RESERVATION_COLUMNS} FROM {SCHEMA}.reservations "
            "WHERE intervention_id = :i ORDER BY id"
        ),
        {"i": intervention_id},
    )
    return list(rows.mappings())


async def liberer_reservations(uow: UnitOfWork, intervention_id: int) -> int:
    """Release what an intervention still reserves (idempotent: a second call finds nothing
    active); parts are locked in id order, as every writer locks one part at a time."""
    pieces = (
        await uow.session.execute(
            sa.text(
                f"SELECT DISTINCT piece_id FROM {SCHEMA}.reservations "
                "WHERE intervention_id = :i AND statut = 'active' ORDER BY piece_id"
            ),
            {"i": intervention_id},
        )
    ).scalars()
    released = 0
    for piece_id in list(pieces):
        piece = await ledger.lock_piece(uow, piece_id)
        rows = (
            await uow.session.execute(
                sa.text(
                    f"UPDATE {SCHEMA}.reservations SET statut = 'liberee', updated_at = now() "
                    "WHERE intervention_id = :i AND piece_id = :p AND statut = 'active' "
                    "RETURNING id, intervention_id, piece_id, quantite"
                ),
                {"i": intervention_id, "p": piece_id},
            )
        ).mappings()
        total = 0
        for row in rows:
            total += row["quantite"]
            released += 1
            uow.emit("reservation.liberee", row["id"], _reservation_event(row, row["quantite"]))
        if total:
            await ledger.save_piece(
                uow,
                piece,
                stock_actuel=piece["stock_actuel"],
                stock_reserve=piece["stock_reserve"] - total,
            )
    return released


def _plan(
    held: dict[str, int], quantite: int, technicien_id: int | None
) -> list[tuple[str, int]] | None:
    """Where to take `quantite` from: the technician's van first, then the warehouses
    (fullest first); never another technician's van. None when they hold too little."""
    own = van(technicien_id) if technicien_id is not None else None
    order = [own] if own in held else []
    order += sorted((e for e in held if van_owner(e) is None), key=lambda e: (-held[e], e))
    plan, left = [], quantite
    for e in order:
        take = min(left, held[e])
        if take > 0:
            plan.append((e, take))
            left -= take
        if left == 0:
            return plan
    return None


async def consommer(
    uow: UnitOfWork, intervention_id: int, body: ConsommationCreate
) -> dict[str, Any]:
    """Use parts on an intervention en_cours: from its reservation first, then free stock
    (the technician's van, then the warehouses); the use is recorded at the current CUMP
    with its `sortie` movements, in one transaction; `piece.consommee` is published."""
    intervention = await replicas.intervention(uow, intervention_id, ("en_cours",))
    if intervention["statut"] != "en_cours":
        raise conflict(
            f"the intervention is {intervention['statut']}: parts are used while en_cours",
            statut=intervention["statut"],
        )
    piece = await ledger.lock_piece(uow, body.piece_id)
    q = body.quantite
    active = await uow.session.execute(_ACTIVE, {"i": intervention_id, "p": body.piece_id})
    reservations = [(r[0], r[1]) for r in active]
    reserved = sum(r for _, r in reservations)
    from_reservation = min(q, reserved)
    free = piece["stock_actuel"] - piece["stock_reserve"]
    if q - from_reservation > free:
        raise conflict(
            f"only {free + from_reservation} available for this intervention "
            f"({from_reservation} reserved for it, {free} free), cannot use {q}",
            stock_actuel=piece["stock_actuel"], stock_reserve=piece["stock_reserve"],
            reserve_intervention=reserved, disponible=free + from_reservation, quantite=q,
        )  # fmt: skip
    technicien_id = intervention["technicien_id"]
    if body.emplacement is not None:
        held = await ledger.location(uow, body.piece_id, body.emplacement)
        plan = [(body.emplacement, q)] if held >= q else None
        if uow.user is not None and uow.user.role == Role.technicien:
            owner = van_owner(body.emplacement)
            if owner is not None and owner != technicien_id:
                raise forbidden("a technician takes parts from its own van or a warehouse")
    else:
        held_all = await ledger.locations(uow, body.piece_id)
        plan = _plan(held_all, q, technicien_id)
    if plan is None:
        raise conflict(
            f"the locations at hand hold too little to take {q} "
            f"({body.emplacement or 'van and warehouses'})",
            quantite=q, emplacement=body.emplacement,
        )  # fmt: skip
    # the reservations, oldest first
    left = from_reservation
    for rid, rq in reservations:
        if left == 0:
            break
        take = min(left, rq)
        await uow.session.execute(_TAKE, {"q": take, "id": rid})
        uow.emit(
            "reservation.consommee",
            rid,
            {"id": rid, "intervention_id": intervention_id, "piece_id": body.piece_id,
             "quantite": take},
        )  # fmt: skip
        left -= take
    stock = piece["stock_actuel"]
    for emplacement, take in plan:
        await ledger.add(uow, body.piece_id, emplacement, -take)
        stock -= take
        await ledger.record(
            uow, piece, "sortie", take, emplacement, stock, intervention_id=intervention_id,
            prix_unitaire=piece["prix_unitaire"],
        )  # fmt: skip
    await ledger.save_piece(
        uow,
        piece,
        stock_actuel=stock,
        stock_reserve=piece["stock_reserve"] - from_reservation,
    )
    return await _use(uow, intervention, piece, q, piece["prix_unitaire"], body.notes)


async def _use(
    uow: UnitOfWork,
    intervention: Any,
    piece: dict[str, Any],
    quantite: int,
    prix: Decimal,
    notes: str | None,
) -> dict[str, Any]:
    montant = cump.montant(quantite, prix)
    row = (
        (
            await uow.session.execute(
                _USE,
                {
                    "i": intervention["id"],
                    "p": piece["id"],
                    "t": intervention["technicien_id"],
                    "u": uow.actor_id,
                    "q": quantite,
                    "prix": prix,
                    "montant": montant,
                    "notes": notes,
                },
            )
        )
        .mappings()
        .one()
    )
    uow.emit(
        "piece.consommee",
        row["id"],
        {
            "id": row["id"],
            "intervention_id": intervention["id"],
            "client_id": intervention["client_id"],
            "technicien_id": intervention["technicien_id"],
            "piece_id": piece["id"],
            "reference": piece["reference"],
            "nom": piece["nom"],
            "quantite": quantite,
            "prix_unitaire": str(cump.centimes(prix)),
            "montant": str(montant),
        },
    )
    return dict(row)


async def retourner(
    uow: UnitOfWork, intervention_id: int, body: ConsommationCreate
) -> dict[str, Any]:
    """Unused parts back to stock (the technician's van, else the part's warehouse, or the
    location given), valued at what the intervention paid for them: an `entree` movement
    tied to the intervention and a negative use, at most what it used."""
    intervention = await replicas.intervention(uow, intervention_id, RETOUR_POSSIBLE)
    if intervention["statut"] not in RETOUR_POSSIBLE:
        raise conflict(
            f"the intervention is {intervention['statut']}: nothing can be returned",
            statut=intervention["statut"],
        )
    piece = await ledger.lock_piece(uow, body.piece_id)
    used = (
        await uow.session.execute(
            sa.text(
                f"SELECT coalesce(sum(quantite), 0), coalesce(sum(montant), 0) "
                f"FROM {SCHEMA}.intervention_pieces WHERE intervention_id = :i AND piece_id = :p"
            ),
            {"i": intervention_id, "p": body.piece_id},
        )
    ).one()
    net, paid = int(used[0]), Decimal(used[1])
    q = body.quantite
    if q > net:
        raise conflict(
            f"the intervention used {net} of this part, cannot return {q}",
            quantite_utilisee=net, quantite=q,
        )  # fmt: skip
    prix = (paid / net).quantize(cump.PRECISION) if net else piece["prix_unitaire"]
    technicien_id = intervention["technicien_id"]
    if body.emplacement is not None:
        destination = body.emplacement
        owner = van_owner(destination)
        if (
            uow.user is not None
            and uow.user.role == Role.technicien
            and owner is not None
            and owner != technicien_id
        ):
            raise forbidden("a technician returns parts to its own van or a warehouse")
        if owner is not None:
            await replicas.technicien_connu(uow, owner)
    elif technicien_id is not None:
        destination = van(technicien_id)
    else:
        destination = piece["emplacement"]
    stock = piece["stock_actuel"] + q
    await ledger.add(uow, body.piece_id, destination, q)
    await ledger.record(
        uow, piece, "entree", q, destination, stock, intervention_id=intervention_id,
        prix_unitaire=prix, commentaire="retour de pièces non utilisées",
    )  # fmt: skip
    await ledger.save_piece(
        uow,
        piece,
        stock_actuel=stock,
        stock_reserve=piece["stock_reserve"],
        prix_unitaire=cump.apres_entree(piece["stock_actuel"], piece["prix_unitaire"], q, prix),
    )
    return await _use(uow, intervention, piece, -q, prix, body.notes)


async def list_utilisations(uow: UnitOfWork, intervention_id: int) -> list[sa.RowMapping]:
    await replicas.intervention(uow, intervention_id)
    rows = await uow.session.execute(
        sa.text(
            "SELECT id, intervention_id, piece_id, technicien_id, quantite, prix_unitaire, "
            f"montant, notes, date_utilisation FROM {SCHEMA}.intervention_pieces "
            "WHERE intervention_id = :i ORDER BY id"
        ),
        {"i": intervention_id},
    )
    return list(rows.mappings())
