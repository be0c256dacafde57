"""Refusals in Canvas's shapes and statuses (docs/rest-api.md, docs/behaviour.md §3.9).

A caller's mistake is `{"status": "<rack status name>", "message": "<Canvas's text>"}`; an unknown or hidden
resource, a missing or bad token and a server failure use Canvas's `{"errors": [{"message": ...}]}` form.
The core's errors carry Canvas's text (errors.Mistake) where Canvas has one; the core's own message otherwise.
"""

from __future__ import annotations

import logging
import uuid

import orjson
from starlette.responses import Response

from outcome_graph.errors import (BadUserInput, DomainError, Forbidden, NotFound, ServiceUnavailable, Unauthenticated,
                                  WriteConflict)
from outcome_graph.rest.core import storage_fault

log = logging.getLogger("outcome_graph.rest")
JSON = "application/json; charset=utf-8"
STATUS_NAMES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
                413: "payload_too_large", 422: "unprocessable_entity", 431: "request_header_fields_too_large",
                500: "internal_server_error", 503: "service_unavailable"}
RESOURCE_NOT_FOUND = "The specified resource does not exist."


class RestError(Exception):
    """A refusal the REST layer itself decides (a Canvas parameter it cannot read)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def invalid(name: str) -> RestError:
    """Canvas's wording for a parameter value it does not take."""
    return RestError(f"invalid {name} parameter value")


def json_response(body: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=JSON)


def request_error(status: int, message: str) -> Response:
    """Canvas's RequestError body."""
    return json_response({"status": STATUS_NAMES[status], "message": message}, status)


def errors_body(http_status: int, message: str, headers: dict | None = None, **extra: object) -> Response:
    """Canvas's `{"errors": [{"message"}]}` body; `extra` adds top-level keys (Canvas's `status` for a 401)."""
    return json_response({"errors": [{"message": message}], **extra}, http_status, headers)


def error_response(error: BaseException) -> Response:
    """The response for anything a handler raised; unexpected errors are logged and masked."""
    if isinstance(error, RestError):
        return request_error(error.status, error.message)
    if isinstance(error, Unauthenticated):
        # canvasapi tells a bad token (InvalidAccessToken) from a missing one by this header.
        return errors_body(401, error.message, {"WWW-Authenticate": 'Bearer realm="outcome-graph"'},
                           status="unauthenticated")
    if isinstance(error, Forbidden):
        return request_error(403, error.canvas or error.message)
    if isinstance(error, NotFound):
        # Canvas refuses an id outside the request's course with 400 and its text; anything else is a 404.
        return request_error(400, error.canvas) if error.canvas else errors_body(404, RESOURCE_NOT_FOUND)
    if isinstance(error, BadUserInput):
        return request_error(400, error.canvas or error.message)
    if isinstance(error, WriteConflict):
        return request_error(409, error.message)
    fault = storage_fault(error)
    if isinstance(fault, ServiceUnavailable):
        log.warning("database unavailable (%s) at REST: %r", fault.extensions.get("reason"), error)
        return errors_body(503, fault.message, {"Retry-After": str(fault.retry_after_seconds)})
    error_id = uuid.uuid4().hex[:12]
    if isinstance(error, DomainError):
        log.error("domain error %s at REST: %r", error_id, error)
    else:
        log.error("unhandled error %s at REST", error_id, exc_info=error)
    return errors_body(500, "An error occurred.", error_report_id=error_id)
