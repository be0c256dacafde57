"""Behind the mutations: who may write, and GraphQL input turned into checked plain values for db/.

Inputs are read by attribute (the schema's input objects); nothing here imports the schema.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.db import scoring_writes, writes
from outcome_graph.db.scoring_writes import OutcomeChanges, RatingInput
from outcome_graph.db.writes import ResultInput
from outcome_graph.errors import BadUserInput, DomainError, Forbidden
from outcome_graph.resolvers.access import require_grader, require_teacher
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.inputs import UserRef
from outcome_graph.resolvers.outcomes import select_outcome_ids

MAX_RESULTS = 1000  # per recordOutcomeResults call; bigger loads go through `outcome-graph import`
MAX_IDS = 1000
ORDER_NEEDS_USER = ("An outcome order belongs to a user, and an admin token has none: "
                    "send the token of the teacher whose order this is.")
SHARED_OUTCOME = "this outcome is also used in courses you do not teach; only an admin may change it"


def forget(loader, key) -> None:
    """Drops a DataLoader's cached entry after a write (DataLoader.clear raises for an absent key)."""
    try:
        loader.clear(key)
    except KeyError:
        pass


def _bad(field: str, message: str) -> BadUserInput:
    return BadUserInput(f"{field}: {message}", argument=field)


def _id(value: Any, field: str) -> int:
    return parse_id(value, field)


def _finite(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not math.isfinite(value):
        raise _bad(field, f"must be a finite number (got {value})")
    return float(value)


def _not_negative(value: float | None, field: str) -> float | None:
    value = _finite(value, field)
    if value is not None and value < 0:
        raise _bad(field, f"must be at least 0 (got {value})")
    return value


def _positive(value: float | None, field: str) -> float | None:
    value = _finite(value, field)
    if value is not None and value <= 0:
        raise _bad(field, f"must be greater than 0 (got {value})")
    return value


def _utc(value: datetime | None, field: str) -> datetime | None:
    """Timezone-aware in, naive UTC out (how timestamps are stored)."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise _bad(field, f'timestamp {value.isoformat()!r} has no UTC offset; add one such as "Z" or "-06:00"')
    try:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise _bad(field, f"timestamp {value.isoformat()!r} is out of range") from None


def _text(value: str | None, field: str) -> str | None:
    """PostgreSQL text cannot hold NUL; refuse it on both databases alike."""
    if value is not None and "\x00" in value:
        raise _bad(field, "must not contain NUL characters")
    return value


def _user_ref(value: Any, field: str) -> tuple[int | None, str | None]:
    ref = UserRef.parse(value, field, allow_self=False)
    return ref.id, _text(ref.sis_user_id, field)


def result_input(path: str, x: Any) -> ResultInput:
    """One OutcomeResultInput checked for form; what it references is checked in its transaction."""
    user_id, sis = _user_ref(x.user_id, f"{path}.userId")
    return ResultInput(
        path=path, user_id=user_id, sis_user_id=sis,
        alignment_id=_id(x.alignment_id, f"{path}.alignmentId"),
        outcome_id=None if x.outcome_id is None else _id(x.outcome_id, f"{path}.outcomeId"),
        # Above possible (and percent above 1) is extra credit, as in Canvas; below 0 and "out of 0" are nonsense.
        score=_not_negative(x.score, f"{path}.score"), possible=_positive(x.possible, f"{path}.possible"),
        percent=_not_negative(x.percent, f"{path}.percent"), mastery=x.mastery, posted=x.posted,
        submitted_at=_utc(x.submitted_at, f"{path}.submittedAt"),
        assessed_at=_utc(x.assessed_at, f"{path}.assessedAt"),
        hidden=x.hidden, hide_points=x.hide_points, title=_text(x.title, f"{path}.title"))


async def record_outcome_results(ctx, raw_course_id: Any, results: list) -> list:
    """recordOutcomeResults: graders and admins; all results or none (docs/behaviour.md §2.2, §2.5)."""
    course_id = parse_id(raw_course_id, "courseId")
    access = await require_grader(ctx, course_id)
    if len(results) > MAX_RESULTS:
        raise _bad("results", f"at most {MAX_RESULTS} results per call (got {len(results)})")
    items = [result_input(f"results[{i}]", x) for i, x in enumerate(results)]
    if not items:
        return []
    return await writes.record_results(ctx.engine, course_id, items, access.sees_sections)


def _result_ids(raw: list) -> list[int]:
    if len(raw) > MAX_IDS:
        raise _bad("resultIds", f"at most {MAX_IDS} ids per call (got {len(raw)})")
    return [_id(v, f"resultIds[{i}]") for i, v in enumerate(raw)]


async def set_outcome_results_hidden(ctx, raw_course_id: Any, raw_ids: list, hidden: bool) -> list:
    course_id = parse_id(raw_course_id, "courseId")
    access = await require_grader(ctx, course_id)
    ids = _result_ids(raw_ids)
    if not ids:
        return []
    return await writes.set_results_hidden(ctx.engine, course_id, ids, bool(hidden), access.sees_sections)


async def delete_outcome_results(ctx, raw_course_id: Any, raw_ids: list) -> list[int]:
    course_id = parse_id(raw_course_id, "courseId")
    access = await require_grader(ctx, course_id)
    ids = _result_ids(raw_ids)
    if not ids:
        return []
    return await writes.delete_results(ctx.engine, course_id, ids, access.sees_sections)


async def assign_outcome_order(ctx, raw_course_id: Any, order: list) -> tuple[int, list]:
    """assignOutcomeOrder (docs/behaviour.md §5.2): replaces the viewer's order; returns (course id, outcome rows
    in order)."""
    course_id = parse_id(raw_course_id, "courseId")
    access = await require_grader(ctx, course_id)
    if access.user_id is None:
        raise BadUserInput(ORDER_NEEDS_USER)
    pairs = _order(order)
    await scoring_writes.assign_outcome_order(ctx.engine, course_id, access.user_id, pairs)
    forget(ctx.loaders.outcome_order_by_course_user, (course_id, access.user_id))
    ids = await select_outcome_ids(ctx, course_id, None, None)
    return course_id, await ctx.loaders.outcome_by_id.load_many(ids)


def _order(order: list) -> list[tuple[int, int]]:
    """(outcome, position) pairs: each outcome once, each position once and at least 0, so the order is one order."""
    pairs: list[tuple[int, int]] = []
    outcomes: set[int] = set()
    positions: set[int] = set()
    for i, x in enumerate(order):
        outcome_id = _id(x.outcome_id, f"order[{i}].outcomeId")
        if outcome_id in outcomes:
            raise _bad(f"order[{i}].outcomeId", f"outcome {outcome_id} is already placed earlier in the order")
        if x.position < 0:
            raise _bad(f"order[{i}].position", f"must be at least 0 (got {x.position})")
        if x.position in positions:
            raise _bad(f"order[{i}].position", f"position {x.position} is already taken earlier in the order")
        outcomes.add(outcome_id)
        positions.add(x.position)
        pairs.append((outcome_id, x.position))
    return pairs


def _ratings(raw: list | None) -> list[RatingInput] | None:
    if raw is None:
        return None
    return [RatingInput(description=x.description, points=x.points, mastery=bool(getattr(x, "mastery", False)),
                        color=getattr(x, "color", None)) for x in raw]


async def _require_all_taught(ctx, outcome_id: int) -> None:
    """Changing a shared outcome changes other courses' rollups: their teachers (or an admin) only."""
    async with ctx.reader.connection() as conn:
        courses = await scoring_writes.courses_using(conn, outcome_id)
    for course_id in courses:
        try:
            await require_teacher(ctx, course_id)
        except DomainError:
            raise Forbidden(SHARED_OUTCOME) from None


async def update_outcome(ctx, raw_course_id: Any, raw_outcome_id: Any, x: Any):
    """updateOutcome: Canvas's method/int rules (docs/behaviour.md §1.1); returns (course id, the outcome row)."""
    course_id = parse_id(raw_course_id, "courseId")
    await require_teacher(ctx, course_id)
    outcome_id = parse_id(raw_outcome_id, "outcomeId")
    link = (await ctx.reader.first(select(m.OutcomeLink.id).where(
        m.OutcomeLink.course_id == course_id, m.OutcomeLink.outcome_id == outcome_id)))
    if link is not None:
        await _require_all_taught(ctx, outcome_id)
    changes = OutcomeChanges(
        calculation_method=getattr(x.calculation_method, "value", x.calculation_method),  # the enum's stored name
        calculation_int=x.calculation_int,
        tie_break=getattr(x.tie_break, "value", x.tie_break), minimum_evidence=x.minimum_evidence,
        ratings=_ratings(x.ratings), points_possible=_finite(x.points_possible, "input.pointsPossible"),
        mastery_points=_finite(x.mastery_points, "input.masteryPoints"), title=x.title)
    await scoring_writes.update_outcome(ctx.engine, course_id, outcome_id, changes, ctx.settings.job_delay_seconds)
    forget(ctx.loaders.outcome_by_id, outcome_id)
    forget(ctx.loaders.overrides_by_course, course_id)
    return course_id, await ctx.loaders.outcome_by_id.load(outcome_id)


async def set_course_mastery_scale(ctx, raw_course_id: Any, ratings: list | None):
    course_id = parse_id(raw_course_id, "courseId")
    await require_teacher(ctx, course_id)
    await scoring_writes.set_mastery_scale(ctx.engine, course_id, _ratings(ratings), ctx.settings.job_delay_seconds)
    return await _fresh_course(ctx, course_id)


async def set_course_calculation_method(ctx, raw_course_id: Any, method: str | None, calc_int: int | None,
                                        tie_break: str | None = None, minimum_evidence: int | None = None):
    course_id = parse_id(raw_course_id, "courseId")
    await require_teacher(ctx, course_id)
    await scoring_writes.set_calculation_method(ctx.engine, course_id, method, calc_int,
                                                ctx.settings.job_delay_seconds, tie_break, minimum_evidence)
    return await _fresh_course(ctx, course_id)


async def _fresh_course(ctx, course_id: int):
    """The course row after a write, with its overrides reloaded for the fields read next."""
    forget(ctx.loaders.course_by_id, course_id)
    forget(ctx.loaders.overrides_by_course, course_id)
    return await ctx.loaders.course_by_id.load(course_id)
