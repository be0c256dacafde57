"""ContributingScores: what each alignment contributed to an outcome, per student (docs/behaviour.md §5.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from outcome_graph.resolvers.assets import ASSET_TYPE_NAMES
from outcome_graph.resolvers.contributing import Contributing
from outcome_graph.schema.outcome import Alignment, Outcome, alignment_of
from outcome_graph.resolvers.times import utc
from outcome_graph.schema.user import User


@strawberry.type(description="An alignment that contributes to the outcome.")
class ContributingAlignment:
    alignment_id: str = strawberry.field(
        description="D_<alignment id> for a direct alignment, I_<quiz id> for a quiz's (indirect) one.")
    associated_asset_id: strawberry.ID = strawberry.field(description="Id of the aligned thing.")
    associated_asset_name: str = strawberry.field(description="Its name.")
    associated_asset_type: str = strawberry.field(description="Its Canvas type, e.g. Assignment.")
    html_url: Optional[str] = strawberry.field(description="Where it lives.")
    published: bool = strawberry.field(description="Whether it is published.")


@strawberry.type(description="A student's raw score on one contributing alignment.")
class ContributingScore:
    alignment_id: str = strawberry.field(
        description="The ContributingAlignment's alignmentId: D_<id> is the Alignment with that id; I_<quiz id> "
                    "groups a quiz's alignments through its question banks (see alignment).")
    score: Optional[float] = strawberry.field(description="The result's raw score (not rescaled).")
    submitted_or_assessed_at: Optional[datetime] = strawberry.field(description="When it was submitted or assessed.")
    # A plain attribute, not a resolver: one per score of every student (docs/conventions.md §13).
    user_id: strawberry.ID = strawberry.field(description="The student's id.")
    _user_id: strawberry.Private[int]
    _alignment_row_id: strawberry.Private[int]

    @strawberry.field(description="The Alignment the result was recorded on: for D_<id>, Alignment <id>; for "
                                  "I_<quiz id>, the quiz's alignment (through one of its banks) that holds this "
                                  "result. Null only if that alignment is gone.")
    def alignment(self, info: strawberry.Info) -> Optional[Alignment]:
        return alignment_of(info.context.loaders, self._alignment_row_id)

    @strawberry.field(description="The student.")
    async def user(self, info: strawberry.Info) -> User:
        return User.from_row(await info.context.loaders.user_by_id.load(self._user_id))


@strawberry.type(description="An outcome's contributing alignments and the selected students' scores on them.")
class ContributingScores:
    alignments: list[ContributingAlignment] = strawberry.field(description="Contributing alignments.")
    scores: list[ContributingScore] = strawberry.field(description="Scores, by student then alignment.")
    _outcome_id: strawberry.Private[int]
    _course_id: strawberry.Private[int]

    @classmethod
    def from_result(cls, course_id: int, c: Contributing) -> "ContributingScores":
        ids = c.labels
        user_ids = {uid: strawberry.ID(str(uid)) for uid in {s[0] for s in c.scores}}  # one str per student
        return cls(
            alignments=[ContributingAlignment(
                alignment_id=a.alignment_id, associated_asset_id=strawberry.ID(str(a.asset.id)),
                associated_asset_name=a.asset.name, associated_asset_type=ASSET_TYPE_NAMES[a.asset.type],
                html_url=a.asset.html_url, published=bool(a.asset.published)) for a in c.alignments],
            scores=[ContributingScore(alignment_id=ids[aid], score=score, submitted_or_assessed_at=utc(at),
                                      user_id=user_ids[uid], _user_id=uid, _alignment_row_id=aid)
                    for uid, aid, score, at in c.scores],
            _outcome_id=c.outcome_id, _course_id=course_id)

    @strawberry.field(description="The outcome.")
    async def outcome(self, info: strawberry.Info) -> Outcome:
        return Outcome.from_row(await info.context.loaders.outcome_by_id.load(self._outcome_id), self._course_id)
