"""Reports written for real (PostgreSQL COPY, xlsxwriter, reportlab) under their lease,
the API around them, and the schedules' tick."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader
from reporting.config import Settings
from reporting.reports import service
from reporting.reports.generate import generate
from reporting.schedules import service as schedules
from shared.db import Database
from shared.uow import unit_of_work

from .conftest import Apply, new_id, utc


async def _seed(apply: Apply, n: int = 30) -> int:
    c, t, e = new_id(), new_id(), new_id()
    await apply("client.created", {"id": c, "nom_entreprise": "Phosphates Réunis"})
    await apply("technicien.created", {"id": t, "full_name": "Salma Bennani"})
    await apply("equipement.created", {"id": e, "client_id": c, "nom": "Pompe P-12"})
    for k in range(n):
        day = utc(2026, 1 + k % 11, 1 + k % 27, 10)
        await apply(
            "intervention.cloturee",
            {
                "id": new_id(),
                "equipement_id": e,
                "client_id": c,
                "technicien_id": t,
                "type_intervention": "corrective",
                "statut": "cloturee",
                "priorite": "normale",
                "titre": f"Fuite d'huile n°{k}, « joint »",
                "date_creation": day.isoformat(),
                "date_fin": (day + dt.timedelta(hours=3)).isoformat(),
                "duree_reelle": f"{1 + k % 5}.50",
                "cout_reel": "980.00",
            },
            at=day,
        )
    return c


async def _report(db: Database, fmt: str, c: int, by: int = 5) -> int:
    from reporting.reports.schemas import ReportCreate

    body = ReportCreate(
        nom=f"Interventions {fmt}", type_report="client", format=fmt, parametres={"client_id": c}
    )
    async with unit_of_work(db, schema="reporting") as uow:
        row = await service.create(uow, body, {"client_id": c}, generated_by=by)
    return row["id"]


async def _row(db: Database, report_id: int) -> sa.Row:
    async with db.engine.connect() as conn:
        return (
            await conn.execute(
                sa.text(
                    "SELECT statut::text, progression, chemin_fichier, erreur_message, tentatives"
                    " FROM reporting.reports WHERE id = :i"
                ),
                {"i": report_id},
            )
        ).one()


async def test_csv_excel_pdf(
    apply: Apply, db: Database, settings: Settings, client, tokens, tmp_path: Path
) -> None:
    c = await _seed(apply)
    for fmt in ("csv", "excel", "pdf"):
        rid = await _report(db, fmt, c)
        assert await generate(db, settings, rid) == "termine"
        row = await _row(db, rid)
        assert (row.statut, row.progression, row.tentatives) == ("termine", 100, 1)
        r = await client.get(
            f"/api/v1/reports/{rid}/fichier", headers=tokens.headers("admin", user_id=1)
        )
        assert r.status_code == 200, r.text
        if fmt == "csv":
            lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
            assert lines[0][:3] == ["N°", "Titre", "Type"]
            assert len(lines) == 31
            assert "Fuite d'huile n°0, « joint »" in {line[1] for line in lines[1:]}
            # Casablanca time: +01, +00 during Ramadan (2026-03-03 10:00Z is 10:00+00)
            assert "2026-03-03 10:00:00+00" in {line[8] for line in lines[1:]}
            assert "2026-01-01 11:00:00+01" in {line[8] for line in lines[1:]}
        elif fmt == "excel":
            assert r.content[:2] == b"PK"
        else:
            assert r.content[:5] == b"%PDF-"
            # a PDF a reader opens, its rows as text (pypdf parses every object on the way)
            reader = PdfReader(io.BytesIO(r.content))
            assert len(reader.pages) >= 1
            text = "".join(page.extract_text() for page in reader.pages)
            assert "MIF Maroc — Rapport client" in text and "Pompe P-12" in text
        # its author sees it; to another responsable it does not exist (404, not 403)
        mine = await client.get(
            f"/api/v1/reports/{rid}", headers=tokens.headers("responsable", user_id=5)
        )
        assert mine.json()["statut"] == "termine" and mine.json()["fichier_disponible"]
        other = await client.get(
            f"/api/v1/reports/{rid}/fichier", headers=tokens.headers("responsable", user_id=6)
        )
        assert other.status_code == 404


async def test_api_validation_and_202(client, tokens) -> None:
    h = tokens.headers("responsable", user_id=7)
    bad = [
        {"nom": "x", "type_report": "client", "format": "csv", "parametres": {}},
        {"nom": "x", "type_report": "stock", "format": "csv", "parametres": {"zzz": 1}},
        {
            "nom": "x",
            "type_report": "interventions",
            "format": "csv",
            "parametres": {"du": "2026-02-01", "au": "2026-01-01"},
        },
        {"nom": "x", "type_report": "nope", "format": "csv"},
        {"nom": "x", "type_report": "stock", "format": "docx"},
    ]
    for body in bad:
        r = await client.post("/api/v1/reports", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    r = await client.post(
        "/api/v1/reports",
        json={
            "nom": "Stock",
            "type_report": "stock",
            "format": "csv",
            "parametres": {"sous_seuil": True},
        },
        headers=h,
    )
    assert r.status_code == 202, r.text
    assert r.json()["statut"] == "en_cours" and r.json()["progression"] == 0
    tech = await client.post(
        "/api/v1/reports",
        json={"nom": "S", "type_report": "stock", "format": "csv"},
        headers=tokens.headers("technicien"),
    )
    assert tech.status_code == 403


async def test_lease_is_exclusive_and_failure_is_recorded(
    apply: Apply, db: Database, settings: Settings
) -> None:
    c = await _seed(apply, n=3)
    rid = await _report(db, "csv", c)
    async with unit_of_work(db, schema="reporting") as uow:
        assert await service.claim(uow, rid, "autre-worker", 60) is not None
    # another worker holds a live lease: nothing is written twice at once
    assert await generate(db, settings, rid) == "deja_pris"
    async with unit_of_work(db, schema="reporting") as uow:
        await uow.session.execute(
            sa.text(
                "UPDATE reporting.reports SET lease_expires_at = now() - interval '1 second'"
                " WHERE id = :i"
            ),
            {"i": rid},
        )
    assert await generate(db, settings, rid) == "termine"
    assert (await _row(db, rid)).tentatives == 2
    # an unreadable storage root: erreur with its message
    broken = settings.model_copy(update={"reports_dir": "/proc/forbidden-reports"})
    rid2 = await _report(db, "pdf", c)
    assert await generate(db, broken, rid2) == "erreur"
    row = await _row(db, rid2)
    assert row.statut == "erreur" and row.erreur_message.startswith("échec de la génération")
    async with db.engine.connect() as conn:
        kinds = (
            (
                await conn.execute(
                    sa.text(
                        "SELECT type FROM reporting.outbox"
                        " WHERE payload->>'aggregate_id' IN (:a, :b)"
                        " ORDER BY seq"
                    ),
                    {"a": str(rid), "b": str(rid2)},
                )
            )
            .scalars()
            .all()
        )
    assert kinds == ["report.termine", "report.erreur"]


async def test_two_ticks_together_run_a_due_schedule_once(apply: Apply, db: Database) -> None:
    c = await _seed(apply, n=1)
    template = await _report(db, "csv", c)
    sid = new_id()
    async with unit_of_work(db, schema="reporting") as uow:
        await uow.session.execute(
            sa.text(
                "INSERT INTO reporting.report_schedules (id, report_id, nom_schedule,"
                " cron_expression, destinataires, prochaine_execution, created_by)"
                " VALUES (:id, :r, 'Hebdo', '0 8 * * 1', '[3, 4]', :due, 5)"
            ),
            {"id": sid, "r": template, "due": utc(2026, 11, 30, 7)},
        )
    now = utc(2026, 12, 1, 7)
    barrier = asyncio.Barrier(2)

    async def beat() -> list[int]:
        async with unit_of_work(db, schema="reporting") as uow:
            await uow.session.execute(sa.text("SELECT 1"))
            await barrier.wait()
            return await schedules.tick(uow, now)

    first, second = await asyncio.gather(beat(), beat())
    started = first + second
    async with db.engine.connect() as conn:
        made = (
            (
                await conn.execute(
                    sa.text("SELECT id FROM reporting.reports WHERE schedule_id = :s"), {"s": sid}
                )
            )
            .scalars()
            .all()
        )
        s = (
            await conn.execute(
                sa.text(
                    "SELECT derniere_execution, prochaine_execution FROM reporting.report_schedules"
                    " WHERE id = :s"
                ),
                {"s": sid},
            )
        ).one()
    assert len(made) == 1 and [r for r in started if r in made] == made
    assert s.derniere_execution == now
    # next Monday 08:00 in Casablanca (UTC+1) = 07:00 UTC
    assert s.prochaine_execution == utc(2026, 12, 7, 7)


async def test_schedule_api(apply: Apply, db: Database, client, tokens) -> None:
    c = await _seed(apply, n=1)
    template = await _report(db, "csv", c, by=9)
    h = tokens.headers("responsable", user_id=9)
    bad = await client.post(
        "/api/v1/report-schedules",
        json={"report_id": template, "nom_schedule": "x", "cron_expression": "61 * * * *"},
        headers=h,
    )
    assert bad.status_code == 422 and "cron_expression" in bad.text
    badtz = await client.post(
        "/api/v1/report-schedules",
        json={
            "report_id": template,
            "nom_schedule": "x",
            "cron_expression": "0 8 * * 1",
            "timezone": "Mars/Olympus",
        },
        headers=h,
    )
    assert badtz.status_code == 422
    r = await client.post(
        "/api/v1/report-schedules",
        json={
            "report_id": template,
            "nom_schedule": "Lundi",
            "cron_expression": "0 8 * * 1",
            "destinataires": [9, 10],
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["timezone"] == "Africa/Casablanca" and body["prochaine_execution"]
    p = await client.patch(
        f"/api/v1/report-schedules/{body['id']}", json={"active": False}, headers=h
    )
    assert p.status_code == 200 and p.json()["active"] is False
    assert (
        await client.delete(f"/api/v1/report-schedules/{body['id']}", headers=h)
    ).status_code == 204
    assert (
        await client.get(f"/api/v1/report-schedules/{body['id']}", headers=h)
    ).status_code == 404
