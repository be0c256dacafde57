"""Course.contributingScores: an outcome's alignments and each student's raw score on them (docs/behaviour.md §5.1)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, func, select

from outcome_graph.db import models as m
from outcome_graph.db.results import counted
from outcome_graph.errors import Mistake, NotFound
from outcome_graph.resolvers.access import require_grader
from outcome_graph.resolvers.assets import ASSIGNMENT_TYPES
from outcome_graph.resolvers.inputs import ContributingQuery
from outcome_graph.resolvers.students import select_students

OUTCOME_NOT_IN_CONTEXT = Mistake(NotFound, "outcomeId", "outcomeId: outcome {id} is not linked in this course",
                                 canvas="outcome not found in this context")
DIRECT_TYPES = ("assignment", "rubric", "question_bank", "discussion")


@dataclass
class ContributingAlignment:
    alignment_id: str  # D_<alignment id> direct, I_<quiz id> indirect (docs/behaviour.md §5.1)
    alignment_row_id: int
    asset: object


@dataclass
class Contributing:
    outcome_id: int
    alignments: list[ContributingAlignment]  # de-duplicated by alignment_id (docs/behaviour.md §5.1)
    scores: list  # rows: user_id, alignment_id, score, submitted_or_assessed_at (naive UTC, text on SQLite)
    labels: dict[int, str]  # alignment row id -> the listed alignment_id its results count under


async def contributing_scores(ctx, q: ContributingQuery) -> Contributing:
    """The outcome's alignments in the course and the selected students' scores on them (graders only)."""
    course_id, oid = q.course_id, q.outcome_id
    access = await require_grader(ctx, course_id)
    links = await ctx.loaders.links_by_course.load(course_id)
    if all(link.outcome_id != oid for link in links):
        raise OUTCOME_NOT_IN_CONTEXT(id=oid)
    students = await select_students(ctx, access, q.user_ids, None)
    rows = await ctx.loaders.alignments_by_course_outcome.load((course_id, oid))
    ctx.loaders.alignment_by_id.prime_many({r.id: r for r in rows})  # ContributingScore.alignment reads them
    assets = await ctx.loaders.asset_by_id.load_many([r.asset_id for r in rows])
    alignments, labels = [], {}
    for row, asset in zip(rows, assets):
        if q.only_assignment_alignments and asset.type not in ASSIGNMENT_TYPES:
            continue
        if not q.show_unpublished_assignments and not asset.published:
            continue
        # Quizzes count through their assignment: Canvas's indirect alignments (docs/behaviour.md §5.1).
        prefix = f"I_{asset.id}" if asset.type == "quiz" else f"D_{row.id}"
        # A quiz aligned through two banks is listed once (docs/behaviour.md §5.1 union).
        if prefix not in labels.values():
            alignments.append(ContributingAlignment(prefix, row.id, asset))
        labels[row.id] = prefix
    scores = []
    if labels and students.ids:
        r = m.OutcomeResult
        # The time as the driver gives it (SQLite text, parsed by utc() in C): SQLAlchemy's DateTime parse of
        # two columns per row cost more than the rest of the read.
        at = func.coalesce(r.submitted_at, r.assessed_at, type_=String).label("submitted_or_assessed_at")
        stmt = (select(r.user_id, r.alignment_id, r.score, at).join_from(r, m.Alignment, r.alignment_id == m.Alignment.id)
                .where(counted(course_id), r.outcome_id == oid, r.user_id.in_(students.ids),
                       r.alignment_id.in_(list(labels)))
                .order_by(r.user_id, r.alignment_id, r.id))
        scores = list(await ctx.reader.rows(stmt))
    return Contributing(oid, alignments, scores, labels)
