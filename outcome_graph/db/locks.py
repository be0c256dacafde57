"""Per-course write locks: PostgreSQL advisory locks; SQLite's single writer (BEGIN IMMEDIATE) already is one.

Result writes, scoring changes and recalculation jobs of one course take the same lock first, so a job
never rewrites a course's rollups from results another transaction is changing (and lock order is
always "advisory lock, then rows": no deadlocks between them).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

COURSE_WRITES = 1  # results, scoring, recalculation of one course
JOB_QUEUE = 2  # the queued job of one (course, user) pair

_INT4 = 2**31 - 1


async def lock(conn, namespace: int, key: int) -> None:
    """Held until the transaction ends; a no-op on SQLite, whose write transactions never overlap."""
    if conn.dialect.name == "postgresql":
        # The (int4, int4) form; a key collision only serializes two unrelated courses.
        await conn.execute(select(func.pg_advisory_xact_lock(namespace, key % _INT4)))


async def lock_courses(conn, course_ids: Iterable[int]) -> None:
    """Locks several courses in ascending order, so two transactions never wait on each other in a cycle."""
    for key in sorted({c % _INT4 for c in course_ids}):
        await lock(conn, COURSE_WRITES, key)
