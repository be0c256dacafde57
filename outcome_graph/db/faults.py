"""Driver exceptions that mean "the database cannot serve now", named for clients: one mapping, both databases.

An unreachable or restarting PostgreSQL, a full or read-only disk, an I/O error or a SQLite lock held past the
busy timeout is not a bug in the request: the caller may retry, and must learn which of these it was.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import exc as sa

from outcome_graph.errors import ServiceUnavailable

UNREACHABLE, DISK_FULL, READ_ONLY, IO_ERROR, LOCKED, BUSY = (
    "database_unreachable", "disk_full", "read_only", "io_error", "locked", "busy")
MESSAGES = {
    UNREACHABLE: "The database is unreachable; nothing was written. Try again shortly.",
    DISK_FULL: "The database's storage is full; nothing was written.",
    READ_ONLY: "The database is read-only; nothing was written.",
    IO_ERROR: "The database's storage failed to read or write (I/O error); nothing was written.",
    LOCKED: "The database stayed locked by other writers past the busy timeout; nothing was written. Try again.",
    BUSY: "Every database connection is in use; nothing was written. Try again shortly.",
}
# SQLite's messages (sqlite3.OperationalError has no error code on every Python we run on).
_SQLITE = (("database or disk is full", DISK_FULL), ("attempt to write a readonly database", READ_ONLY),
           ("disk i/o error", IO_ERROR), ("database is locked", LOCKED), ("unable to open database file", UNREACHABLE))
# PostgreSQL's SQLSTATEs, most specific first: disk full, read-only transaction, then whole classes.
_SQLSTATE = (("53100", DISK_FULL), ("25006", READ_ONLY), ("58030", IO_ERROR), ("08", UNREACHABLE),
             ("57P", UNREACHABLE), ("53", BUSY))


def causes(error: BaseException):
    """The error, the driver exceptions SQLAlchemy wraps and whatever they were raised from."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]


def _reason(error: BaseException) -> str | None:
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return UNREACHABLE
    if isinstance(error, sa.TimeoutError):  # the pool's: no connection came free in time
        return BUSY
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        for prefix, reason in _SQLSTATE:
            if sqlstate.startswith(prefix):
                return reason
    if type(error).__module__.startswith("asyncpg") and type(error).__name__ in (
            "ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"):
        return UNREACHABLE
    if isinstance(error, (OSError, TimeoutError, asyncio.TimeoutError, ConnectionError)):
        return UNREACHABLE
    text = str(error).lower()
    if type(error).__name__ == "OperationalError" or isinstance(error, sa.OperationalError):
        for needle, reason in _SQLITE:
            if needle in text:
                return reason
    if "connection is closed" in text or "connection was closed" in text:
        return UNREACHABLE
    return None


def storage_fault(error: BaseException) -> ServiceUnavailable | None:
    """The ServiceUnavailable an exception stands for, or None when it is not the database being unavailable."""
    if isinstance(error, ServiceUnavailable):
        return error
    for e in causes(error):
        reason = _reason(e)
        if reason is not None:
            return ServiceUnavailable(MESSAGES[reason], reason=reason)
    return None
