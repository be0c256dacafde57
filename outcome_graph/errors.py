"""Domain errors: each carries the GraphQL `extensions.code` it maps to."""


class DomainError(Exception):
    code = "INTERNAL_SERVER_ERROR"
    canvas: str | None = None  # Canvas's REST text for the same mistake, when a Mistake made it (docs/rest-api.md)

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


class Mistake:
    """One kind of caller mistake, in one place: the GraphQL answer (code, the argument it names, wording in the
    caller's terms) and, for a REST adapter, Canvas's text for the same mistake (which names REST parameters)."""

    def __init__(self, error: type[DomainError], argument: str, message: str, canvas: str | None = None):
        self.error, self.argument, self.message, self.canvas = error, argument, message, canvas

    def __call__(self, **details: object) -> DomainError:
        """The error to raise; `details` fill the message's {placeholders}."""
        error = self.error(self.message.format(**details), argument=self.argument)
        error.canvas = self.canvas
        return error
