"""Outcome, its ratings, groups, path and alignments."""

from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry.federation.schema_directives import Key

from outcome_graph.resolvers.access import entry_point, visible_alignment, visible_outcome
from outcome_graph.resolvers.assets import asset_string
from outcome_graph.resolvers.loaders import PENDING, loaded
from outcome_graph.resolvers.outcomes import (Level, effective, levels, outcome_alignments, outcome_link,
                                             outcome_path)
from outcome_graph.rollups import Scoring
from outcome_graph.schema.enums import CalculationMethod, TieBreak


@strawberry.type(description="One level of an outcome's rating scale, highest points first.")
class Rating:
    description: str = strawberry.field(description="What the level means, e.g. 'Meets Expectations'.")
    points: float = strawberry.field(description="Points of this level.")
    mastery: Optional[bool] = strawberry.field(
        default=None, description="Whether this is the mastery level (Outcome.ratings says how it is chosen).")
    color: Optional[str] = strawberry.field(
        default=None, description="Six-hex-digit colour; null where none is stored and Canvas has no default.")
    percent: Optional[int] = strawberry.field(
        default=None,
        description="Share of the selected students whose rollup falls in this level (docs/behaviour.md §4.4).")

    @classmethod
    def from_level(cls, level: Level, percent: int | None = None) -> "Rating":
        return cls(description=level.description, points=level.points, mastery=level.mastery, color=level.color,
                   percent=percent)


@strawberry.type(description="A part of an outcome's path: a group title or the outcome's own title.")
class OutcomePathPart:
    name: str = strawberry.field(description="Title of the group or outcome.")


@strawberry.type(description="The full path to an outcome: groups below the root, then the outcome.")
class OutcomePath:
    id: strawberry.ID = strawberry.field(description="The outcome's id.")
    parts: list[OutcomePathPart] = strawberry.field(description="Groups from below the root down to the outcome.")


@strawberry.type(description="An assessed thing (assignment, quiz, rubric…) aligned with an outcome.",
                 directives=[Key(fields="id")])
class Alignment:
    id: strawberry.ID = strawberry.field(description="The alignment's id (use it when recording results).")
    name: str = strawberry.field(description="Name of the aligned assignment, quiz or rubric.")
    html_url: Optional[str] = strawberry.field(description="Where the aligned thing lives.")
    asset_string: str = strawberry.field(description="Canvas's asset string, e.g. 'assignment_53'.")
    asset_type: str = strawberry.field(description="assignment, quiz, rubric, discussion or question_bank.")
    published: bool = strawberry.field(description="Whether the aligned thing is published.")
    mastery_score: Optional[float] = strawberry.field(
        description="The alignment's own mastery fraction (e.g. 0.7 for a bank aligned at 70 %).")
    _outcome_id: strawberry.Private[int]
    _course_id: strawberry.Private[int]

    @classmethod
    def from_rows(cls, alignment: Any, asset: Any) -> "Alignment":
        return cls(id=strawberry.ID(str(alignment.id)), name=asset.name, html_url=asset.html_url,
                   asset_string=asset_string(asset), asset_type=asset.type,
                   published=bool(asset.published), mastery_score=alignment.mastery_score,
                   _outcome_id=alignment.outcome_id, _course_id=alignment.course_id)

    @classmethod
    @entry_point("Alignment._entities")
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "Alignment | None":
        row = await visible_alignment(info.context, id)
        return None if row is None else cls.from_rows(row, await info.context.loaders.asset_by_id.load(row.asset_id))

    @strawberry.field(description="The aligned outcome, in the alignment's course.")
    async def outcome(self, info: strawberry.Info) -> "Outcome":
        return Outcome.from_row(await info.context.loaders.outcome_by_id.load(self._outcome_id), self._course_id)


def alignment_of(loaders, alignment_id: int):
    """The Alignment by id, synchronously when its row and asset are already loaded (a page primes them)."""
    row = loaded(loaders.alignment_by_id, alignment_id)
    asset = PENDING if row is PENDING or row is None else loaded(loaders.asset_by_id, row.asset_id)
    if row is None:
        return None
    if asset is not PENDING:
        return Alignment.from_rows(row, asset)

    async def later() -> Alignment | None:
        found = await loaders.alignment_by_id.load(alignment_id)
        return None if found is None else Alignment.from_rows(found, await loaders.asset_by_id.load(found.asset_id))

    return later()


async def alignments_from_rows(ctx, rows) -> list[Alignment]:
    assets = await ctx.loaders.asset_by_id.load_many([r.asset_id for r in rows])
    return [Alignment.from_rows(r, a) for r, a in zip(rows, assets)]


@strawberry.type(description="A learning outcome, e.g. 'Can spell out numbers'.", directives=[Key(fields="id")])
class Outcome:
    id: strawberry.ID = strawberry.field(description="The outcome's id.")
    title: str = strawberry.field(description="Title.")
    display_name: Optional[str] = strawberry.field(description="Friendly name, when set.")
    description: Optional[str] = strawberry.field(description="Description (HTML).")
    vendor_guid: Optional[str] = strawberry.field(description="Vendor identifier, when imported.")
    _row: strawberry.Private[Any]
    _course_id: strawberry.Private[Optional[int]]  # whose scale and method apply
    _scope: strawberry.Private[Optional[int]]  # whose tree (group, path) and alignments are shown
    _rating_percents: strawberry.Private[Optional[list[int]]] = None  # set by RollupConnection.outcomes

    @classmethod
    def from_row(cls, row: Any, course_id: int | None = None, *, scope: int | None = None) -> "Outcome":
        """course_id: the course it was reached through; scope: for an outcome reached without one, the
        viewer's course it is shown in (access.visible_outcome), never another course's tree."""
        return cls(id=strawberry.ID(str(row.id)), title=row.title, display_name=row.display_name,
                   description=row.description, vendor_guid=row.vendor_guid, _row=row, _course_id=course_id,
                   _scope=course_id if scope is None else scope)

    @classmethod
    def from_visible(cls, found) -> "Outcome | None":
        """From access.visible_outcome's (row, course) answer."""
        return None if found is None else cls.from_row(found[0], scope=found[1])

    @classmethod
    @entry_point("Outcome._entities")
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "Outcome | None":
        return cls.from_visible(await visible_outcome(info.context, id))

    async def effective_scoring(self, info) -> Scoring:
        """How the course it was reached through scores it (its scale and method win)."""
        return await effective(info.context, self._row, self._course_id)

    @strawberry.field(description="Highest rating's points (the course mastery scale's, when the outcome was "
                                  "reached through a course that has one, docs/behaviour.md §4.2).")
    async def points_possible(self, info: strawberry.Info) -> Optional[float]:
        return (await self.effective_scoring(info)).points_possible

    @strawberry.field(description="Points at which mastery is reached (course scale first, docs/behaviour.md §4.2).")
    async def mastery_points(self, info: strawberry.Info) -> Optional[float]:
        return (await self.effective_scoring(info)).mastery_points

    @strawberry.field(description="How results roll up (docs/behaviour.md §1); a course calculation method wins "
                                  "(docs/behaviour.md §4.2).")
    async def calculation_method(self, info: strawberry.Info) -> CalculationMethod:
        return CalculationMethod((await self.effective_scoring(info)).method)

    @strawberry.field(description="The method's parameter (decaying weight, n of n-mastery, N of the recent and "
                                  "highest averages); null for methods without one (docs/methods.md).")
    async def calculation_int(self, info: strawberry.Info) -> Optional[int]:
        return (await self.effective_scoring(info)).calc_int

    @strawberry.field(description="How the MODE method settles a tie; null for other methods (docs/methods.md §2.2).")
    async def tie_break(self, info: strawberry.Info) -> Optional[TieBreak]:
        e = await self.effective_scoring(info)
        return None if e.tie_break is None else TieBreak(e.tie_break)

    @strawberry.field(description="Results a student needs before the score is computed (null: no minimum); with "
                                  "fewer the score is null (docs/methods.md §5).")
    async def minimum_evidence(self, info: strawberry.Info) -> Optional[int]:
        return (await self.effective_scoring(info)).minimum_evidence

    @strawberry.field(description="Rating levels, highest points first (the course mastery scale's when it has "
                                  "one), each with its mastery flag and colour: the level where mastery begins "
                                  "(the lowest whose points reach masteryPoints) and the stored colour, else "
                                  "Canvas's default colour for that level. addDefaults applies Canvas's "
                                  "add_defaults rule instead; a course scale keeps its own flags (docs/gradebook.md).")
    async def ratings(self, info: strawberry.Info, add_defaults: bool = False) -> list[Rating]:
        e = await self.effective_scoring(info)
        percents = self._rating_percents or [None] * len(e.ratings)
        return [Rating.from_level(level, p) for level, p in zip(levels(e, add_defaults), percents)]

    @strawberry.field(description="The group this outcome is linked in (in the course it was reached through).")
    async def group(self, info: strawberry.Info) -> Optional["OutcomeGroup"]:
        link = await outcome_link(info.context, int(self.id), self._scope)
        if link is None or link.group_id is None:
            return None
        return OutcomeGroup.from_row(await info.context.loaders.group_by_id.load(link.group_id))

    @strawberry.field(description="Group titles from below the root group down to this outcome.")
    async def path(self, info: strawberry.Info) -> OutcomePath:
        link = await outcome_link(info.context, int(self.id), self._scope)
        names = await outcome_path(info.context, self.title, link)
        return OutcomePath(id=self.id, parts=[OutcomePathPart(name=n) for n in names])

    @strawberry.field(description="Active alignments of this outcome in the course it was reached through (or, "
                                  "reached without one, the first course linking it that the viewer takes part "
                                  "in); alignments to unpublished things for the course's graders only.")
    async def alignments(self, info: strawberry.Info) -> list[Alignment]:
        rows = await outcome_alignments(info.context, int(self.id), self._scope)
        return await alignments_from_rows(info.context, rows)


@strawberry.type(description="A folder of outcomes in a course's outcome tree.")
class OutcomeGroup:
    id: strawberry.ID = strawberry.field(description="The group's id.")
    title: str = strawberry.field(description="Title.")
    _row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> "OutcomeGroup":
        return cls(id=strawberry.ID(str(row.id)), title=row.title, _row=row)

    @strawberry.field(description="The enclosing group; null for the course's root group.")
    async def parent(self, info: strawberry.Info) -> Optional["OutcomeGroup"]:
        if self._row.parent_id is None:
            return None
        return OutcomeGroup.from_row(await info.context.loaders.group_by_id.load(self._row.parent_id))

    @strawberry.field(description="Groups directly inside this one.")
    async def children(self, info: strawberry.Info) -> list["OutcomeGroup"]:
        groups = await info.context.loaders.groups_by_course.load(self._row.course_id)
        return [OutcomeGroup.from_row(g) for g in groups if g.parent_id == self._row.id]

    @strawberry.field(description="Outcomes linked directly in this group, in link order.")
    async def outcomes(self, info: strawberry.Info) -> list[Outcome]:
        links = await info.context.loaders.links_by_course.load(self._row.course_id)
        ids = [link.outcome_id for link in links if link.group_id == self._row.id]
        rows = await info.context.loaders.outcome_by_id.load_many(ids)
        return [Outcome.from_row(r, self._row.course_id) for r in rows]
