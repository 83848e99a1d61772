"""RFC 9457 problem+json: one exception type, one set of handlers for every service."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import get_logger

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


class Problem(Exception):
    """An error answered to the client as problem+json."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        type_: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail or self.title
        self.type = type_ or f"https://mif.ma/problems/{self.title.lower().replace(' ', '-')}"
        self.errors = errors
        self.headers = headers
        self.extra = extra
        super().__init__(self.detail)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body

    def response(self, instance: str | None = None) -> ProblemResponse:
        return ProblemResponse(self.body(instance), status_code=self.status, headers=self.headers)


def not_found(what: str = "resource") -> Problem:
    return Problem(404, f"{what} not found")


def conflict(detail: str, **extra: Any) -> Problem:
    return Problem(409, detail, **extra)


def forbidden(detail: str = "your role does not allow this") -> Problem:
    return Problem(403, detail)


def unauthorized(detail: str = "missing or invalid token") -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": "Bearer"})


def bad_request(detail: str) -> Problem:
    return Problem(400, detail)


def unprocessable(detail: str, field: str | None = None) -> Problem:
    errors = [{"field": field, "message": detail}] if field else None
    return Problem(422, detail, errors=errors)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": _field_name(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]


# PostgreSQL SQLSTATE classes mapped to client errors: a constraint the request broke is
# the caller's problem (409/422), never a 500.
_SQLSTATE_STATUS = {
    "23505": (409, "unique constraint violated"),
    "23P01": (409, "conflicts with an existing reservation"),
    "23503": (409, "refers to a row that does not exist or is still referenced"),
    "23514": (422, "a value breaks a business rule"),
    "23502": (422, "a required value is missing"),
    "22001": (422, "a value is too long"),
    "22003": (422, "a number is out of range"),
    "22007": (422, "invalid date or time"),
    "22008": (422, "date or time out of range"),
    "22P02": (422, "invalid value"),
    "40001": (409, "concurrent update, retry"),
    "40P01": (409, "concurrent update, retry"),
    "55P03": (409, "the row is locked by another request, retry"),
}


def problem_from_db_error(exc: DBAPIError | psycopg.Error) -> Problem | None:
    """The client error a database error stands for, or None for a server-side failure.
    Takes SQLAlchemy's wrapper or the bare psycopg error (hot paths run on the driver)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        if isinstance(orig, psycopg.DataError):
            # Raised by psycopg before the statement is sent: a value it cannot pass to
            # PostgreSQL, e.g. a NUL byte in a text value. The input's fault, not ours.
            nul = "NUL" in str(orig)
            return Problem(422, "a text value contains a NUL byte" if nul else "invalid value")
        return None
    if sqlstate == "P0001":  # RAISE EXCEPTION in a trigger: a business rule of the schema
        diag = getattr(orig, "diag", None)
        message = getattr(diag, "message_primary", None) or "business rule violated"
        return Problem(409, message)
    mapped = _SQLSTATE_STATUS.get(sqlstate)
    if mapped is None:
        return None
    status, detail = mapped
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    extra = {"constraint": constraint} if constraint else {}
    return Problem(status, detail, **extra)


def install_error_handlers(app: FastAPI) -> None:
    """Every error the app can raise leaves as problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> ProblemResponse:
        return exc.response(request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        headers = dict(exc.headers) if exc.headers else None
        detail = exc.detail if isinstance(exc.detail, str) else None
        return Problem(exc.status_code, detail, headers=headers).response(request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return Problem(422, detail or "invalid request", errors=errors).response(request.url.path)

    @app.exception_handler(IntegrityError)
    @app.exception_handler(DBAPIError)
    @app.exception_handler(psycopg.Error)
    async def _db(request: Request, exc: DBAPIError | psycopg.Error) -> ProblemResponse:
        problem = problem_from_db_error(exc)
        if problem is None:
            log.exception("db.error", path=request.url.path)
            problem = Problem(503, "the database could not complete the request")
        return problem.response(request.url.path)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> ProblemResponse:
        # A versioned ORM UPDATE that found another version: a concurrent request won.
        return Problem(409, "the resource changed meanwhile: reload it and retry").response(
            request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        log.exception("request.unhandled", path=request.url.path)
        return Problem(500, "internal error").response(request.url.path)
