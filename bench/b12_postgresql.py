"""B12 on PostgreSQL, in process: the deep page of 100 (docs/performance.md, "Paging results") against the same
walk read by asyncpg and encoded by orjson, 20 alternating runs after one warm-up, answers compared.

    python bench/b12_postgresql.py [DATABASE]   # a database the peer script loaded (default og_bench)
"""
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import asyncpg  # noqa: E402
import orjson  # noqa: E402

import dataset  # noqa: E402
import floor_rollups  # noqa: E402
import floors  # noqa: E402
import product  # noqa: E402
import queries  # noqa: E402
from measure import same  # noqa: E402
from outcome_graph.resolvers.paging import encode_cursor  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/" + (sys.argv[1] if len(sys.argv) > 1 else "og_bench")
WALK = """SELECT r.id, r.score, r.percent, COALESCE(r.submitted_at, r.assessed_at), r.outcome_id, r.user_id, u.name,
  r.alignment_id FROM users u JOIN outcome_results r ON r.user_id = u.id JOIN alignments al ON al.id = r.alignment_id
  WHERE r.course_id = $1 AND NOT r.deleted AND NOT r.hidden AND NOT al.deleted
  AND r.outcome_id IN (SELECT outcome_id FROM outcome_links WHERE course_id = $1)
  AND u.id + 0 IN (SELECT user_id FROM enrollments WHERE course_id = $1 AND role = 'student' AND state != 'deleted')
  AND (u.name_key, u.id) >= ((SELECT name_key FROM users WHERE id = $2), $2)
  AND ((u.name_key, u.id) > ((SELECT name_key FROM users WHERE id = $2), $2) OR (r.outcome_id, r.id) > ($3, $4))
  ORDER BY u.name_key, u.id, r.outcome_id, r.id LIMIT $5"""


async def main():
    con = floor_rollups.connect(str(Path(__file__).resolve().parent / "out" / "run-full.db"))
    cursor = floors.deep_cursor(con, dataset.COURSE_ID)
    titles = dict(floor_rollups.linked_outcomes(con, dataset.COURSE_ID))
    pg = await asyncpg.connect(PG)

    async def floor():
        rows = await pg.fetch(WALK, dataset.COURSE_ID, cursor[0], cursor[1], cursor[2], 101)
        edges = [{"node": {"id": str(i), "score": s, "percent": p, "submittedOrAssessedAt": floor_rollups.iso(
            at.isoformat(sep=" ") if at else None), "outcome": {"id": str(o), "title": titles[o]},
            "user": {"id": str(u), "name": n}, "alignment": {"id": str(a)}}} for i, s, p, at, o, u, n, a in rows[:100]]
        return orjson.dumps({"data": {"course": {"outcomeResults": {
            "pageInfo": {"hasNextPage": len(rows) > 100, "endCursor": "floor"}, "edges": edges}}}})

    v = {"course": str(dataset.COURSE_ID), "first": 100, "after": encode_cursor("result", cursor)}
    async with product.running("unused", dataset.TEACHER_ID, 
                               database_url=PG.replace("postgresql", "postgresql+asyncpg")) as prod:
        f, p = [], []
        for i in range(21):
            t = time.perf_counter(); fo = await floor(); f.append(time.perf_counter() - t)
            t = time.perf_counter(); po = await prod.post(queries.DEEP_PAGE, v); p.append(time.perf_counter() - t)
        ok, why = same(orjson.loads(fo), orjson.loads(po))
        f, p = f[1:], p[1:]
        print(f"B12 on PostgreSQL: floor {statistics.median(f)*1e3:.2f} ms, product {statistics.median(p)*1e3:.2f} ms, "
              f"ratio {statistics.median(b / a for a, b in zip(f, p)):.2f}x, same answer: {ok} {why or ''}")
    await pg.close()

asyncio.run(main())
