"""HTTP endpoints of report schedules (admin, responsable)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from shared.errors import forbidden
from shared.uow import UowDep

from reporting.schedules import service
from reporting.schedules.schemas import ScheduleCreate, SchedulePage, ScheduleRead, ScheduleUpdate

router = APIRouter(prefix="/report-schedules", tags=["reports"])


def _staff(uow: UowDep) -> None:
    if uow.user is None or not uow.user.is_staff:
        raise forbidden("reserved to admins and responsables")


@router.post("", status_code=201, response_model=ScheduleRead)
async def create_schedule(body: ScheduleCreate, uow: UowDep, response: Response) -> ScheduleRead:
    """`cron_expression` (5 fields, croniter) read in `timezone` (default Africa/Casablanca);
    an invalid one is 422 with the reason. `report_id` is the template report."""
    _staff(uow)
    row = await service.create(uow, body)
    response.headers["Location"] = f"/api/v1/report-schedules/{row['id']}"
    return ScheduleRead.model_validate(row)


@router.get("", response_model=SchedulePage)
async def list_schedules(uow: UowDep) -> SchedulePage:
    _staff(uow)
    return SchedulePage(items=[ScheduleRead.model_validate(r) for r in await service.list_all(uow)])


@router.get("/{schedule_id}", response_model=ScheduleRead)
async def read_schedule(schedule_id: int, uow: UowDep) -> ScheduleRead:
    _staff(uow)
    return ScheduleRead.model_validate(await service.get(uow, schedule_id))


@router.patch("/{schedule_id}", response_model=ScheduleRead)
async def update_schedule(schedule_id: int, body: ScheduleUpdate, uow: UowDep) -> ScheduleRead:
    _staff(uow)
    return ScheduleRead.model_validate(await service.update(uow, schedule_id, body))


@router.delete("/{schedule_id}", status_code=204)
async def delete_schedule(schedule_id: int, uow: UowDep) -> Response:
    _staff(uow)
    await service.delete(uow, schedule_id)
    return Response(status_code=204)
