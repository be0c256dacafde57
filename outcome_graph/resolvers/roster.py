"""A course's roster (its non-deleted enrollments, each with its user's name key), kept per data version of the
course: a gradebook page of 20 students is cut from the whole roster (order, totalCount, section filter), and
reading 2,000 enrollments and names on every page cost more than the page (docs/performance.md, "Rosters").

Enrollments and names change only through an import, which bumps the data version of the course and of every
other course enrolling a user whose sort name it changes (db/importer.py): an entry under the versions of the
course row the request read is current. One cache per engine, shared by its requests, as resolvers/counts.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select

from outcome_graph.db import models as m
from outcome_graph.db.batch import ENROLLMENT
from outcome_graph.lru import PerDatabase

MAX_COURSES = 64
MAX_BYTES = 64 * 2**20
_ROW_BYTES = 400  # an enrollment row, its name key and its share of the memos, roughly
MAX_SELECTIONS = 32  # selections memoised per roster (a course's sections and limited graders' scopes)
_CACHES = PerDatabase(MAX_COURSES, MAX_BYTES)

_ROSTER = (select(*ENROLLMENT, m.User.name_key).join(m.User, m.User.id == m.Enrollment.user_id)
           .where(m.Enrollment.course_id == bindparam("course"), m.Enrollment.state != "deleted")
           .order_by(m.Enrollment.id))


@dataclass(eq=False)
class Roster:
    """Shared by every request that reads the course at these versions: never changed after it is built,
    except for its memo of selections (built from it alone)."""

    enrollments: tuple  # rows of db.batch.ENROLLMENT (and name_key), in id order
    name_keys: dict[int, str]  # users.name_key of each enrolled user: the STUDENT sort key
    selections: dict[Any, Any] = field(default_factory=dict)

    @property
    def student_ids(self) -> frozenset[int]:
        """Users with a (non-deleted) student enrollment in the course."""
        return self.memo("student ids", lambda: frozenset(e.user_id for e in self.enrollments if e.role == "student"))

    def memo(self, key: Any, build) -> Any:
        """build()'s value for key, kept with the roster (up to MAX_SELECTIONS keys)."""
        found = self.selections.get(key)
        if found is None:
            found = build()
            if len(self.selections) < MAX_SELECTIONS:
                self.selections[key] = found
        return found


EMPTY = Roster((), {})


async def course_roster(ctx, course_id: int) -> Roster:
    """The course's roster as of the course row this request read (EMPTY for no such course)."""
    course = await ctx.loaders.course_by_id.load(course_id)
    if course is None:
        return EMPTY
    key = (course_id, course.data_version, course.scoring_version)
    cache = _CACHES.of(ctx.engine)
    roster = cache.get(key)
    if roster is None:
        rows = await ctx.reader.rows(_ROSTER, {"course": course_id})
        roster = Roster(tuple(rows), {row.user_id: row.name_key for row in rows})
        cache.put(key, roster, _ROW_BYTES * (len(rows) + 1))
    return roster
