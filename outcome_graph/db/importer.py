"""`outcome-graph import`: writes a validated course bundle all-or-nothing, then refreshes its rollups in batches."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import locks
from outcome_graph.db import models as m
from outcome_graph.db.bundle import Bundle, BundleError, StoredRefs, parse_bundle
from outcome_graph.db.engine import unicode_lower
from outcome_graph.db.jobs import QUEUED
from outcome_graph.db.retry import write_transaction
from outcome_graph.db.rollup_store import recompute, result_users, scoring_version
from outcome_graph.db.scoring_writes import courses_using, rescore
from outcome_graph.db.staging import foreign_result, merge, staged
from outcome_graph.db.upsert import upsert
from outcome_graph.db.writes import bump_data_version
from outcome_graph.settings import Settings

CHUNK = 20_000
ID_CHUNK = 5_000  # ids per ownership query (within both databases' bound-parameter limits)


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


async def _not_elsewhere(conn, b: Bundle, table, key: str, kind: str, ids: list[int]) -> None:
    """No row of the bundle may already belong to another course (re-checked under the locks)."""
    for i in range(0, len(ids), ID_CHUNK):
        found = (await conn.execute(select(table.c.id, table.c.course_id).where(
            table.c.id.in_(ids[i:i + ID_CHUNK]), table.c.course_id != b.course["id"]).limit(1))).first()
        if found is not None:
            raise BundleError(b.path_of(key, found.id),
                              f"{kind} {found.id} belongs to course {found.course_id}, not course {b.course['id']}")


async def _scoring_changed(conn, b: Bundle) -> list[int]:
    """Outcomes of the bundle whose stored scoring the bundle changes."""
    o = m.Outcome
    cols = ("calculation_method", "calculation_int", "tie_break", "minimum_evidence", "ratings", "points_possible",
            "mastery_points")
    stored = {row.id: row for row in await conn.execute(
        select(o.id, *(getattr(o, c) for c in cols)).where(o.id.in_([x["id"] for x in b.outcomes])))}
    return [x["id"] for x in b.outcomes
            if x["id"] in stored and any(x[c] != getattr(stored[x["id"]], c) for c in cols)]


async def _resorted_users(conn, b: Bundle) -> list[int]:
    """Stored users of the bundle whose sort name (users.name_key's source) the bundle changes."""
    u = m.User
    wanted = {x["id"]: x["sortable_name"] for x in b.users}
    ids = list(wanted)
    out = []
    for i in range(0, len(ids), ID_CHUNK):
        rows = await conn.execute(select(u.id, u.sortable_name).where(u.id.in_(ids[i:i + ID_CHUNK])))
        out += [row.id for row in rows if row.sortable_name != wanted[row.id]]
    return out


async def _courses_enrolling(conn, user_ids: list[int]) -> set[int]:
    e = m.Enrollment
    out: set[int] = set()
    for i in range(0, len(user_ids), ID_CHUNK):
        out |= {row[0] for row in await conn.execute(
            select(e.course_id).where(e.user_id.in_(user_ids[i:i + ID_CHUNK])).distinct())}
    return out


async def write_bundle(conn, b: Bundle, job_delay: float = Settings.job_delay_seconds) -> tuple[int, int]:
    """Upserts every row of the bundle, its results from the stage (db/staging.py), in the caller's transaction
    on the staging connection; returns (the course's new scoring version, the recalculation job queued for it).

    Locks first, in db/locks.py's order. The course and every other course linking an outcome whose scoring
    the bundle changes are rescored as updateOutcome does: version bumped (reads compute the stale stored
    rollups until they are rewritten), recalculation queued (docs/imports.md).
    """
    course_id = b.course["id"]
    await locks.lock(conn, locks.IMPORTS, 0)
    await locks.lock_all(conn, locks.OUTCOME_SCORING, [x["id"] for x in b.outcomes])
    changed = await _scoring_changed(conn, b)
    others = sorted({c for oid in changed for c in await courses_using(conn, oid)} - {course_id})
    # Under the import lock no enrollment changes: these courses show a user the bundle re-sorts.
    resorted = sorted(await _courses_enrolling(conn, await _resorted_users(conn, b)) - {course_id, *others})
    await locks.lock_courses(conn, [course_id, *others, *resorted])
    for key, kind, model, rows in (
            ("sections", "section", m.Section, b.sections), ("assets", "asset", m.Asset, b.assets),
            ("outcome_groups", "outcome group", m.OutcomeGroup, b.outcome_groups),
            ("alignments", "alignment", m.Alignment, b.alignments)):
        await _not_elsewhere(conn, b, model.__table__, key, kind, [x["id"] for x in rows])
    await upsert(conn, m.Course.__table__, [b.course], ["id"])
    await conn.execute(delete(m.MasteryScale).where(m.MasteryScale.course_id == course_id))
    if b.mastery_scale:
        await upsert(conn, m.MasteryScale.__table__, [b.mastery_scale], ["course_id"])
    await conn.execute(delete(m.CourseCalculationMethod).where(m.CourseCalculationMethod.course_id == course_id))
    if b.calculation_method:
        await upsert(conn, m.CourseCalculationMethod.__table__, [b.calculation_method], ["course_id"])
    await upsert(conn, m.Section.__table__, b.sections, ["id"])
    # A SIS id may move between users of the bundle (parse_bundle checked the outcome is unique): free the
    # ones handed on first, or the unique column would see both holders for a moment.
    for i in range(0, len(b.sis_handed_on), CHUNK):
        await conn.execute(update(m.User).where(m.User.id.in_(b.sis_handed_on[i:i + CHUNK]))
                           .values(sis_user_id=None))
    # A renamed user's sort key moves with the name (the key is not left to the column default: upsert's
    # update sets only the columns given).
    await upsert(conn, m.User.__table__, [{**x, "name_key": unicode_lower(x["sortable_name"])} for x in b.users],
                 ["id"])
    await upsert(conn, m.OutcomeGroup.__table__, b.outcome_groups, ["id"])
    await upsert(conn, m.Outcome.__table__, b.outcomes, ["id"])
    await upsert(conn, m.OutcomeLink.__table__, b.outcome_links, ["course_id", "outcome_id"])
    await upsert(conn, m.Asset.__table__, b.assets, ["id"])
    await upsert(conn, m.Alignment.__table__, b.alignments, ["id"])
    # Enrollments carry no ids: the bundle holds the whole roster, so it replaces the stored one.
    await conn.execute(delete(m.Enrollment).where(m.Enrollment.course_id == course_id))
    await upsert(conn, m.Enrollment.__table__, b.enrollments, [])
    held = await foreign_result(conn, course_id)  # under the locks: no import or write claims an id meanwhile
    if held is not None:
        path = b.path_of("results", held.id)
        if held.course_id != course_id:
            raise BundleError(path, f"result {held.id} belongs to course {held.course_id}, not course {course_id}")
        raise BundleError(path, f"result {held.id} is user {held.user_id}'s result on alignment {held.alignment_id}, "
                                f"not user {held.new_user}'s on alignment {held.new_alignment}")
    await merge(conn)
    jobs = await rescore(conn, [course_id, *others], job_delay)
    if resorted:  # their cached rosters (resolvers/roster.py) hold the old sort names
        await bump_data_version(conn, resorted)
    version = (await conn.execute(select(m.Course.scoring_version).where(m.Course.id == course_id))).scalar_one()
    return version, jobs[0]


async def refresh_rollups(engine: AsyncEngine, course_id: int, version: int, job_id: int, batch_size: int) -> int:
    """Rewrites the course's stored rollups a batch of students per transaction, so writes to the course wait
    one batch at most; the last batch drops the queued job the import left in case it died first, unless a
    later scoring change (another version) needs it. Returns rollups written."""
    async with engine.connect() as conn:
        users = await result_users(conn, course_id)
    batches = [users[i:i + batch_size] for i in range(0, len(users), batch_size)] or [[]]
    written = 0
    for n, batch in enumerate(batches):
        async def work(conn):
            await locks.lock(conn, locks.COURSE_WRITES, course_id)
            count = await recompute(conn, course_id, batch)
            if n == len(batches) - 1 and await scoring_version(conn, course_id) == version:
                await conn.execute(delete(m.RollupJob).where(m.RollupJob.id == job_id, m.RollupJob.state == QUEUED))
            return count
        written += await write_transaction(engine, work)
    return written


async def import_bundle(engine: AsyncEngine, doc: object, progress: Callable[[int, int], None] | None = None, *,
                        job_delay: float = Settings.job_delay_seconds,
                        batch_size: int = Settings.recalc_batch_size) -> ImportReport:
    """Validates against what is stored, then writes all-or-nothing; a bad bundle raises BundleError and writes
    nothing. Then the stored rollups are rewritten in batches of batch_size students (reads are never stale
    meanwhile: they compute what is not rewritten yet). job_delay: when the queued recalculations run."""
    started = time.perf_counter()
    bundle = parse_bundle(doc, await stored_refs(engine))
    async with engine.connect() as conn, staged(conn, bundle.results, progress):
        version, job_id = await write_transaction(conn, lambda c: write_bundle(c, bundle, job_delay))
    rollups = await refresh_rollups(engine, bundle.course["id"], version, job_id, max(1, batch_size))
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
