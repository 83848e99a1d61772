"""HTTP endpoints of reports."""

from __future__ import annotations

from typing import cast
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, StreamingResponse
from shared.errors import Problem, forbidden
from shared.security import Role
from shared.storage import StoredFileMissing
from shared.uow import UowDep

from reporting.config import Settings
from reporting.dispatch import send_generate
from reporting.reports import service
from reporting.reports.files import reports_storage
from reporting.reports.parametres import validate_parametres
from reporting.reports.schemas import ReportCreate, ReportRead

router = APIRouter(prefix="/reports", tags=["reports"])
MEDIA = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "excel": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def _staff(uow: UowDep) -> None:
    if uow.user is None or uow.user.role not in (Role.admin, Role.responsable):
        raise forbidden("reserved to admins and responsables")


@router.post("", status_code=202, response_model=ReportRead)
async def create_report(
    body: ReportCreate, request: Request, uow: UowDep, background: BackgroundTasks
) -> JSONResponse:
    """Ask for a report: answered 202 `en_cours` at once; a worker on `reporting.heavy`
    writes it (`progression` 0-100), then `termine` (or `erreur` with `erreur_message`)
    and a `report.termine` / `report.erreur` event."""
    _staff(uow)
    assert uow.user is not None
    parametres = validate_parametres(body.type_report.value, body.parametres)
    row = await service.create(uow, body, parametres, generated_by=uow.user.id)
    background.add_task(send_generate, _settings(request), [row["id"]])
    content = ReportRead.model_validate(service.public(row)).model_dump(mode="json")
    return JSONResponse(
        content, 202, headers={"Location": f"/api/v1/reports/{row['id']}"}, background=background
    )


@router.get("/{report_id}", response_model=ReportRead)
async def read_report(report_id: int, uow: UowDep) -> ReportRead:
    _staff(uow)
    return ReportRead.model_validate(service.public(await service.get(uow, report_id)))


@router.get(
    "/{report_id}/fichier",
    responses={200: {"content": {m: {} for m, _ in MEDIA.values()}}},
)
async def report_file(report_id: int, request: Request, uow: UowDep) -> StreamingResponse:
    """The file of a `termine` report, streamed, to its author and admins."""
    _staff(uow)
    row = await service.get(uow, report_id)
    if row["statut"] != "termine":
        raise Problem(409, f"the report is {row['statut']}, its file is not ready")
    if not row["chemin_fichier"]:
        raise Problem(410, "the report's file was purged (retention)")
    storage = reports_storage(_settings(request).reports_dir)
    try:
        stored = await storage.open(row["chemin_fichier"])
    except StoredFileMissing as exc:
        raise Problem(410, "the report's file is gone") from exc
    media, ext = MEDIA[row["format"]]
    filename = f"rapport-{report_id}.{ext}"
    return StreamingResponse(
        stored.chunks(),
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Content-Length": str(stored.size),
        },
    )
