"""A join whose left side is the outer loop: how a page walks an index in its order (docs/performance.md,
"Paging results").

SQLite's planner, without statistics, prefers driving a join from an IN list and sorting everything that
matches; for a page of a big course that is the whole course. SQLite reads `CROSS JOIN ... ON` as an inner
join whose tables it must loop in the order written; other databases get a plain JOIN (PostgreSQL plans the
walk from its statistics and the LIMIT).
"""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join


class OuterFirst(Join):
    """An inner join of a table (left, the outer loop) with whatever it is joined to."""

    inherit_cache = True


@compiles(OuterFirst, "sqlite")
def _cross_join(join: OuterFirst, compiler, **kw) -> str:
    sql = compiler.visit_join(join, **kw)
    head, sep, tail = sql.partition(" JOIN ")  # the left side is one table: its own text holds no JOIN
    return f"{head} CROSS JOIN {tail}"


def outer_first(left, right, onclause) -> OuterFirst:
    return OuterFirst(left, right, onclause)
