"""Only queries keep one connection for the request (db/reader.py); other operations give it back."""

from __future__ import annotations

from typing import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class SharedReads(SchemaExtension):
    """A mutation writes on a connection of its own: holding the read connection while it waits for one
    would let a burst of concurrent writers drain the pool. A subscription may stream for hours. Both
    take a connection per statement instead."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context.context
        if self.execution_context.operation_type is not OperationType.QUERY and ctx is not None:
            await ctx.reader.unshare()
        yield
