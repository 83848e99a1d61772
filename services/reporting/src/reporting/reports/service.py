"""Reports: creation, the lease a worker holds while writing one, completion and failure
(with their events), take-over of expired leases, and the retention purge.

A worker may write a report only while it holds its lease (`lease_owner`, renewed with
the progress, expiring after `report_lease_seconds`): a killed worker's report is taken
over by another once the lease expires (`reprendre`, a beat task), a stalled worker that
lost its lease stops at its next heartbeat, and completion is written only by the lease
holder, so a report is never produced twice at once. After `report_max_tentatives`
claims, the report ends in `erreur`: never stuck `en_cours`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from shared.errors import not_found
from shared.uow import UnitOfWork

from reporting.database import SCHEMA
from reporting.reports.schemas import ReportCreate

COLUMNS = (
    "id, nom, type_report::text, format::text, parametres, statut::text, progression,"
    " erreur_message, date_generation, generated_by, taille, chemin_fichier IS NOT NULL"
    " AS fichier_disponible, schedule_id, created_at, chemin_fichier, destinataires,"
    " lease_owner, tentatives"
)
PUBLIC = (
    "id",
    "nom",
    "type_report",
    "format",
    "parametres",
    "statut",
    "progression",
    "erreur_message",
    "date_generation",
    "generated_by",
    "taille",
    "fichier_disponible",
    "schedule_id",
    "created_at",
)


class LeaseLost(Exception):
    """Another worker holds the report now (or it ended): stop writing."""


def public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in PUBLIC}


async def create(
    uow: UnitOfWork,
    body: ReportCreate,
    parametres: dict[str, Any],
    *,
    generated_by: int,
    destinataires: list[int] | None = None,
    schedule_id: int | None = None,
) -> dict[str, Any]:
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"INSERT INTO {SCHEMA}.reports (nom, type_report, format, parametres,"
                    " generated_by, destinataires, schedule_id) VALUES (:nom, :t, :f,"
                    " CAST(:p AS jsonb), :by, CAST(:d AS jsonb), :s)"
                    f" RETURNING {COLUMNS}"
                ),
                {
                    "nom": body.nom,
                    "t": body.type_report.value,
                    "f": body.format.value,
                    "p": _json(parametres),
                    "by": generated_by,
                    "d": _json(destinataires or []),
                    "s": schedule_id,
                },
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


def _json(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()


async def get(uow: UnitOfWork, report_id: int) -> dict[str, Any]:
    """The report for its author or an admin (404 for anyone else: no existence leak)."""
    row = (
        (
            await uow.session.execute(
                sa.text(f"SELECT {COLUMNS} FROM {SCHEMA}.reports WHERE id = :id"), {"id": report_id}
            )
        )
        .mappings()
        .one_or_none()
    )
    user = uow.user
    if row is None or user is None:
        raise not_found("report")
    if user.role != "admin" and row["generated_by"] != user.id:
        raise not_found("report")
    return dict(row)


async def claim(
    uow: UnitOfWork, report_id: int, owner: str, lease_seconds: float
) -> dict[str, Any] | None:
    """Take the report's lease if it is free or expired; None when another holds it or it
    has ended."""
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"UPDATE {SCHEMA}.reports SET lease_owner = :owner,"
                    " lease_expires_at = now() + make_interval(secs => :lease),"
                    " tentatives = tentatives + 1, progression = 0, updated_at = now()"
                    " WHERE id = :id AND statut = 'en_cours'"
                    " AND (lease_expires_at IS NULL OR lease_expires_at < now())"
                    f" RETURNING {COLUMNS}"
                ),
                {"id": report_id, "owner": owner, "lease": lease_seconds},
            )
        )
        .mappings()
        .one_or_none()
    )
    return dict(row) if row else None


async def heartbeat(
    uow: UnitOfWork, report_id: int, owner: str, lease_seconds: float, progression: int
) -> None:
    done = (
        await uow.session.execute(
            sa.text(
                f"UPDATE {SCHEMA}.reports SET progression = :p,"
                " lease_expires_at = now() + make_interval(secs => :lease), updated_at = now()"
                " WHERE id = :id AND lease_owner = :owner AND statut = 'en_cours'"
                " AND lease_expires_at >= now() RETURNING id"
            ),
            {"id": report_id, "owner": owner, "lease": lease_seconds, "p": progression},
        )
    ).scalar_one_or_none()
    if done is None:
        raise LeaseLost(report_id)


def _event(row: dict[str, Any], erreur: str | None = None) -> dict[str, Any]:
    data = {
        "id": row["id"],
        "nom": row["nom"],
        "type_report": row["type_report"],
        "format": row["format"],
        "created_by": row["generated_by"],
        "destinataires": list(row.get("destinataires") or []),
        "lien": f"/api/v1/reports/{row['id']}/fichier",
    }
    if erreur is not None:
        data["erreur_message"] = erreur
    return data


async def complete(uow: UnitOfWork, report_id: int, owner: str, chemin: str, taille: int) -> bool:
    """Mark the report `termine` if `owner` still holds it; emits `report.termine`."""
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"UPDATE {SCHEMA}.reports SET statut = 'termine', progression = 100,"
                    " chemin_fichier = :chemin, taille = :taille, date_generation = now(),"
                    " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
                    " WHERE id = :id AND lease_owner = :owner AND statut = 'en_cours'"
                    f" RETURNING {COLUMNS}"
                ),
                {"id": report_id, "owner": owner, "chemin": chemin, "taille": taille},
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return False
    uow.emit("report.termine", report_id, _event(dict(row)))
    return True


async def fail(uow: UnitOfWork, report_id: int, message: str, owner: str | None = None) -> bool:
    """Mark the report `erreur` (only by its lease holder when `owner` is given)."""
    owned = " AND lease_owner = :owner" if owner is not None else ""
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"UPDATE {SCHEMA}.reports SET statut = 'erreur', erreur_message = :m,"
                    " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
                    f" WHERE id = :id AND statut = 'en_cours'{owned} RETURNING {COLUMNS}"
                ),
                {"id": report_id, "owner": owner, "m": message[:2000]},
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return False
    uow.emit("report.erreur", report_id, _event(dict(row), message[:2000]))
    return True


async def to_resume(uow: UnitOfWork, *, grace_seconds: float, limit: int = 100) -> list[int]:
    """Reports `en_cours` whose lease expired, or never claimed after `grace_seconds`."""
    rows = await uow.session.execute(
        sa.text(
            f"SELECT id FROM {SCHEMA}.reports WHERE statut = 'en_cours' AND ("
            " lease_expires_at < now() OR (lease_expires_at IS NULL"
            " AND created_at < now() - make_interval(secs => :grace)))"
            " ORDER BY id LIMIT :limit"
        ),
        {"grace": grace_seconds, "limit": limit},
    )
    return [r[0] for r in rows]


async def expired_files(
    uow: UnitOfWork, retention_days: int, limit: int = 500
) -> list[tuple[int, str]]:
    """Files past retention: their reports forget the path (the file goes after commit)."""
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=retention_days)
    rows = await uow.session.execute(
        sa.text(
            f"WITH old AS (SELECT id, chemin_fichier FROM {SCHEMA}.reports"
            " WHERE chemin_fichier IS NOT NULL AND date_generation < :before"
            " ORDER BY date_generation LIMIT :limit FOR UPDATE SKIP LOCKED)"
            f" UPDATE {SCHEMA}.reports r SET chemin_fichier = NULL, updated_at = now()"
            " FROM old WHERE r.id = old.id RETURNING r.id, old.chemin_fichier"
        ),
        {"before": before, "limit": limit},
    )
    return [(r[0], r[1]) for r in rows]
