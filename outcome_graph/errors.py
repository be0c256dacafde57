"""Domain errors: each carries the GraphQL `extensions.code` it maps to."""


class DomainError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: object):
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(DomainError):
    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class WriteConflict(DomainError):
    """Concurrent writes kept aborting this one (deadlocks, serialization failures) past its retries."""

    code = "WRITE_CONFLICT"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class ServiceUnavailable(DomainError):
    """The database cannot serve now (unreachable, full, read-only, locked): HTTP 503, worth a retry."""

    code = "SERVICE_UNAVAILABLE"
    retry_after_seconds = 5
