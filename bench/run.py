"""Benchmark harness (docs/performance.md): floor vs product per workload, same run, same numbers.

    python bench/run.py --scale smoke|full [--only B2,B3] [--json out.json]

Smoke (CI, < 30 s) gates on equal results and SQL-statement counts only; full prints the goals.
Exit status: 1 when results differ or a statement/memory gate fails (any scale), or, with
--strict, when a full-scale goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import dataset  # noqa: E402
import report  # noqa: E402

OUT = BENCH / "out"
ORDER = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B12", "B9", "B10", "B11"]


def prepare(out: Path, scale: str, seed: int, rebuild: bool) -> tuple[Path, dict]:
    """A working copy of the seeded database (the template is built once per scale and seed)."""
    template = out / f"{scale}-seed{seed}.db"
    facts: dict = {"scale": scale, "seed": seed, "students": dataset.SCALES[scale][0],
                   "outcomes": dataset.SCALES[scale][1], "results_per_pair": dataset.SCALES[scale][2]}
    if rebuild or scale == "smoke" or not template.exists():
        t0 = time.perf_counter()
        d = dataset.build(scale, seed)
        facts["generate_s"] = time.perf_counter() - t0
        facts.update(dataset.write_sqlite(d, template))
        facts["load_total_s"] = time.perf_counter() - t0
    else:
        facts["cached_template"] = str(template)
    work = out / f"run-{scale}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, work)
    return work, facts


async def measure(args, work: Path, selected: list[str]) -> tuple[list[dict], str, set[str]]:
    import floor_rollups
    import product
    import workloads

    con = floor_rollups.connect(work)
    records: list[dict] = []
    async with product.running(str(work), dataset.TEACHER_ID) as prod:
        fields = await prod.fields()
        bench = workloads.Bench(work, con, prod, fields, args.scale, args.runs)
        for wid in [w for w in ORDER if w in selected and w in workloads.WORKLOADS]:
            print(f"  {wid} ...", file=sys.stderr, flush=True)
            rec = await workloads.WORKLOADS[wid](bench)
            bench.results[wid] = rec
            records.append(rec)
        token = prod.headers[1][1].decode().split(" ", 1)[1]
    con.close()
    return records, token, fields


def child(what: str, db: Path) -> None:
    """Work measured in its own process (for its peak RSS)."""
    from outcome_graph.db.engine import create_engine, writer
    from outcome_graph.db.rollup_store import recompute

    async def b5():
        engine = create_engine(f"sqlite+aiosqlite:///{db}")
        try:
            async with writer(engine).begin() as conn:
                await recompute(conn, dataset.COURSE_ID)
        finally:
            await engine.dispose()

    assert what == "b5"
    asyncio.run(b5())


def time_import(out: Path, scale: str, seed: int) -> dict:
    """`outcome-graph import` of the course as a bundle, in its own process (wall time, peak RSS)."""
    import subprocess

    d = dataset.build(scale, seed)
    bundle = out / f"{scale}-seed{seed}.json"
    write_s = dataset.write_bundle(d, bundle)
    target = out / "import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    exe = Path(sys.executable).with_name("outcome-graph")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "import", str(bundle), "--database", f"sqlite:///{target}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    tail = proc.stderr.read().decode().strip().splitlines()[-1:]
    return {"results": len(d.results), "bundle_mb": bundle.stat().st_size / 1e6, "write_bundle_s": write_s,
            "import_s": wall, "import_peak_rss_mb": usage.ru_maxrss / 1024, "exit": status,
            "message": tail[0] if tail else ""}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=dataset.SCALES, default="smoke")
    ap.add_argument("--only", help="comma-separated workload ids, e.g. B2,B3")
    ap.add_argument("--json", type=Path, help="write the results here (default <out>/<scale>.json)")
    ap.add_argument("--out", type=Path, default=OUT, help="working directory for databases (default bench/out)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per side (at least 5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the seeded database even if cached")
    ap.add_argument("--http-seconds", type=float, default=10.0, help="duration of each wrk run")
    ap.add_argument("--import-bundle", action="store_true", help="also time `outcome-graph import` of the bundle")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a full-scale goal is missed")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.db)
        return 0
    args.runs = max(5, args.runs)
    selected = ORDER if not args.only else [w.strip().upper() for w in args.only.split(",")]
    unknown = [w for w in selected if w not in ORDER]
    if unknown:
        ap.error(f"unknown workloads: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"dataset {args.scale} (seed {args.seed}) ...", file=sys.stderr, flush=True)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    work, facts = prepare(args.out, args.scale, args.seed, args.rebuild)
    facts["load_average_at_start"] = load_at_start
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        records, token, fields = runner.run(measure(args, work, selected))
    import web

    out = args.json or args.out / f"{args.scale}.json"
    report.write_json(out, report.finish(records, facts, args, time.perf_counter() - started))  # partial, so far
    timed = args.scale != "smoke"
    print("  HTTP ...", file=sys.stderr, flush=True)
    try:
        records += web.run(selected, work, dataset.COURSE_ID, token, args.out, timed, args.http_seconds, args.runs,
                           fields)
    except Exception as e:  # a server that fails or hangs is a failed gate, not a lost run
        rec = {"id": "HTTP", "workload": "B10/B11 servers", "goal": "-", "status": "FAIL", "correct": False,
               "notes": [], "gates": [f"HTTP phase failed: {type(e).__name__}: {e}"]}
        records.append(rec)
    if args.import_bundle:
        print("  import ...", file=sys.stderr, flush=True)
        facts["import"] = time_import(args.out, args.scale, args.seed)
    result = report.finish(records, facts, args, time.perf_counter() - started)
    report.write_json(out, result)
    print(report.table(result))
    print(f"\nJSON: {out}")
    failed = [r["id"] for r in records if r["gates"]]
    missed = [r["id"] for r in records if r.get("goal_met") is False]
    if failed:
        print(f"FAILED gates: {', '.join(failed)}", file=sys.stderr)
        return 1
    if args.strict and timed and missed:
        print(f"goals missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
