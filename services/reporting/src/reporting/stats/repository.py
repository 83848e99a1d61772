"""Statistics queries over the read models (set-based SQL, one statement per figure family)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.database import SCHEMA

TZ_NAME = "Africa/Casablanca"
TZ = ZoneInfo(TZ_NAME)
CLOSED = "('cloturee', 'archivee')"
OPEN = "('ouverte', 'affectee', 'en_cours', 'en_attente')"
HOURS = "coalesce(i.heures_travail, i.duree_reelle)"


@dataclass(frozen=True, slots=True)
class Filters:
    debut: dt.datetime  # window start, UTC-aware (du at 00:00 in Casablanca)
    fin: dt.datetime  # window end, exclusive (the day after au at 00:00)
    granularite: str = "month"
    client_id: int | None = None
    equipement_id: int | None = None
    criticite: str | None = None
    technicien_id: int | None = None

    def params(self) -> dict[str, Any]:
        return {
            "debut": self.debut,
            "fin": self.fin,
            "g": self.granularite,
            "tz": TZ_NAME,
            "client_id": self.client_id,
            "equipement_id": self.equipement_id,
            "criticite": self.criticite,
            "technicien_id": self.technicien_id,
        }

    def where(self, alias: str = "i") -> str:
        """The optional filters on an interventions-shaped row `alias`."""
        parts = []
        if self.client_id is not None:
            parts.append(f"{alias}.client_id = :client_id")
        if self.equipement_id is not None:
            parts.append(f"{alias}.equipement_id = :equipement_id")
        if self.technicien_id is not None:
            parts.append(f"{alias}.technicien_id = :technicien_id")
        if self.criticite is not None:
            parts.append(
                f"{alias}.equipement_id IN (SELECT id FROM {SCHEMA}.rm_equipements"
                " WHERE criticite = :criticite)"
            )
        return "".join(f" AND {p}" for p in parts)


def window(du: dt.date, au: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[du 00:00, au+1 00:00) in Africa/Casablanca, as UTC instants."""
    start = dt.datetime.combine(du, dt.time(), TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(au + dt.timedelta(days=1), dt.time(), TZ).astimezone(dt.UTC)
    return start, end


def _period(column: str) -> str:
    return f"date_trunc(:g, {column} AT TIME ZONE :tz)::date"


async def closed_by_period(session: AsyncSession, f: Filters) -> list[sa.Row[Any]]:
    sql = f"""
    SELECT {_period("i.date_fin")} AS debut,
        count(*) AS closed,
        coalesce(sum({HOURS}), 0) AS hours,
        count(*) FILTER (WHERE i.type_intervention = 'corrective' AND {HOURS} IS NOT NULL)
            AS repairs,
        coalesce(sum({HOURS}) FILTER (WHERE i.type_intervention = 'corrective'), 0)
            AS repair_hours,
        count(*) FILTER (WHERE i.date_limite IS NOT NULL) AS with_limit,
        count(*) FILTER (WHERE i.date_fin <= i.date_limite) AS on_time,
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM {SCHEMA}.rm_sla s
            WHERE s.intervention_id = i.id AND s.type = 'depasse')) AS sla_ok,
        count(*) FILTER (WHERE i.type_intervention = 'corrective') AS corrective,
        count(*) FILTER (WHERE i.type_intervention = 'corrective' AND (
            SELECT count(*) FROM {SCHEMA}.rm_planning p
            WHERE p.intervention_id = i.id AND p.statut IS DISTINCT FROM 'annule') <= 1)
            AS first_time
    FROM {SCHEMA}.rm_interventions i
    WHERE i.statut IN {CLOSED} AND i.date_fin >= :debut AND i.date_fin < :fin {f.where()}
    GROUP BY 1 ORDER BY 1"""
    return list((await session.execute(sa.text(sql), f.params())).all())


async def parts_by_period(session: AsyncSession, f: Filters) -> dict[dt.date, Decimal]:
    extra = ""
    if f.equipement_id is not None or f.criticite is not None:
        sub = Filters(f.debut, f.fin, f.granularite, None, f.equipement_id, f.criticite, None)
        extra = (
            f" AND pc.intervention_id IN (SELECT i.id FROM {SCHEMA}.rm_interventions i"
            f" WHERE true {sub.where()})"
        )
    own = Filters(f.debut, f.fin, f.granularite, f.client_id, None, None, f.technicien_id)
    sql = f"""
    SELECT {_period("pc.occurred_at")} AS debut, coalesce(sum(pc.montant), 0) AS montant
    FROM {SCHEMA}.rm_pieces_consommees pc
    WHERE pc.occurred_at >= :debut AND pc.occurred_at < :fin {own.where("pc")} {extra}
    GROUP BY 1"""
    rows = (await session.execute(sa.text(sql), f.params())).all()
    return {r.debut: r.montant for r in rows}


async def revenue_by_period(session: AsyncSession, f: Filters) -> dict[str, dict[dt.date, Decimal]]:
    """Invoiced (factures issued, cancelled excluded), paid (by payment date), credit notes."""
    client = " AND client_id = :client_id" if f.client_id is not None else ""
    out: dict[str, dict[dt.date, Decimal]] = {"facture": {}, "encaisse": {}, "avoir": {}}
    queries = {
        "facture": ("date_emission", "kind = 'facture' AND statut IS DISTINCT FROM 'annulee'"),
        "encaisse": ("date_paiement", "kind = 'facture'"),
        "avoir": ("date_emission", "kind = 'avoir'"),
    }
    for name, (column, cond) in queries.items():
        sql = f"""
        SELECT {_period(column)} AS debut, coalesce(sum(montant_ttc), 0) AS montant
        FROM {SCHEMA}.rm_factures
        WHERE {cond} AND {column} >= :debut AND {column} < :fin {client}
        GROUP BY 1"""
        rows = (await session.execute(sa.text(sql), f.params())).all()
        out[name] = {r.debut: r.montant for r in rows}
    return out


async def backlog(session: AsyncSession, f: Filters, now: dt.datetime) -> list[sa.Row[Any]]:
    sql = f"""
    SELECT i.priorite,
        count(*) FILTER (WHERE i.date_creation > :now - interval '1 day') AS moins_1j,
        count(*) FILTER (WHERE i.date_creation <= :now - interval '1 day'
            AND i.date_creation > :now - interval '7 days') AS de_1_a_7j,
        count(*) FILTER (WHERE i.date_creation <= :now - interval '7 days'
            AND i.date_creation > :now - interval '30 days') AS de_7_a_30j,
        count(*) FILTER (WHERE i.date_creation <= :now - interval '30 days') AS plus_30j,
        count(*) AS total
    FROM {SCHEMA}.rm_interventions i
    WHERE i.statut IN {OPEN} {f.where()}
    GROUP BY i.priorite
    ORDER BY array_position(ARRAY['urgente', 'haute', 'normale', 'basse', 'programmee'],
        i.priorite::text)"""
    return list((await session.execute(sa.text(sql), {**f.params(), "now": now})).all())


async def failures_by_equipment(
    session: AsyncSession, f: Filters, limit: int = 50
) -> list[sa.Row[Any]]:
    """Failures (corrective interventions created in the window, not cancelled) and their
    repair hours, per equipment, most failures first."""
    sql = f"""
    SELECT i.equipement_id, e.nom,
        count(*) AS pannes,
        coalesce(sum({HOURS}) FILTER (WHERE i.statut IN {CLOSED}), 0) AS heures,
        count(*) FILTER (WHERE i.statut IN {CLOSED} AND {HOURS} IS NOT NULL) AS reparees
    FROM {SCHEMA}.rm_interventions i
    LEFT JOIN {SCHEMA}.rm_equipements e ON e.id = i.equipement_id
    WHERE i.type_intervention = 'corrective' AND i.statut <> 'annulee'
        AND i.date_creation >= :debut AND i.date_creation < :fin {f.where()}
    GROUP BY i.equipement_id, e.nom
    ORDER BY count(*) DESC, i.equipement_id
    LIMIT {int(limit)}"""
    return list((await session.execute(sa.text(sql), f.params())).all())


async def equipment_name(session: AsyncSession, equipement_id: int) -> str | None:
    return (
        await session.execute(
            sa.text(f"SELECT nom FROM {SCHEMA}.rm_equipements WHERE id = :id"),
            {"id": equipement_id},
        )
    ).scalar_one_or_none()


async def refreshed_at(session: AsyncSession, view: str) -> dt.datetime | None:
    return (
        await session.execute(
            sa.text(f"SELECT refreshed_at FROM {SCHEMA}.mv_refresh WHERE view_name = :v"),
            {"v": view},
        )
    ).scalar_one_or_none()


async def technician_stats(session: AsyncSession) -> list[sa.RowMapping]:
    sql = f"SELECT * FROM {SCHEMA}.mv_technician_stats ORDER BY technician_id"
    return list((await session.execute(sa.text(sql))).mappings().all())


async def client_summaries(session: AsyncSession, client_id: int | None) -> list[sa.RowMapping]:
    where = " WHERE client_id = :c" if client_id is not None else ""
    sql = f"SELECT * FROM {SCHEMA}.mv_client_equipment_summary{where} ORDER BY client_id"
    return list((await session.execute(sa.text(sql), {"c": client_id})).mappings().all())


async def refresh_views(session: AsyncSession) -> None:
    """The seed's refresh_materialized_views() (CONCURRENTLY: readers never wait)."""
    await session.execute(sa.text(f"SELECT {SCHEMA}.refresh_materialized_views()"))
