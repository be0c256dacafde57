"""Write locks and the one order every writer takes them in (docs/ids-and-locks.md).

PostgreSQL: transaction-scoped advisory locks. SQLite: a no-op, as its single writer (BEGIN IMMEDIATE in
db/engine.py) already serializes every write transaction.

The order, for imports, result writes, scoring changes and recalculation jobs alike:

1. IMPORTS (imports only): one import at a time, so two imports never claim the same new id at once;
2. OUTCOME_SCORING of each outcome whose scoring the transaction may change, ascending: the courses linking
   an outcome are read after it, and no import links the outcome meanwhile;
3. COURSE_WRITES of each course written or rescored, ascending (`lock_courses`);
4. rows (inserts, updates), and last JOB_QUEUE of a queued job's (course, user) pair (db/jobs.py).

A transaction may skip a level but never goes back up, so no two writers wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

COURSE_WRITES = 1  # results, scoring, recalculation of one course
JOB_QUEUE = 2  # the queued job of one (course, user) pair
IMPORTS = 3  # every import (key 0)
OUTCOME_SCORING = 4  # an outcome's method, int, ratings and points
MIGRATIONS = 5  # schema migrations at a process's start (key 0), taken alone in their own transaction

_INT4 = 2**31 - 1


async def lock(conn, namespace: int, key: int) -> None:
    """Held until the transaction ends; a no-op on SQLite, whose write transactions never overlap."""
    if conn.dialect.name == "postgresql":
        # The (int4, int4) form; a key collision only serializes two unrelated courses.
        await conn.execute(select(func.pg_advisory_xact_lock(namespace, key % _INT4)))


async def lock_all(conn, namespace: int, keys: Iterable[int]) -> None:
    """Locks several keys of one level in ascending order (level 2 or 3 above)."""
    for key in sorted({k % _INT4 for k in keys}):
        await lock(conn, namespace, key)


async def lock_courses(conn, course_ids: Iterable[int]) -> None:
    await lock_all(conn, COURSE_WRITES, course_ids)
