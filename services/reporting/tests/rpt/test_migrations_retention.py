"""The migration's downgrade on a database holding data, and the retention purge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import sqlalchemy as sa
from reporting.config import Settings
from reporting.periodic import purge_files
from shared.db import Database, libpq_url
from shared.migrations import downgrade, upgrade
from shared.testing.infra import scratch_database
from shared.uow import unit_of_work

from .conftest import new_id


def test_downgrade_and_upgrade_again_with_data(postgres_url: str) -> None:
    with scratch_database(postgres_url) as url:
        upgrade("reporting", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO reporting.rm_techniciens (id, username, event_at)"
                " VALUES (1, 't', now())"
            )
            conn.execute(
                "INSERT INTO reporting.reports (id, nom, type_report, format, generated_by)"
                " VALUES (1, 'r', 'stock', 'csv', 1)"
            )
            conn.execute(
                "INSERT INTO reporting.report_schedules (report_id, nom_schedule,"
                " cron_expression, created_by) VALUES (1, 's', '0 8 * * 1', 1)"
            )
            conn.execute("SELECT reporting.refresh_materialized_views()")
        downgrade("reporting", url, "reporting_0001")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            left = {
                r[0]
                for r in conn.execute(
                    "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE nspname = 'reporting' AND relkind IN ('r', 'm')"
                )
            }
        assert left == {"outbox", "inbox", "alembic_version"} or left == {"outbox", "inbox"}
        upgrade("reporting", url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM reporting.reports").fetchone() == (0,)


async def test_files_past_retention_are_purged(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"report_retention_days": 30})
    root = Path(settings.reports_dir)
    ids = {}
    for name, age in (("vieux", 31), ("recent", 29)):
        path = root / "ab" / f"{name}{new_id()}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        async with unit_of_work(db, schema="reporting") as uow:
            ids[name] = (
                await uow.session.execute(
                    sa.text(
                        "INSERT INTO reporting.reports (nom, type_report, format, generated_by,"
                        " statut, chemin_fichier, date_generation) VALUES ('r', 'stock', 'csv',"
                        " 1, 'termine', :c, :d) RETURNING id"
                    ),
                    {
                        "c": str(path.relative_to(root)),
                        "d": dt.datetime.now(dt.UTC) - dt.timedelta(days=age),
                    },
                )
            ).scalar_one()
        ids[name + "_path"] = path
    assert await purge_files(db, settings) >= 1
    assert not ids["vieux_path"].exists() and ids["recent_path"].exists()
    async with db.engine.connect() as conn:
        kept = dict(
            (
                await conn.execute(
                    sa.text(
                        "SELECT id, chemin_fichier IS NOT NULL FROM reporting.reports"
                        " WHERE id IN (:a, :b)"
                    ),
                    {"a": ids["vieux"], "b": ids["recent"]},
                )
            ).all()
        )
    assert kept == {ids["vieux"]: False, ids["recent"]: True}
