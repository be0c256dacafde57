"""Read access for one request: Core statements on one autocommit connection, rows out."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator, Sequence

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

AUTOCOMMIT = "AUTOCOMMIT"


class Reader:
    """A query's statements share one pooled connection, taken at the first read and given back by close().

    One pool checkout per request instead of one per statement, and no BEGIN/ROLLBACK round trips: the
    connection autocommits, so every statement reads the latest committed data (PostgreSQL's READ COMMITTED,
    on SQLite too). What must agree is read in one statement (a page and its totalCount). Concurrent
    DataLoader batches take turns on the connection. `shared=False` gives each statement a connection of its
    own, for operations that write or outlive a request (schema/reads.py).
    """

    __slots__ = ("engine", "shared", "_conn", "_lock")

    def __init__(self, engine: AsyncEngine, *, shared: bool = True):
        self.engine = engine
        self.shared = shared
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """The request's connection (or a fresh one when not shared), for several statements in a row."""
        if not self.shared:
            async with self.engine.connect() as conn:
                yield await conn.execution_options(isolation_level=AUTOCOMMIT)
            return
        async with self._lock:
            if self._conn is None:
                conn = await self.engine.connect()
                self._conn = await conn.execution_options(isolation_level=AUTOCOMMIT)
            yield self._conn

    async def rows(self, stmt: Any, params: dict | None = None) -> Sequence[Row]:
        async with self.connection() as conn:
            return (await conn.execute(stmt, params)).all()

    async def first(self, stmt: Any, params: dict | None = None) -> Row | None:
        async with self.connection() as conn:
            return (await conn.execute(stmt, params)).first()

    async def scalar(self, stmt: Any, params: dict | None = None) -> Any:
        async with self.connection() as conn:
            return (await conn.execute(stmt, params)).scalar()

    async def close(self) -> None:
        """Returns the connection to the pool (the next read takes one again)."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

    async def unshare(self) -> None:
        """From now on every statement takes a connection of its own (see the class docstring)."""
        await self.close()
        self.shared = False
