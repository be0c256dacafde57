"""Result writes: record (upsert), hide and delete outcome results, all-or-nothing with their rollups.

Every write is one transaction through db/retry.py (SQLite: BEGIN IMMEDIATE; PostgreSQL: the course's
advisory lock first, in db/locks.py's order; retried after a deadlock), re-checks what it references inside
that transaction, recomputes the affected (user, outcome) stored rollups in it (docs/architecture.md §3) and bumps the
course's data version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import locks
from outcome_graph.db import models as m
from outcome_graph.db.batch import RESULT
from outcome_graph.db.retry import write_transaction
from outcome_graph.db.rollup_store import recompute
from outcome_graph.errors import BadUserInput, Forbidden, NotFound
from outcome_graph.rollups import compute_percent, effective_scoring

# The access policy's answer (CourseAccess.sees_sections): given a student's sections, whether the writer grades
# them. db/ applies it; it does not decide it.
MayGrade = Callable[[set[int]], bool] | None

r = m.OutcomeResult
_EPOCH = datetime(1970, 1, 1)
MASTERY_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class ResultInput:
    """One result to record, already checked for form (ids, finite numbers, UTC times) by the caller."""

    path: str  # where it came from, for messages: "results[3]"
    user_id: int | None
    sis_user_id: str | None  # when the user was given as sis_user_id:X
    alignment_id: int
    outcome_id: int | None  # must match the alignment's outcome when given
    score: float | None = None
    possible: float | None = None
    percent: float | None = None
    mastery: bool | None = None
    posted: bool | None = None
    submitted_at: datetime | None = None  # naive UTC
    assessed_at: datetime | None = None  # naive UTC
    hidden: bool | None = None
    hide_points: bool | None = None
    title: str | None = None


# Recording a stored (user, alignment) again: what the input leaves out (None) keeps its stored value; a new
# result takes these defaults. percent and mastery are derived again when the points change (score, possible
# or percent given), else kept.
KEPT = {"score": None, "possible": None, "submitted_at": None, "assessed_at": None, "hidden": False,
        "hide_points": False, "title": None, "posted": True}


def epoch_seconds(value: datetime | None) -> int | None:
    """Whole epoch seconds, floored (docs/behaviour.md §1.2 item 5)."""
    if value is None:
        return None
    d = value - _EPOCH
    return d.days * 86400 + d.seconds


async def bump_data_version(conn, course_ids: Sequence[int]) -> None:
    await conn.execute(update(m.Course).where(m.Course.id.in_(list(course_ids)))
                       .values(data_version=m.Course.data_version + 1))


async def _students(conn, course_id: int, user_ids: set[int]) -> dict[int, set[int]]:
    """Students (non-deleted student enrollments) of the course among user_ids -> their sections."""
    e = m.Enrollment
    out: dict[int, set[int]] = {}
    for uid, sid in await conn.execute(select(e.user_id, e.section_id).where(
            e.course_id == course_id, e.role == "student", e.state != "deleted", e.user_id.in_(user_ids))):
        out.setdefault(uid, set()).add(sid)
    return out


async def _sis_users(conn, items: Sequence[ResultInput]) -> dict[str, int]:
    sis = {i.sis_user_id for i in items if i.sis_user_id is not None}
    if not sis:
        return {}
    return dict((await conn.execute(select(m.User.sis_user_id, m.User.id).where(m.User.sis_user_id.in_(sis)))).all())


async def _scoring(conn, course_id: int, outcome_ids: set[int]) -> dict[int, tuple[float | None, float | None, bool]]:
    """outcome -> (points possible, mastery points, from the course scale) that percents are computed with."""
    o, ms = m.Outcome, m.MasteryScale
    rows = await conn.execute(  # one statement: the outcomes beside the course scale, if any
        select(o.id, o.points_possible, o.mastery_points, o.ratings, o.calculation_method, o.calculation_int,
               ms.course_id.label("scale"), ms.points_possible.label("scale_points"),
               ms.mastery_points.label("scale_mastery"))
        .select_from(o).outerjoin(ms, ms.course_id == course_id).where(o.id.in_(outcome_ids)))
    out = {}
    for row in rows:
        scale = None if row.scale is None else \
            _Scale(row.scale_points, row.scale_mastery, ())
        e = effective_scoring(row, scale)  # docs/behaviour.md §4.2: the course scale replaces every outcome's points
        out[row.id] = (e.points_possible, e.mastery_points, e.from_course_scale)
    return out


class _Scale(NamedTuple):
    points_possible: float | None
    mastery_points: float | None
    ratings: tuple


def derived_mastery(percent: float | None, points_possible: float | None, mastery_points: float | None) -> bool | None:
    """Mastery when the producer did not say: the result's points on the outcome's scale reach mastery."""
    if percent is None or mastery_points is None:
        return None
    points = points_possible if points_possible and points_possible > 0 else mastery_points
    if not points or points <= 0:
        return None
    return percent * points >= mastery_points - MASTERY_EPSILON  # docs/behaviour.md §1.2 item 4: percent x PP (or MP)


async def record_results(engine: AsyncEngine, course_id: int, items: Sequence[ResultInput],
                         may_grade: MayGrade = None) -> list:
    """Upserts results by (user, alignment) and returns their rows (db.batch.RESULT), one per item.

    A (user, alignment) already stored keeps its id and takes the new values (docs/behaviour.md §2.5); a deleted one is
    revived. New rows take their ids from the database (models.SERVICE_ID_BASE and up), which no source
    id reaches. may_grade: the access policy's answer, from a student's sections, whether the writer grades them.
    """
    async def work(conn):
        await locks.lock(conn, locks.COURSE_WRITES, course_id)
        ids = await _record(conn, course_id, items, may_grade)
        rows = {row.id: row for row in await conn.execute(select(*RESULT).where(r.id.in_(set(ids))))}
        return [rows[i] for i in ids]

    return await write_transaction(engine, work)


async def _record(conn, course_id: int, items: Sequence[ResultInput], may_grade: MayGrade) -> list[int]:
    by_sis = await _sis_users(conn, items)
    user_ids = [by_sis.get(i.sis_user_id, -1) if i.user_id is None else i.user_id for i in items]
    students = await _students(conn, course_id, set(user_ids))
    a = m.Alignment
    alignments = {row.id: row for row in await conn.execute(
        select(a.id, a.course_id, a.outcome_id, a.mastery_score, a.deleted)
        .where(a.id.in_({i.alignment_id for i in items})))}
    for item, uid in zip(items, user_ids):  # checked in order: the first bad item is the one reported
        if uid not in students:
            who = f"sis_user_id:{item.sis_user_id}" if item.user_id is None else str(uid)
            raise NotFound(f"{item.path}.userId: user {who} is not a student of this course",
                               argument=f"{item.path}.userId")
        if may_grade is not None and not may_grade(students[uid]):
            raise Forbidden(f"{item.path}.userId: user {uid} is not in your sections", argument=f"{item.path}.userId")
        al = alignments.get(item.alignment_id)
        if al is None or al.course_id != course_id:
            raise NotFound(f"{item.path}.alignmentId: no alignment {item.alignment_id} in this course",
                               argument=f"{item.path}.alignmentId")
        if al.deleted:
            raise BadUserInput(f"{item.path}.alignmentId: alignment {item.alignment_id} is deleted",
                               argument=f"{item.path}.alignmentId")
        if item.outcome_id is not None and item.outcome_id != al.outcome_id:
            raise BadUserInput(f"{item.path}.outcomeId: alignment {al.id} aligns outcome {al.outcome_id}, "
                               f"not {item.outcome_id}", argument=f"{item.path}.outcomeId")

    scoring = await _scoring(conn, course_id, {al.outcome_id for al in alignments.values()})
    existing = {(row.user_id, row.alignment_id): row._asdict() for row in await conn.execute(
        select(r.id, r.user_id, r.alignment_id, r.percent, r.mastery, *(getattr(r, c) for c in KEPT)).where(
            r.course_id == course_id, r.user_id.in_(set(user_ids)), r.alignment_id.in_(set(alignments))))}
    values: dict[tuple[int, int], dict] = {}  # (user, alignment) -> the row to write; later items win
    keys: list[tuple[int, int]] = []
    for item, uid in zip(items, user_ids):
        al = alignments[item.alignment_id]
        pp, mp, course_scale = scoring.get(al.outcome_id, (None, None, False))
        key = (uid, al.id)
        old = values.get(key) or existing.get(key)  # an earlier item of this call, else the stored row
        kept = {c: (getattr(item, c) if getattr(item, c) is not None else
                    old[c] if old is not None else default) for c, default in KEPT.items()}
        points_given = item.score is not None or item.possible is not None or item.percent is not None
        if old is not None and not points_given:
            percent, mastery = old["percent"], old["mastery"]
        else:
            percent = item.percent
            if percent is None:  # docs/behaviour.md §2.2
                percent = compute_percent(kept["score"], kept["possible"], points_possible=pp, mastery_points=mp,
                                          alignment_mastery=al.mastery_score, course_scale=course_scale)
            mastery = derived_mastery(percent, pp, mp)
        if item.mastery is not None:
            mastery = item.mastery
        time = epoch_seconds(kept["submitted_at"] if kept["submitted_at"] is not None else kept["assessed_at"]) or 0
        values[key] = {
            "course_id": course_id, "user_id": uid, "outcome_id": al.outcome_id,
            "alignment_id": al.id, **kept, "percent": percent, "mastery": mastery, "time": time, "deleted": False,
        }
        keys.append(key)

    ids = {k: row["id"] for k, row in existing.items()}
    updates = [{**v, "id": ids[k]} for k, v in values.items() if k in existing]
    inserts = [{**v, "artifact_type": "other"} for k, v in values.items() if k not in existing]
    if updates:
        cols = [c for c in updates[0] if c not in ("id", "course_id", "user_id", "alignment_id")]
        stmt = update(r).where(r.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in cols})
        await conn.execute(stmt, [{f"b_{c}": v[c] for c in ("id", *cols)} for v in updates])
    if inserts:  # new ids from the database's counter (models.SERVICE_ID_BASE), never max(id)+1
        made = await conn.execute(insert(r).returning(r.id, r.user_id, r.alignment_id), inserts)
        ids.update({(row.user_id, row.alignment_id): row.id for row in made})
    await recompute(conn, course_id, sorted({v["user_id"] for v in values.values()}),
                    sorted({v["outcome_id"] for v in values.values()}))
    await bump_data_version(conn, [course_id])
    return [ids[k] for k in keys]


async def _course_results(conn, course_id: int, result_ids: Sequence[int], *, include_deleted: bool,
                          may_grade: MayGrade, field: str) -> dict[int, object]:
    """The course's results by id, each id checked in order (unknown ids name their position)."""
    rows = {row.id: row for row in await conn.execute(
        select(r.id, r.user_id, r.outcome_id, r.deleted).where(r.course_id == course_id, r.id.in_(set(result_ids))))}
    students = await _students(conn, course_id, {row.user_id for row in rows.values()}) if may_grade else {}
    for i, rid in enumerate(result_ids):
        row = rows.get(rid)
        if row is None or (row.deleted and not include_deleted):
            raise NotFound(f"{field}[{i}]: no result {rid} in this course", argument=f"{field}[{i}]")
        if may_grade is not None and not may_grade(students.get(row.user_id, set())):
            raise Forbidden(f"{field}[{i}]: result {rid} belongs to a student outside your sections",
                            argument=f"{field}[{i}]")
    return rows


async def set_results_hidden(engine: AsyncEngine, course_id: int, result_ids: Sequence[int], hidden: bool,
                             may_grade: MayGrade = None) -> list:
    """Hides results from (or shows them in) rollups and the gradebook (docs/behaviour.md §2.4); returns their rows."""
    async def work(conn):
        await locks.lock(conn, locks.COURSE_WRITES, course_id)
        found = await _course_results(conn, course_id, result_ids, include_deleted=False, may_grade=may_grade,
                                      field="resultIds")
        await conn.execute(update(r).where(r.id.in_(set(result_ids))).values(hidden=hidden))
        await _refresh(conn, course_id, found.values())
        rows = {row.id: row for row in await conn.execute(select(*RESULT).where(r.id.in_(set(result_ids))))}
        return [rows[i] for i in result_ids]

    return await write_transaction(engine, work)


async def delete_results(engine: AsyncEngine, course_id: int, result_ids: Sequence[int],
                         may_grade: MayGrade = None) -> list[int]:
    """Soft-deletes results (docs/behaviour.md §2.4: deleted results never count); deleting twice is not an error."""
    async def work(conn):
        await locks.lock(conn, locks.COURSE_WRITES, course_id)
        found = await _course_results(conn, course_id, result_ids, include_deleted=True, may_grade=may_grade,
                                      field="resultIds")
        await conn.execute(update(r).where(r.id.in_(set(result_ids))).values(deleted=True))
        await _refresh(conn, course_id, found.values())

    await write_transaction(engine, work)
    return list(dict.fromkeys(result_ids))


async def _refresh(conn, course_id: int, rows) -> None:
    rows = list(rows)
    if rows:
        await recompute(conn, course_id, sorted({x.user_id for x in rows}), sorted({x.outcome_id for x in rows}))
    await bump_data_version(conn, [course_id])
