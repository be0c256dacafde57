"""Profile one workload's product side in process with pyinstrument (not a project dependency).

    .venv/bin/pip install pyinstrument
    python bench/profile_product.py B8 [--scale full] [--repeat 3] [--html out.html]

Uses the database `run.py` left in bench/out/ (run it first).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import dataset  # noqa: E402
import product  # noqa: E402
import queries  # noqa: E402
from workloads import alignment_id, sort_outcome  # noqa: E402

C = str(dataset.COURSE_ID)
REQUESTS = {
    "B2": (queries.ROLLUP_PAGE, {"course": C, "first": 20}),
    "B3": (queries.ROLLUP_PAGE, {"course": C, "first": 100}),
    "B4": (queries.AGGREGATE, {"course": C}),
    "B6": (queries.ROLLUP_SORTED, {"course": C, "first": 100, "outcome": str(sort_outcome())}),
    "B7": (queries.CONTRIBUTING, {"course": C, "outcome": str(sort_outcome())}),
    "B8": (queries.RESULTS, {"course": C, "first": 10_000}),
    "B10": (queries.TRIVIAL, {"course": C}),
}
# B9 writes one result again and again (the same pair, the score it already has: the rollup is rewritten alike).
WRITES = {"B9": (queries.RECORD, {"course": C, "results": [{
    "userId": str(dataset.FIRST_STUDENT), "alignmentId": str(alignment_id(0, 0)), "score": 3.0, "possible": 4.0,
    "submittedAt": "2026-06-01T00:00:00+00:00"}]})}


def _deep_page(db: Path) -> tuple[str, dict]:
    """B12: a page of 100 results deep in the course, by cursor (as workloads.b12 sends it)."""
    import floor_rollups
    import floors
    from outcome_graph.resolvers.paging import encode_cursor

    cursor = floors.deep_cursor(floor_rollups.connect(db), dataset.COURSE_ID)
    return queries.DEEP_PAGE, {"course": C, "first": 100, "after": encode_cursor("result", cursor)}


async def main(args) -> None:
    from pyinstrument import Profiler

    db = BENCH / "out" / f"run-{args.scale}.db"
    async with product.running(str(db), dataset.TEACHER_ID) as prod:
        if args.workload == "B5":
            from outcome_graph.db.engine import writer
            from outcome_graph.db.rollup_store import recompute

            async def once():
                async with writer(prod.engine).begin() as conn:
                    await recompute(conn, dataset.COURSE_ID)
        else:
            query, variables = {**REQUESTS, **WRITES}[args.workload] if args.workload != "B12" else _deep_page(db)

            async def once():
                await prod.post(query, variables)
        await once()  # warm-up
        profiler = Profiler(async_mode="enabled", interval=0.001)
        profiler.start()
        for _ in range(args.repeat):
            await once()
        profiler.stop()
    if args.html:
        args.html.write_text(profiler.output_html())
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", choices=sorted([*REQUESTS, *WRITES, "B5", "B12"]))
    ap.add_argument("--scale", default="full")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--html", type=Path)
    asyncio.run(main(ap.parse_args()))
