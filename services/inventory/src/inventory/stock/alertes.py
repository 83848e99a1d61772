"""The hourly low-stock sweep: catches any crossing an alert was not sent for, re-arms the
parts back above their minimum; idempotent (the flag is set in the same transaction as
the event, one part at a time under its row lock, skipping parts being written)."""

from __future__ import annotations

import sqlalchemy as sa
from shared.db import Database
from shared.uow import unit_of_work

from inventory.database import SCHEMA
from inventory.stock import ledger

_DUE = sa.text(
    f"""
    SELECT {ledger.PIECE_COLUMNS} FROM {SCHEMA}.pieces_detachees
    WHERE alerte_seuil <> (active AND stock_actuel - stock_reserve <= stock_minimum)
    ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED
    """
)
_FLAG = sa.text(f"UPDATE {SCHEMA}.pieces_detachees SET alerte_seuil = :a WHERE id = :id")


async def sweep(db: Database, batch: int = 500) -> int:
    """Alerts sent by this run (each batch in its own transaction)."""
    sent = 0
    while True:
        async with unit_of_work(db, schema=SCHEMA) as uow:
            rows = (await uow.session.execute(_DUE, {"n": batch})).mappings().all()
            for row in rows:
                piece = dict(row)
                bas = ledger.sous_seuil(piece)
                await uow.session.execute(_FLAG, {"a": bas, "id": piece["id"]})
                if bas:
                    ledger.alerte(uow, piece)
                    sent += 1
        if len(rows) < batch:
            return sent
