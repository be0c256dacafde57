"""Counts over a whole course (a connection's totalCount), kept per data version of the course: paging through a
course counts it once, not on every page (docs/performance.md, "Paging results").

Every write of a course's data bumps its data or scoring version (db/writes.py, db/scoring_writes.py), so a count
is looked up under the versions of the course row the request read; an entry of an older version is never hit
again and leaves as the least recently used. One cache per engine (per database), shared by its requests.
"""

from __future__ import annotations

from typing import Hashable

from outcome_graph.lru import PerDatabase

MAX_ENTRIES = 4096
_ENTRY_BYTES = 200  # a key of a few ids and an int: bounded by entries in practice
_CACHES = PerDatabase(MAX_ENTRIES, MAX_ENTRIES * _ENTRY_BYTES)


async def count(ctx, course_id: int, key: Hashable, statement) -> int:
    """statement's count (one row, one column) for this course's current data; key says what it counts beside
    the course (its filters and the viewer's rights that shape them)."""
    course = await ctx.loaders.course_by_id.load(course_id)
    full_key = (course_id, course.data_version, course.scoring_version, key)
    cache = _CACHES.of(ctx.engine)
    found = cache.get(full_key)
    if found is None:
        found = int(await ctx.reader.scalar(statement))
        cache.put(full_key, found, _ENTRY_BYTES)
    return found
