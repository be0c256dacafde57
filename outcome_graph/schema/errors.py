"""One mapping from exceptions to `extensions.code`; anything unexpected is masked and logged once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

from outcome_graph.db.faults import storage_fault
from outcome_graph.errors import DomainError, ServiceUnavailable

log = logging.getLogger("outcome_graph.errors")

INTERNAL_MESSAGE = "Internal server error."
TOKEN_LIMIT = "Document contains more than"  # graphql-core's parser message for max_tokens


def classify(error: GraphQLError) -> GraphQLError:
    """The error as clients see it: a domain code, a validation code, or a masked internal error."""
    original = error.original_error
    if original is None:
        # Parse and validation errors carry no original exception; our limit rules set their own code.
        if error.extensions and "code" in error.extensions:
            return error
        if TOKEN_LIMIT in error.message:
            return _with(error, error.message, {"code": "BAD_USER_INPUT", "limit": "tokens"})
        code = "GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else "GRAPHQL_VALIDATION_FAILED"
        if error.path is not None:  # a variable or argument coerced at execution time
            code = "BAD_USER_INPUT"
        return _with(error, error.message, {**(error.extensions or {}), "code": code})
    if isinstance(original, DomainError) and not isinstance(original, ServiceUnavailable):
        return _with(error, original.message, {**original.extensions, "code": original.code})
    if isinstance(original, GraphQLError):  # e.g. bad variables raised inside strawberry
        return _with(error, original.message, {**(original.extensions or {}), "code": "BAD_USER_INPUT"})
    message, extensions = unexpected(original, error.path)
    return _with(error, message, extensions)


def unexpected(error: BaseException, where: object = None) -> tuple[str, dict]:
    """Message and extensions of an exception no domain rule raised, logged once under a requestId.

    The database being unavailable is SERVICE_UNAVAILABLE with its reason (the caller may retry);
    anything else is masked as INTERNAL_SERVER_ERROR.
    """
    request_id = uuid.uuid4().hex
    fault = storage_fault(error)
    if fault is not None:
        log.warning("database unavailable (%s) %s at %s: %r", fault.extensions["reason"], request_id, where, error)
        return fault.message, {**fault.extensions, "code": fault.code, "requestId": request_id}
    log.error("unhandled error %s at %s", request_id, where, exc_info=error)
    return INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}


def unavailable(errors: list[dict]) -> bool:
    """True when a response's errors include the database being unavailable (HTTP 503, Retry-After)."""
    return any((e.get("extensions") or {}).get("code") == ServiceUnavailable.code for e in errors)


def _with(error: GraphQLError, message: str, extensions: dict) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=None, extensions=extensions)


class ErrorCodes(SchemaExtension):
    """Rewrites every error of a result once the operation has finished."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [classify(e) for e in result.errors]

    def on_stream_result(self, result) -> None:
        """Subscription results leave one by one, past on_operation: each is classified on its way out."""
        if getattr(result, "errors", None):
            result.errors = [classify(e) for e in result.errors]
