"""The intervention list at 1,000,000 rows: every page is an index range scan, so a deep
page costs what the first one does."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import sqlalchemy as sa
from interventions.interventions.models import PrioriteIntervention, StatutIntervention
from interventions.interventions.repository import InterventionFilters, list_query
from shared.security import CurrentUser, Role
from sqlalchemy.dialects import postgresql

ROWS = 1_000_000
ADMIN = CurrentUser(id=1, username="a", role=Role.admin)
CLIENT = CurrentUser(id=5, username="c", role=Role.client, client_id=3)
TECH = CurrentUser(id=3, username="t", role=Role.technicien, technicien_id=7)


def _sql(query: Any) -> str:
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


async def _explain(conn: Any, query: Any) -> tuple[list[dict[str, Any]], float]:
    raw = (
        await conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + _sql(query).replace("%", "%%")
        )
    ).scalar_one()
    doc = raw if isinstance(raw, list) else json.loads(raw)
    return _nodes(doc[0]["Plan"]), float(doc[0]["Execution Time"])


async def test_list_pages_use_indexes_at_a_million_rows(migrate, db_connection) -> None:
    migrate("interventions")
    conn = db_connection
    # bulk load inside the test's rolled-back transaction; triggers off for the load only
    await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    equipement = (
        await conn.execute(
            sa.text(
                "INSERT INTO interventions.equipements (client_id, nom, numero_serie) "
                "VALUES (3, 'bench', 'SN-bench-plan') RETURNING id"
            )
        )
    ).scalar_one()
    await conn.execute(
        sa.text(
            """
            INSERT INTO interventions.interventions
                (equipement_id, client_id, technicien_id, titre, statut, priorite, urgence,
                 date_creation)
            SELECT :e, 1 + g % 500, CASE WHEN g % 3 = 0 THEN NULL ELSE 1 + g % 200 END,
                   'i' || g,
                   (enum_range(NULL::interventions.statut_intervention))[1 + g % 6],
                   (enum_range(NULL::interventions.priorite_intervention))[1 + g % 5],
                   g % 17 = 0,
                   timestamptz '2024-01-01' + g * interval '1 minute'
            FROM generate_series(1, :n) AS g
            """
        ),
        {"e": equipement, "n": ROWS},
    )
    await conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
    await conn.exec_driver_sql("ANALYZE interventions.interventions")

    deep_key = (PrioriteIntervention.basse, dt.datetime(2025, 6, 1, tzinfo=dt.UTC), 10)
    cases = [
        (ADMIN, InterventionFilters(), "idx_intervention_keyset"),
        (CLIENT, InterventionFilters(), "idx_intervention_client_keyset"),
        (TECH, InterventionFilters(), "idx_intervention_technicien_keyset"),
        (
            ADMIN,
            InterventionFilters(statut=StatutIntervention.en_cours),
            "idx_intervention_statut_keyset",
        ),
    ]
    for user, filters, index in cases:
        first_nodes, first_ms = await _explain(conn, list_query(user, filters, None, 51))
        deep_nodes, deep_ms = await _explain(conn, list_query(user, filters, deep_key, 51))
        for nodes in (first_nodes, deep_nodes):
            types = {n["Node Type"] for n in nodes}
            assert "Seq Scan" not in types and "Sort" not in types, (index, types)
            assert index in {n.get("Index Name") for n in nodes}, (index, nodes)
        # a deep page reads about as many rows as the first: no offset walk
        assert deep_ms < max(20.0, first_ms * 10), (index, first_ms, deep_ms)

    # and an unplanned filter combination still answers without a full sort of 1M rows
    start = time.perf_counter()
    nodes, _ = await _explain(
        conn,
        list_query(
            ADMIN, InterventionFilters(urgence=True, priorite=PrioriteIntervention.haute), None, 51
        ),
    )
    assert time.perf_counter() - start < 5
    assert any(n.get("Index Name") for n in nodes)
