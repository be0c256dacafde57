"""Read access for one request: Core statements on pooled connections, rows out."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine


class Reader:
    """Runs each statement on its own pooled connection, so concurrent DataLoader batches never collide."""

    __slots__ = ("engine",)

    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def rows(self, stmt: Any) -> Sequence[Row]:
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).all()

    async def first(self, stmt: Any) -> Row | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).first()

    async def scalar(self, stmt: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).scalar()
