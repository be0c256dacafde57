"""`outcome-graph import`: writes a validated course bundle all-or-nothing, then refreshes its rollups."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import models as m
from outcome_graph.db.bundle import RESULT_COLUMNS, Bundle, StoredRefs, parse_bundle
from outcome_graph.db.engine import writer
from outcome_graph.db.rollup_store import recompute
from outcome_graph.db.upsert import upsert, upsert_tuples

RESULT_CHUNK = 20_000


@dataclass
class ImportReport:
    course_id: int
    results: int
    rollups: int
    seconds: float


async def stored_refs(engine: AsyncEngine) -> StoredRefs:
    """Ids already in the database, which a bundle may reference."""
    async with engine.connect() as conn:
        async def pairs(*cols):
            return (await conn.execute(select(*cols))).all()
        return StoredRefs(
            users=frozenset(r[0] for r in await pairs(m.User.id)),
            sections=dict(await pairs(m.Section.id, m.Section.course_id)),
            outcomes=frozenset(r[0] for r in await pairs(m.Outcome.id)),
            outcome_groups=dict(await pairs(m.OutcomeGroup.id, m.OutcomeGroup.course_id)),
            assets=dict(await pairs(m.Asset.id, m.Asset.course_id)),
            alignments={r[0]: (r[1], r[2], r[3]) for r in await pairs(
                m.Alignment.id, m.Alignment.outcome_id, m.Alignment.asset_id, m.Alignment.mastery_score)},
            outcome_scoring={r[0]: (r[1], r[2]) for r in await pairs(
                m.Outcome.id, m.Outcome.points_possible, m.Outcome.mastery_points)},
            sis_user_ids=dict((await conn.execute(select(m.User.sis_user_id, m.User.id)
                                                  .where(m.User.sis_user_id.is_not(None)))).all()),
        )


def _sqlite_datetimes(rows: list[tuple]) -> list[tuple]:
    """The driver-level path bypasses SQLAlchemy's types: store datetimes in its SQLite text format."""
    idx = [RESULT_COLUMNS.index("submitted_at"), RESULT_COLUMNS.index("assessed_at")]
    out = []
    for row in rows:
        row = list(row)
        for i in idx:
            if isinstance(row[i], datetime):
                row[i] = row[i].strftime("%Y-%m-%d %H:%M:%S.%f")
        out.append(tuple(row))
    return out


async def _merge_duplicates(conn, b: Bundle) -> list[tuple]:
    """A result for a (user, alignment) already stored under another id updates that row (spec §2.5)."""
    r = m.OutcomeResult
    existing = {(u, a): i for i, u, a in (await conn.execute(
        select(r.id, r.user_id, r.alignment_id).where(r.course_id == b.course["id"]))).all()}
    ci = {c: RESULT_COLUMNS.index(c) for c in ("id", "user_id", "alignment_id", "score", "possible", "percent")}
    fresh = []
    for row in b.results:
        other = existing.get((row[ci["user_id"]], row[ci["alignment_id"]]))
        if other is None or other == row[ci["id"]]:
            fresh.append(row)
        else:
            await conn.execute(update(r).where(r.id == other).values(
                score=row[ci["score"]], possible=row[ci["possible"]], percent=row[ci["percent"]]))
    return fresh


async def write_bundle(engine: AsyncEngine, b: Bundle, progress: Callable[[int, int], None] | None = None) -> int:
    """Upserts every row of the bundle in one transaction and recomputes the course's rollups."""
    course_id = b.course["id"]
    async with writer(engine).begin() as conn:
        await upsert(conn, m.Course.__table__, [b.course], ["id"])
        await conn.execute(update(m.Course).where(m.Course.id == course_id)
                           .values(data_version=m.Course.data_version + 1))
        await conn.execute(delete(m.MasteryScale).where(m.MasteryScale.course_id == course_id))
        if b.mastery_scale:
            await upsert(conn, m.MasteryScale.__table__, [b.mastery_scale], ["course_id"])
        await conn.execute(delete(m.CourseCalculationMethod).where(m.CourseCalculationMethod.course_id == course_id))
        if b.calculation_method:
            await upsert(conn, m.CourseCalculationMethod.__table__, [b.calculation_method], ["course_id"])
        await upsert(conn, m.Section.__table__, b.sections, ["id"])
        # A SIS id may move between users of the bundle (parse_bundle checked the outcome is unique): free the
        # ones handed on first, or the unique column would see both holders for a moment.
        for i in range(0, len(b.sis_handed_on), RESULT_CHUNK):
            await conn.execute(update(m.User).where(m.User.id.in_(b.sis_handed_on[i:i + RESULT_CHUNK]))
                               .values(sis_user_id=None))
        await upsert(conn, m.User.__table__, b.users, ["id"])
        await upsert(conn, m.OutcomeGroup.__table__, b.outcome_groups, ["id"])
        await upsert(conn, m.Outcome.__table__, b.outcomes, ["id"])
        await upsert(conn, m.OutcomeLink.__table__, b.outcome_links, ["course_id", "outcome_id"])
        await upsert(conn, m.Asset.__table__, b.assets, ["id"])
        await upsert(conn, m.Alignment.__table__, b.alignments, ["id"])
        # Enrollments carry no ids: the bundle holds the whole roster, so it replaces the stored one.
        await conn.execute(delete(m.Enrollment).where(m.Enrollment.course_id == course_id))
        await upsert(conn, m.Enrollment.__table__, b.enrollments, [])
        results = await _merge_duplicates(conn, b)
        if conn.dialect.name == "sqlite":
            results = _sqlite_datetimes(results)
        for i in range(0, len(results), RESULT_CHUNK):
            await upsert_tuples(conn, m.OutcomeResult.__table__, RESULT_COLUMNS, results[i:i + RESULT_CHUNK], "id")
            if progress:
                progress(min(i + RESULT_CHUNK, len(results)), len(results))
        if progress and not results:
            progress(0, 0)
        return await recompute(conn, course_id)


async def import_bundle(engine: AsyncEngine, doc: object,
                        progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Validates against what is stored, then writes; a bad bundle raises BundleError and writes nothing."""
    started = time.perf_counter()
    bundle = parse_bundle(doc, await stored_refs(engine))
    rollups = await write_bundle(engine, bundle, progress)
    return ImportReport(bundle.course["id"], len(bundle.results), rollups, time.perf_counter() - started)


def progress_printer(stream=sys.stderr) -> Callable[[int, int], None]:
    """A progress bar on a terminal, plain lines otherwise."""
    tty = stream.isatty()
    last = [-1]

    def show(done: int, total: int) -> None:
        pct = 100 if total == 0 else done * 100 // total
        if tty:
            bar = "#" * (pct // 4)
            stream.write(f"\rresults [{bar:<25}] {pct:3d}% {done}/{total}")
            if done >= total:
                stream.write("\n")
        elif pct // 10 != last[0] // 10 or done >= total:
            stream.write(f"results {done}/{total} ({pct}%)\n")
        last[0] = pct
        stream.flush()

    return show
