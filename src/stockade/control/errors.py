"""Every error the API returns is JSON with a sentence saying what was wrong and what to do:

{"status": 404, "error": "not_found", "message": "There is no zone named 'forum': ...",
 "details": {"zone": "forum"}}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockade.desk.errors import Conflict, DeskError, Invalid, NotFound

log = logging.getLogger("stockade.control")

DESK_STATUS: dict[type[DeskError], int] = {Invalid: 422, NotFound: 404, Conflict: 409}
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the API answers with as is."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **details: object,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.details = details


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "status": status,
        "error": code or _CODES.get(status, "error"),
        "message": message,
    }
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DeskError, _desk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_error)


async def _api_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.message, details=error.details, headers=error.headers)


async def _desk_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DeskError)
    status = DESK_STATUS.get(type(error), 422)
    return error_response(status, error.message, code=error.code, details=error.details)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [_describe(problem) for problem in error.errors()]
    message = (
        "The request is not valid: "
        + "; ".join(problems[:5])
        + ("; and more" if len(problems) > 5 else "")
        + ". Fix it and send it again (the schema is at /openapi.json)."
    )
    return error_response(
        422,
        message,
        details={"problems": [_plain(problem) for problem in error.errors()]},
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        message = (
            f"There is nothing at {request.url.path}: the API's routes are listed at /openapi.json."
        )
    elif error.status_code == 405:
        message = (
            f"{request.method} is not allowed on {request.url.path}: see /openapi.json for "
            "the methods each route takes."
        )
    else:
        message = str(error.detail)
    return error_response(error.status_code, message, headers=error.headers)


async def _database_error(_request: Request, error: Exception) -> JSONResponse:
    log.error("database error: %s", error)
    return error_response(
        503,
        "The control plane cannot reach its database right now: try again shortly, and "
        "if it persists, check the database and the control plane's log.",
    )


def _describe(problem: Any) -> str:
    location = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
    where = f"'{location}'" if location else "the body"
    return f"{where}: {problem.get('msg', 'invalid')}"


def _plain(problem: Any) -> dict[str, object]:
    """A validation problem without the values pydantic attaches (they may not be JSON)."""
    return {
        "location": [str(part) for part in problem.get("loc", ())],
        "message": str(problem.get("msg", "")),
    }


class ControlError(ValueError):
    """The control plane cannot start: a missing key, an unusable data directory..."""
