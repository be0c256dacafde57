"""SQLite statements in one trip to aiosqlite's thread each (docs/performance.md: SQLite statements and threads).

aiosqlite runs every call of a cursor in its own thread: SQLAlchemy's adapter makes four trips per statement
(open the cursor, execute, fetch all rows, close), each a hand-over between threads that costs more than a
small statement itself and much more on a busy machine. This cursor sends one function per statement that
does all four in the thread and brings back the rows, the description, rowcount and lastrowid.
"""

from __future__ import annotations

import collections
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.util.concurrency import await_


def _run(conn, operation: str, parameters, many: bool) -> tuple:
    """In aiosqlite's thread: the whole statement, rows included."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement, rows and close are one call into aiosqlite's thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection):  # no aiosqlite cursor: nothing to open or close in the thread
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description, self._rowcount, self._lastrowid = None, -1, None

    @property
    def description(self):
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters=None) -> Any:
        self._trip(operation, parameters, False)

    def executemany(self, operation: Any, seq_of_parameters) -> Any:
        self._trip(operation, seq_of_parameters, True)

    def _trip(self, operation, parameters, many: bool) -> None:
        try:
            self._description, rows, self._rowcount, self._lastrowid = await_(self._send(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._rows = collections.deque(rows)

    async def _send(self, operation, parameters, many: bool) -> tuple:
        async with self._adapt_connection._execute_mutex:
            return await self._connection._execute(_run, self._connection._conn, operation, parameters, many)


def install() -> None:
    """Every aiosqlite connection of this process uses OneTripCursor (server-side cursors are left alone)."""
    AsyncAdapt_aiosqlite_connection._cursor_cls = OneTripCursor
