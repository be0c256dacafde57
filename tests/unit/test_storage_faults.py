"""Which driver exceptions are the database being unavailable (db/faults.py), on both drivers: the faults the
HTTP tests cannot bring about on the shared PostgreSQL (a full disk, a read-only standby, a server shutting
down) and the ones that are bugs, not outages."""

from __future__ import annotations

import sqlite3

import asyncpg.exceptions as pg
import pytest
from sqlalchemy import exc as sa

from outcome_graph.db.faults import storage_fault


def wrapped(error: BaseException) -> sa.DBAPIError:
    """As SQLAlchemy raises it: the driver's exception as .orig, raised from it."""
    try:
        try:
            raise error
        except BaseException as e:
            raise sa.OperationalError("SELECT 1", {}, e) from e
    except sa.DBAPIError as outer:
        return outer


@pytest.mark.parametrize("error, reason", [
    (pg.DiskFullError("could not extend file"), "disk_full"),
    (pg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"), "read_only"),
    (pg.CannotConnectNowError("the database system is starting up"), "database_unreachable"),
    (pg.AdminShutdownError("terminating connection due to administrator command"), "database_unreachable"),
    (pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"), "database_unreachable"),
    (pg.TooManyConnectionsError("sorry, too many clients already"), "busy"),
    (ConnectionRefusedError(111, "Connect call failed"), "database_unreachable"),
    (TimeoutError(), "database_unreachable"),
    (sqlite3.OperationalError("database or disk is full"), "disk_full"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "read_only"),
    (sqlite3.OperationalError("disk I/O error"), "io_error"),
    (sqlite3.OperationalError("database is locked"), "locked"),
])
@pytest.mark.parametrize("form", ["raw", "wrapped"])
def test_outages_are_service_unavailable_with_their_reason(error, reason, form):
    fault = storage_fault(error if form == "raw" else wrapped(error))
    assert fault is not None and (fault.code, fault.extensions["reason"]) == ("SERVICE_UNAVAILABLE", reason)


@pytest.mark.parametrize("error", [
    sqlite3.OperationalError("no such table: outcome_results"),
    pg.DeadlockDetectedError("deadlock detected"),
    pg.UniqueViolationError("duplicate key value"),
    ValueError("a bug"),
    KeyError("a bug"),
])
def test_bugs_and_conflicts_are_not_outages(error):
    assert storage_fault(error) is None and storage_fault(wrapped(error)) is None


def test_a_connection_sqlalchemy_invalidated_is_an_outage():
    error = sa.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert storage_fault(error).extensions["reason"] == "database_unreachable"
