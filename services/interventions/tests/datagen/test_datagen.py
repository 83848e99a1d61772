"""The data generator on ~2,000 rows: what it loads keeps every rule of the schema (the
ones it skips during the COPY included), the table is left as the migrations made it, and
the list endpoint pages through the rows.

The generator commits, so it runs on a database of its own (dropped afterwards), not on the
run's shared database that other tests expect nearly empty."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from interventions.config import Settings
from interventions.datagen import Generator, load
from interventions.main import create_app
from shared.db import libpq_url
from shared.migrations import upgrade
from shared.testing.infra import scratch_database
from shared.testing.plugin import asgi_client, trust_test_tokens

ROWS = 2_000
EQUIPEMENTS = 60


@pytest.fixture(scope="module")
def loaded(test_env: dict[str, str]) -> Iterator[tuple[str, dict[str, set[str]]]]:
    with scratch_database(test_env["DATABASE_URL"]) as url:
        upgrade("interventions", url)
        before = _schema_objects(url)
        gen = Generator(
            interventions=ROWS, equipements=EQUIPEMENTS, clients=12, techniciens=9, seed=7
        )
        report = load(url, gen, log=False)
        assert report.interventions == ROWS and report.ratio is not None
        # the rate compared with COPY is end to end: everything up to the commit
        assert report.rows_per_second == pytest.approx(ROWS / report.seconds_load)
        assert report.seconds_load > report.seconds_copy + report.seconds_index
        # the indexes dropped for the load are all back
        assert set(report.indexes_rebuilt) <= before["indexes"]
        yield url, before


def _schema_objects(url: str) -> dict[str, set[str]]:
    with psycopg.connect(libpq_url(url)) as conn:
        indexes = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'interventions' "
            "AND tablename = 'interventions'"
        ).fetchall()
        constraints = conn.execute(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'interventions.interventions'::regclass AND convalidated"
        ).fetchall()
        triggers = conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'interventions.interventions'::regclass"
            " AND NOT tgisinternal AND tgenabled = 'O'"
        ).fetchall()
    return {
        "indexes": {r[0] for r in indexes},
        "constraints": {r[0] for r in constraints},
        "triggers": {r[0] for r in triggers},
    }


def _one(url: str, sql: str) -> object:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return row[0]


def test_schema_is_as_the_migrations_left_it(loaded) -> None:
    url, before = loaded
    assert _schema_objects(url) == before
    assert {"intervention_client_validation", "intervention_status_validation"} <= before[
        "triggers"
    ]


def test_rows_keep_the_rules(loaded) -> None:
    url, _ = loaded
    assert _one(url, "SELECT count(*) FROM interventions.interventions") == ROWS
    assert _one(url, "SELECT count(*) FROM interventions.equipements") == EQUIPEMENTS
    checks = {
        "client is the equipment's owner": """
            SELECT count(*) FROM interventions.interventions i
            JOIN interventions.equipements e ON e.id = i.equipement_id
            WHERE i.client_id <> e.client_id""",
        "technician from the replica": """
            SELECT count(*) FROM interventions.interventions i
            WHERE i.technicien_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM interventions.techniciens_replica t WHERE t.id = i.technicien_id)""",
        "client from the replica": """
            SELECT count(*) FROM interventions.equipements e WHERE NOT EXISTS (
                SELECT 1 FROM interventions.clients_replica c WHERE c.id = e.client_id)""",
        "dates ordered": """
            SELECT count(*) FROM interventions.interventions
            WHERE date_debut < date_creation OR date_fin < date_debut
               OR date_limite < date_creation OR date_planifiee < date_creation
               OR updated_at < created_at OR date_creation > now()
               OR date_debut > now()""",
        "open work unassigned only while ouverte": """
            SELECT count(*) FROM interventions.interventions
            WHERE (statut = 'ouverte') <> (technicien_id IS NULL) AND statut <> 'annulee'""",
        "started work has a start": """
            SELECT count(*) FROM interventions.interventions
            WHERE (statut IN ('en_cours', 'en_attente', 'cloturee', 'archivee'))
                  <> (date_debut IS NOT NULL)""",
        "closed work has an end, a solution and a real duration": """
            SELECT count(*) FROM interventions.interventions
            WHERE (statut IN ('cloturee', 'archivee'))
                  <> (date_fin IS NOT NULL AND solution IS NOT NULL
                      AND duree_reelle IS NOT NULL)""",
        "rated only once closed": """
            SELECT count(*) FROM interventions.interventions
            WHERE satisfaction_client IS NOT NULL AND statut NOT IN ('cloturee', 'archivee')""",
        "archived only after the archival delay": """
            SELECT count(*) FROM interventions.interventions
            WHERE statut = 'archivee' AND date_fin > now() - interval '730 days'""",
        "retired equipment inactive": """
            SELECT count(*) FROM interventions.equipements WHERE statut = 'retire' AND active""",
    }
    failing = {name: n for name, sql in checks.items() if (n := _one(url, sql)) != 0}
    assert failing == {}
    # every value of each enum occurs, and dates span years
    for column, values in (("statut", 7), ("priorite", 5), ("type_intervention", 4)):
        sql = f"SELECT count(DISTINCT {column}) FROM interventions.interventions"
        assert _one(url, sql) == values, column
    years = _one(
        url,
        "SELECT extract(year FROM max(date_creation)) - extract(year FROM min(date_creation))"
        " FROM interventions.interventions",
    )
    assert float(years) >= 4  # type: ignore[arg-type]


def test_the_database_still_refuses_a_wrong_client(loaded) -> None:
    url, _ = loaded
    with psycopg.connect(libpq_url(url)) as conn:
        owner, equipement = conn.execute(
            "SELECT client_id, id FROM interventions.equipements ORDER BY id LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        with pytest.raises(psycopg.errors.RaiseException):
            conn.execute(
                "INSERT INTO interventions.interventions (equipement_id, client_id, titre) "
                "VALUES (%s, %s, 'x')",
                (equipement, owner + 1_000),
            )
        conn.rollback()
        # and the identity continues after the generated ids
        new_id = conn.execute(
            "INSERT INTO interventions.interventions (equipement_id, client_id, titre) "
            "VALUES (%s, %s, 'x') RETURNING id",
            (equipement, owner),
        ).fetchone()[0]  # type: ignore[index]
        assert new_id > ROWS
        conn.rollback()


def test_a_second_load_appends(loaded) -> None:
    url, before = loaded
    gen = Generator(interventions=300, equipements=5, clients=2, techniciens=2, seed=8)
    report = load(url, gen, baseline=False, log=False)
    assert report.indexes_rebuilt == []  # indexes kept when the table already has rows
    assert _one(url, "SELECT count(*) FROM interventions.interventions") == ROWS + 300
    assert _schema_objects(url) == before
    assert (
        _one(
            url,
            "SELECT count(*) FROM interventions.interventions i JOIN interventions.equipements e"
            " ON e.id = i.equipement_id WHERE i.client_id <> e.client_id",
        )
        == 0
    )


async def test_the_list_endpoint_pages_through_them(loaded, tokens) -> None:
    url, _ = loaded
    app = create_app(Settings(database_url=url, environment="test"))
    trust_test_tokens(app, tokens)
    expected = _one(
        url, "SELECT count(*) FROM interventions.interventions WHERE statut = 'ouverte'"
    )
    assert isinstance(expected, int) and expected > 100
    seen: list[dict[str, object]] = []
    cursor = None
    try:
        async with asgi_client(app) as client:
            for _ in range(100):
                params: dict[str, object] = {"statut": "ouverte", "limit": 50}
                if cursor:
                    params["cursor"] = cursor
                response = await client.get(
                    "/api/v1/interventions", params=params, headers=tokens.headers("admin", 1)
                )
                assert response.status_code == 200, response.text
                body = response.json()
                seen += body["items"]
                cursor = body.get("next_cursor")
                if not cursor:
                    break
    finally:
        await app.state.db.dispose()
    assert len(seen) == expected
    assert len({i["id"] for i in seen}) == expected
    assert all(i["statut"] == "ouverte" for i in seen)
    order = ["urgente", "haute", "normale", "basse", "programmee"]
    keys = [(order.index(i["priorite"]), i["date_creation"], i["id"]) for i in seen]
    assert keys == sorted(keys)
