"""Scoring changes: an outcome's method, int, ratings and points, a course's mastery scale and method.

A change bumps the scoring version of every affected course, so reads compute the now-stale stored
rollups on the fly (never a stale answer), and queues a full-course recalculation job per course
(docs/behaviour.md §5.3: Canvas recalculates a course after a course outcome's scoring changes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, union, update
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import jobs, locks
from outcome_graph.db import models as m
from outcome_graph.db.retry import write_transaction
from outcome_graph.db.writes import bump_data_version
from outcome_graph.errors import BadUserInput, Mistake, NotFound
from outcome_graph.rollups import (CalculationError, validate_calculation, validate_minimum_evidence,
                                   validate_tie_break)

HEX6 = re.compile(r"[0-9A-Fa-f]{6}\Z")
MAX_TITLE = 255
OUTCOME_NOT_IN_CONTEXT = Mistake(NotFound, "outcomeId", "outcomeId: outcome {id} is not linked in this course",
                                 canvas="outcome not found in this context")
NOT_IN_COURSE = Mistake(NotFound, "order", "order: outcome {id} is not linked in this course",
                        canvas="Outcomes do not belong to Course")
EXACTLY_ONE_MASTERY = "Exactly one rating can have mastery"


def _err(field: str, message: str) -> BadUserInput:
    return BadUserInput(f"{field}: {message}", argument=field)


def _show(v: float) -> str:
    return repr(float(v))


def _text(field: str, value: str) -> str:
    """Non-blank, and without NUL (which PostgreSQL text cannot hold)."""
    if not value.strip():
        raise _err(field, "must not be empty")
    if "\x00" in value:
        raise _err(field, "must not contain NUL characters")
    return value


def _number(field: str, value: float | None) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value):
        raise _err(field, f"must be a finite number (got {value})")
    if value < 0:
        raise _err(field, f"must be at least 0 (got {_show(value)})")
    return float(value)


@dataclass(frozen=True, slots=True)
class RatingInput:
    description: str
    points: float
    mastery: bool = False
    color: str | None = None


@dataclass(frozen=True, slots=True)
class OutcomeChanges:
    """What updateOutcome changes; None leaves a field as it is."""

    calculation_method: str | None = None
    calculation_int: int | None = None
    tie_break: str | None = None
    minimum_evidence: int | None = None  # 0 removes the minimum (docs/methods.md §5)
    ratings: Sequence[RatingInput] | None = None
    points_possible: float | None = None
    mastery_points: float | None = None
    title: str | None = None


def check_mastery_scale(ratings: Sequence[RatingInput], field: str = "ratings") -> dict:
    """Canvas's OutcomeProficiency rules (docs/behaviour.md §4.2), with its messages; returns the scale's columns."""
    if not ratings:
        raise _err(field, "at least one rating is required")
    out, mastery_at = [], None
    for j, rating in enumerate(ratings):
        path = f"{field}[{j}]"
        _text(f"{path}.description", rating.description)
        points = _number(f"{path}.points", rating.points)
        if out and out[-1]["points"] <= points:
            raise _err(f"{path}.points", f"Points should be strictly decreasing: {_show(out[-1]['points'])} <= "
                                         f"{_show(points)}")
        if rating.mastery:
            if mastery_at is not None:
                raise _err(f"{path}.mastery", EXACTLY_ONE_MASTERY)
            mastery_at = j
        if rating.color is not None and not HEX6.match(rating.color):
            raise _err(f"{path}.color", f'must be six hex digits such as "0B874B" (got {rating.color!r})')
        out.append({"description": rating.description, "points": points, "mastery": bool(rating.mastery),
                    "color": rating.color})
    if mastery_at is None:
        raise _err(field, EXACTLY_ONE_MASTERY)
    return {"ratings": out, "points_possible": out[0]["points"], "mastery_points": out[mastery_at]["points"]}


def _outcome_ratings(ratings: Sequence[RatingInput], field: str) -> list[dict]:
    """docs/behaviour.md §4.1: {description, points}, highest points first."""
    if not ratings:
        raise _err(field, "at least one rating is required")
    out = []
    for j, rating in enumerate(ratings):
        _text(f"{field}[{j}].description", rating.description)
        out.append({"description": rating.description, "points": _number(f"{field}[{j}].points", rating.points)})
    out.sort(key=lambda x: -x["points"])  # stable: equal points keep the given order
    return out


async def courses_using(conn, outcome_id: int) -> list[int]:
    """Courses whose rollups an outcome's scoring reaches: those linking it or aligning it."""
    rows = await conn.execute(union(
        select(m.OutcomeLink.course_id).where(m.OutcomeLink.outcome_id == outcome_id),
        select(m.Alignment.course_id).where(m.Alignment.outcome_id == outcome_id)))
    return sorted(row[0] for row in rows)


async def rescore(conn, course_ids: Sequence[int], delay: float) -> list[int]:
    """Bumps the scoring and data versions and queues a full recalculation per course; returns job ids.
    The caller holds the courses' write locks (db/locks.py)."""
    c = m.Course
    await conn.execute(update(c).where(c.id.in_(list(course_ids)))
                       .values(scoring_version=c.scoring_version + 1, data_version=c.data_version + 1))
    return [await jobs.enqueue(conn, course_id, None, delay=delay) for course_id in course_ids]


async def update_outcome(engine: AsyncEngine, course_id: int, outcome_id: int, changes: OutcomeChanges,
                         delay: float) -> list[int]:
    """Applies Canvas's rules to an outcome change (docs/behaviour.md §1.1, §4.1); returns the recalculation jobs
    queued."""
    o = m.Outcome

    async def work(conn):
        # db/locks.py's order: the outcome, then (no import linking it meanwhile) every course using it
        await locks.lock(conn, locks.OUTCOME_SCORING, outcome_id)
        linked = (await conn.execute(select(m.OutcomeLink.id).where(
            m.OutcomeLink.course_id == course_id, m.OutcomeLink.outcome_id == outcome_id))).first()
        if linked is None:
            raise OUTCOME_NOT_IN_CONTEXT(id=outcome_id)
        courses = await courses_using(conn, outcome_id)
        await locks.lock_courses(conn, courses)
        row = (await conn.execute(select(o.title, o.ratings, o.points_possible, o.mastery_points,
                                         o.calculation_method, o.calculation_int, o.tie_break, o.minimum_evidence)
                                  .where(o.id == outcome_id))).one()
        values: dict = {}
        if changes.title is not None:
            title = _text("input.title", changes.title).strip()
            if len(title) > MAX_TITLE:
                raise _err("input.title", f"must be at most {MAX_TITLE} characters (got {len(title)})")
            values["title"] = title
        method = changes.calculation_method or row.calculation_method
        if changes.calculation_int is not None or method != row.calculation_method:
            # docs/behaviour.md §1.1: a new method without an int takes the new method's default int
            field = "input.calculationInt" if changes.calculation_int is not None else "input.calculationMethod"
            try:
                values["calculation_method"], values["calculation_int"] = validate_calculation(
                    method, changes.calculation_int)
            except CalculationError as e:
                raise _err(field, str(e)) from None
        if changes.tie_break is not None or method != row.calculation_method:
            # docs/methods.md §2.2: a new method without a tie rule takes its default (MODE: higher)
            try:
                values["tie_break"] = validate_tie_break(method, changes.tie_break)
            except CalculationError as e:
                raise _err("input.tieBreak", str(e)) from None
        if changes.minimum_evidence is not None:
            try:
                values["minimum_evidence"] = validate_minimum_evidence(changes.minimum_evidence)
            except CalculationError as e:
                raise _err("input.minimumEvidence", str(e)) from None
        if changes.ratings is not None:
            ratings = _outcome_ratings(changes.ratings, "input.ratings")
            values["ratings"] = ratings
            values["points_possible"] = ratings[0]["points"]  # docs/behaviour.md §4.1: the highest rating's points
        if changes.points_possible is not None:
            values["points_possible"] = _number("input.pointsPossible", changes.points_possible)
        if changes.mastery_points is not None:
            values["mastery_points"] = _number("input.masteryPoints", changes.mastery_points)
        if not values:
            return []
        await conn.execute(update(o).where(o.id == outcome_id).values(**values))
        scoring = ("ratings", "points_possible", "mastery_points", "calculation_method", "calculation_int",
                   "tie_break", "minimum_evidence")
        if any(k in values and values[k] != getattr(row, k) for k in scoring):
            return await rescore(conn, courses, delay)
        await bump_data_version(conn, courses)  # a title shows wherever the outcome does
        return []

    return await write_transaction(engine, work)


async def set_mastery_scale(engine: AsyncEngine, course_id: int, ratings: Sequence[RatingInput] | None,
                            delay: float) -> list[int]:
    """Sets (or with None removes) the course's mastery scale (docs/behaviour.md §4.2); returns the job queued."""
    scale = None if ratings is None else check_mastery_scale(ratings)
    s = m.MasteryScale

    async def work(conn):
        await locks.lock(conn, locks.COURSE_WRITES, course_id)
        await conn.execute(delete(s).where(s.course_id == course_id))
        if scale is not None:
            await conn.execute(insert(s).values(course_id=course_id, **scale))
        return await rescore(conn, [course_id], delay)

    return await write_transaction(engine, work)


async def set_calculation_method(engine: AsyncEngine, course_id: int, method: str | None, calc_int: int | None,
                                 delay: float, tie_break: str | None = None,
                                 minimum_evidence: int | None = None) -> list[int]:
    """Sets (or with a null method removes) the course's calculation method (docs/behaviour.md §4.2) with its
    parameters (docs/methods.md)."""
    c = m.CourseCalculationMethod
    if method is None:
        for argument, value in (("calculationInt", calc_int), ("tieBreak", tie_break),
                                ("minimumEvidence", minimum_evidence)):
            if value is not None:
                raise _err(argument, "a calculation value needs a calculation method")
    else:
        try:
            method, calc_int = validate_calculation(method, calc_int)
        except CalculationError as e:
            raise _err("calculationInt" if calc_int is not None else "method", str(e)) from None
        try:
            tie_break = validate_tie_break(method, tie_break)
        except CalculationError as e:
            raise _err("tieBreak", str(e)) from None
        try:
            minimum_evidence = validate_minimum_evidence(minimum_evidence)
        except CalculationError as e:
            raise _err("minimumEvidence", str(e)) from None

    async def work(conn):
        await locks.lock(conn, locks.COURSE_WRITES, course_id)
        await conn.execute(delete(c).where(c.course_id == course_id))
        if method is not None:
            await conn.execute(insert(c).values(course_id=course_id, method=method, calculation_int=calc_int,
                                                tie_break=tie_break, minimum_evidence=minimum_evidence))
        return await rescore(conn, [course_id], delay)

    return await write_transaction(engine, work)


async def assign_outcome_order(engine: AsyncEngine, course_id: int, user_id: int,
                               order: Sequence[tuple[int, int]]) -> None:
    """Replaces the user's saved outcome order in the course (docs/behaviour.md §5.2); the caller gives each
    outcome once. Every outcome must be linked in the course."""
    oo = m.OutcomeOrder

    async def work(conn):
        await locks.lock(conn, locks.COURSE_WRITES, course_id)
        linked = {row[0] for row in await conn.execute(
            select(m.OutcomeLink.outcome_id).where(m.OutcomeLink.course_id == course_id))}
        unlinked = [outcome_id for outcome_id, _ in order if outcome_id not in linked]
        if unlinked:
            raise NOT_IN_COURSE(id=unlinked[0])
        await conn.execute(delete(oo).where(oo.course_id == course_id, oo.user_id == user_id))
        if order:
            await conn.execute(insert(oo), [{"course_id": course_id, "user_id": user_id, "outcome_id": o,
                                             "position": p} for o, p in order])
        await bump_data_version(conn, [course_id])

    await write_transaction(engine, work)
