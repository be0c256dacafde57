"""Stored rollups: recomputed set-wise in user batches, read back with stale pairs computed on the fly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import String, delete, null, select, type_coerce

from outcome_graph.db import models as m
from outcome_graph.db.results import muted, joined, counted, rollup_rows
from outcome_graph.db.scoring import course_scorings, versioned_scorings
from outcome_graph.rollups import RollupScore, rollup_stream

USER_BATCH = 500
ROLLUP = m.Rollup


async def scoring_version(conn, course_id: int) -> int:
    return (await conn.execute(select(m.Course.scoring_version).where(m.Course.id == course_id))).scalar_one()


async def compute(conn, course_id: int, user_ids: Sequence[int] | None, outcome_ids: Sequence[int] | None = None,
                  *, include_muted: bool = True, scorings=None, start: int | None = None,
                  end: int | None = None) -> dict[tuple[int, int], RollupScore]:
    """(user, outcome) -> RollupScore straight from the results, for the given users (None: every user, in one
    statement); start and end keep the results whose time is in [start, end) (docs/windows.md)."""
    scorings = scorings if scorings is not None else await course_scorings(conn, course_id)
    out: dict[tuple[int, int], RollupScore] = {}
    batches = [None] if user_ids is None else [user_ids[i:i + USER_BATCH] for i in range(0, len(user_ids), USER_BATCH)]
    for batch in batches:
        rows = (await conn.execute(rollup_rows(course_id, batch, outcome_ids, include_muted=include_muted,
                                               start=start, end=end))).all()
        for user_id, outcome_id, score in rollup_stream(rows, scorings):
            out[(user_id, outcome_id)] = score
    return out


async def result_users(conn, course_id: int) -> list[int]:
    r = m.OutcomeResult
    rows = await conn.execute(select(r.user_id).where(r.course_id == course_id).distinct().order_by(r.user_id))
    return [row[0] for row in rows]


async def drop_orphans(conn, course_id: int) -> None:
    """Deletes stored rollups of users who no longer have any result in the course (the end of a batched
    whole-course recalculation, which rewrites only the users that have results)."""
    r = m.OutcomeResult
    await conn.execute(delete(ROLLUP).where(ROLLUP.course_id == course_id, ROLLUP.user_id.not_in(
        select(r.user_id).where(r.course_id == course_id))))


async def recompute(conn, course_id: int, user_ids: Sequence[int] | None = None,
                    outcome_ids: Sequence[int] | None = None,
                    progress: Callable[[float], Awaitable[None]] | None = None) -> int:
    """Rewrites the stored rollups of the given users (all with results when None); returns rows written.

    Runs inside the caller's transaction, so readers never see a half-written set of users; it reads the
    scoring version in that transaction, so the rows it stores are current when it commits (a batched
    recalculation calls it once per batch of users: see jobs/worker.py).
    """
    version, scorings = await versioned_scorings(conn, course_id, outcome_ids=outcome_ids)
    if user_ids is None:
        await conn.execute(delete(ROLLUP).where(ROLLUP.course_id == course_id))
        user_ids = await result_users(conn, course_id)
        clear_first = False
    else:
        user_ids = sorted(set(user_ids))
        clear_first = True
    written = 0
    for i in range(0, len(user_ids), RECOMPUTE_BATCH):
        batch = user_ids[i:i + RECOMPUTE_BATCH]
        if clear_first:
            stmt = delete(ROLLUP).where(ROLLUP.course_id == course_id, ROLLUP.user_id.in_(batch))
            if outcome_ids is not None:
                stmt = stmt.where(ROLLUP.outcome_id.in_(outcome_ids))
            await conn.execute(stmt)
        rows = await _engine_rows(conn, rollup_rows(course_id, batch, outcome_ids), len(batch))
        values = [(course_id, u, o, s.score, s.count, s.title, s.submitted_at, s.hide_points, version)
                  for u, o, s in rollup_stream(rows, scorings)]
        del rows
        await _insert_rollups(conn, values)
        written += len(values)
        if progress is not None:
            await progress(min(1.0, (i + len(batch)) / len(user_ids)))
    return written


# Recalculation moves every result of the course through Python: its rows skip SQLAlchemy's per-row type
# processing both ways (docs/performance.md, "Recalculation"). A batch's rows are what it holds in memory.
RECOMPUTE_BATCH = 200
FEW_USERS = 20
STORED = ("course_id", "user_id", "outcome_id", "score", "count", "title", "submitted_at", "hide_points", "version")


async def _driver_rows(conn, stmt) -> list:
    """The rows as the driver returns them. Only ids and constants are bound, so they are written inline. A
    timestamp stays the driver's value (SQLite's stored text, asyncpg's datetime) and is stored back as such."""
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    return (await conn.exec_driver_sql(sql)).all()


async def _engine_rows(conn, stmt, users: int) -> list:
    """A recalculation's rows, the same values either way: a write's few students through SQLAlchemy's cache of
    compiled statements (compiling with the ids inline costs more than their rows), a batch as driver rows."""
    if users <= FEW_USERS:
        return (await conn.execute(stmt)).all()
    return await _driver_rows(conn, stmt)


async def _insert_rollups(conn, values: list[tuple]) -> None:
    """Rows in STORED's order: COPY on PostgreSQL, one executemany of tuples on SQLite."""
    if not values:
        return
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(ROLLUP.__tablename__, records=values, columns=STORED)
        return
    marks = ", ".join("?" * len(STORED))
    await conn.exec_driver_sql(f"INSERT INTO {ROLLUP.__tablename__} ({', '.join(STORED)}) VALUES ({marks})", values)


async def muted_users(conn, course_id: int, user_ids: Sequence[int]) -> set[int]:
    """Users with results that non-graders may not see yet (manual post policy, docs/behaviour.md §2.4)."""
    r = m.OutcomeResult
    stmt = joined(select(r.user_id).distinct()).where(counted(course_id), muted(), r.user_id.in_(user_ids))
    return {row[0] for row in await conn.execute(stmt)}


async def read(conn, course_id: int, user_ids: Sequence[int], outcome_ids: Sequence[int] | None = None,
               *, version: int, grader: bool = True, scores_only: bool = False) -> dict[tuple[int, int], RollupScore]:
    """Current rollups of the given users: stored where current, computed where stale or muted.

    version: the course's scoring version as the caller read it with the course row. scores_only skips title and
    submitted_at (aggregates need neither). submitted_at stays the driver's value, as in a recalculation: a page
    holds a thousand, and parsing them is the reader's job only where it shows them.
    """
    extra = (null().label("title"), null().label("submitted_at")) if scores_only else \
        (ROLLUP.title, type_coerce(ROLLUP.submitted_at, String).label("submitted_at"))  # the driver's value
    stmt = select(ROLLUP.user_id, ROLLUP.outcome_id, ROLLUP.score, ROLLUP.count, *extra,
                  ROLLUP.hide_points, ROLLUP.version).where(ROLLUP.course_id == course_id)
    if outcome_ids is not None:
        stmt = stmt.where(ROLLUP.outcome_id.in_(outcome_ids))
    out: dict[tuple[int, int], RollupScore] = {}
    stale: set[int] = set()
    for i in range(0, len(user_ids), USER_BATCH * 2):
        batch = user_ids[i:i + USER_BATCH * 2]
        for user_id, outcome_id, score, count, title, submitted_at, hide_points, row_version in \
                (await conn.execute(stmt.where(ROLLUP.user_id.in_(batch)))).all():
            if row_version != version:
                stale.add(user_id)
                continue
            out[(user_id, outcome_id)] = RollupScore(score, count, title, submitted_at, bool(hide_points))
    hidden_from_viewer = set() if grader else await muted_users(conn, course_id, user_ids)
    redo = sorted(stale | hidden_from_viewer)
    if redo:
        for key in [k for k in out if k[0] in hidden_from_viewer or k[0] in stale]:
            del out[key]
        out.update(await compute(conn, course_id, redo, outcome_ids, include_muted=grader))
    return out
