"""Write transactions retried when PostgreSQL aborts them for a deadlock or a serialization failure.

Both say "run me again" and nothing of the transaction was kept, so the client never sees them: the whole
transaction is retried a bounded number of times with jittered backoff; then WriteConflict, a coded error.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from outcome_graph.db.engine import writer
from outcome_graph.db.faults import causes
from outcome_graph.errors import WriteConflict

T = TypeVar("T")
RETRIED_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 6
BACKOFF_SECONDS = 0.02  # the n-th retry waits up to this x 2**n, uniformly at random


def is_retryable(error: BaseException) -> bool:
    """A deadlock or serialization failure anywhere in the driver's exception chain."""
    return any(getattr(e, "sqlstate", None) in RETRIED_SQLSTATES or getattr(e, "pgcode", None) in RETRIED_SQLSTATES
               for e in causes(error))


async def write_transaction(bind: AsyncEngine | AsyncConnection,
                            work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Runs work(conn) in one write transaction (committed on return), again after a deadlock; on a new
    connection of an engine, or on a given connection with no transaction open."""
    for attempt in range(ATTEMPTS):
        try:
            if isinstance(bind, AsyncConnection):
                await bind.execution_options(write=True)
                async with bind.begin():
                    return await work(bind)
            async with writer(bind).begin() as conn:
                return await work(conn)
        except DBAPIError as e:
            if not is_retryable(e):
                raise
            if attempt == ATTEMPTS - 1:
                raise WriteConflict("Other writes kept conflicting with this one; nothing was written. "
                                    "Try again.") from e
        await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover
