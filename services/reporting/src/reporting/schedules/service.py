"""Schedules: CRUD with the cron expression checked by croniter, and the tick that runs
each due schedule exactly once (row locks with SKIP LOCKED: two beats ticking together
never both take the same schedule, and the first moves `prochaine_execution` on)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import sqlalchemy as sa
from croniter import croniter
from shared.errors import Problem, not_found
from shared.uow import UnitOfWork

from reporting.database import SCHEMA
from reporting.reports import service as reports
from reporting.reports.schemas import ReportCreate
from reporting.schedules.schemas import ScheduleCreate, ScheduleUpdate

COLUMNS = (
    "id, report_id, nom_schedule, cron_expression, timezone, active, destinataires,"
    " derniere_execution, prochaine_execution, created_by, created_at, updated_at"
)


def next_run(cron_expression: str, timezone: str, after: dt.datetime) -> dt.datetime:
    """The next time the expression fires after `after`, read in `timezone`, as UTC."""
    local = after.astimezone(ZoneInfo(timezone))
    nxt = croniter(cron_expression, local).get_next(dt.datetime)
    return nxt.astimezone(dt.UTC)


def check(cron_expression: str, timezone: str) -> None:
    """422 with the reason for a bad cron expression or an unknown time zone."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Problem(
            422,
            f"unknown time zone: {timezone}",
            errors=[{"field": "timezone", "message": "unknown time zone"}],
        ) from exc
    try:
        croniter(cron_expression)
        next_run(cron_expression, timezone, dt.datetime.now(dt.UTC))
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        reason = str(exc) or type(exc).__name__
        raise Problem(
            422,
            f"invalid cron_expression: {reason}",
            errors=[{"field": "cron_expression", "message": reason}],
        ) from exc


async def create(uow: UnitOfWork, body: ScheduleCreate) -> dict[str, Any]:
    check(body.cron_expression, body.timezone)
    await reports.get(uow, body.report_id)  # the template exists and the caller may see it
    assert uow.user is not None
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"INSERT INTO {SCHEMA}.report_schedules (report_id, nom_schedule,"
                    " cron_expression, timezone, active, destinataires, prochaine_execution,"
                    " created_by) VALUES (:r, :n, :c, :tz, :a, CAST(:d AS jsonb), :next, :by)"
                    f" RETURNING {COLUMNS}"
                ),
                {
                    "r": body.report_id,
                    "n": body.nom_schedule,
                    "c": body.cron_expression,
                    "tz": body.timezone,
                    "a": body.active,
                    "d": orjson.dumps(body.destinataires).decode(),
                    "next": next_run(body.cron_expression, body.timezone, dt.datetime.now(dt.UTC)),
                    "by": uow.user.id,
                },
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def get(uow: UnitOfWork, schedule_id: int, *, lock: bool = False) -> dict[str, Any]:
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"SELECT {COLUMNS} FROM {SCHEMA}.report_schedules WHERE id = :id"
                    + (" FOR UPDATE" if lock else "")
                ),
                {"id": schedule_id},
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise not_found("report schedule")
    return dict(row)


async def list_all(uow: UnitOfWork, limit: int = 500) -> list[dict[str, Any]]:
    rows = await uow.session.execute(
        sa.text(f"SELECT {COLUMNS} FROM {SCHEMA}.report_schedules ORDER BY id LIMIT :l"),
        {"l": limit},
    )
    return [dict(r) for r in rows.mappings()]


async def update(uow: UnitOfWork, schedule_id: int, body: ScheduleUpdate) -> dict[str, Any]:
    current = await get(uow, schedule_id, lock=True)
    changes = body.model_dump(exclude_unset=True)
    for key in ("nom_schedule", "cron_expression", "timezone", "active", "destinataires"):
        if key in changes and changes[key] is None:
            raise Problem(422, f"{key} cannot be null", errors=[{"field": key, "message": "null"}])
    merged = {**current, **changes}
    check(merged["cron_expression"], merged["timezone"])
    nxt = next_run(merged["cron_expression"], merged["timezone"], dt.datetime.now(dt.UTC))
    row = (
        (
            await uow.session.execute(
                sa.text(
                    f"UPDATE {SCHEMA}.report_schedules SET nom_schedule = :n, cron_expression = :c,"
                    " timezone = :tz, active = :a, destinataires = CAST(:d AS jsonb),"
                    " prochaine_execution = :next, updated_at = now() WHERE id = :id"
                    f" RETURNING {COLUMNS}"
                ),
                {
                    "id": schedule_id,
                    "n": merged["nom_schedule"],
                    "c": merged["cron_expression"],
                    "tz": merged["timezone"],
                    "a": merged["active"],
                    "d": orjson.dumps(merged["destinataires"]).decode(),
                    "next": nxt,
                },
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def delete(uow: UnitOfWork, schedule_id: int) -> None:
    gone = (
        await uow.session.execute(
            sa.text(f"DELETE FROM {SCHEMA}.report_schedules WHERE id = :id RETURNING id"),
            {"id": schedule_id},
        )
    ).scalar_one_or_none()
    if gone is None:
        raise not_found("report schedule")


async def tick(uow: UnitOfWork, now: dt.datetime, limit: int = 50) -> list[int]:
    """Start each due schedule once: a new report from its template, for its recipients;
    returns the new reports' ids (their tasks are sent after commit)."""
    due = (
        (
            await uow.session.execute(
                sa.text(
                    f"SELECT s.id, s.cron_expression, s.timezone, s.destinataires, s.created_by,"
                    " s.nom_schedule, r.type_report::text AS type_report,"
                    " r.format::text AS format,"
                    " r.parametres"
                    f" FROM {SCHEMA}.report_schedules s"
                    f" JOIN {SCHEMA}.reports r ON r.id = s.report_id"
                    " WHERE s.active AND s.prochaine_execution <= :now"
                    " ORDER BY s.prochaine_execution LIMIT :limit FOR UPDATE OF s SKIP LOCKED"
                ),
                {"now": now, "limit": limit},
            )
        )
        .mappings()
        .all()
    )
    created = []
    for s in due:
        local = now.astimezone(ZoneInfo(s["timezone"])).strftime("%d/%m/%Y %H:%M")
        body = ReportCreate(
            nom=f"{s['nom_schedule']} — {local}"[:200],
            type_report=s["type_report"],
            format=s["format"],
            parametres=s["parametres"],
        )
        report = await reports.create(
            uow,
            body,
            s["parametres"],
            generated_by=s["created_by"],
            destinataires=list(s["destinataires"]),
            schedule_id=s["id"],
        )
        await uow.session.execute(
            sa.text(
                f"UPDATE {SCHEMA}.report_schedules SET derniere_execution = :now,"
                " prochaine_execution = :next, updated_at = now() WHERE id = :id"
            ),
            {"id": s["id"], "now": now, "next": next_run(s["cron_expression"], s["timezone"], now)},
        )
        created.append(report["id"])
    return created
