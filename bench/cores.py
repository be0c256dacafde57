"""Every core: `outcome-graph serve --workers 1` against `--workers 2` (or more) on the same machine, same load.

    .venv/bin/python bench/cores.py [--workers 1,2] [--seconds 15] [--runs 3] [--connections 32]

On a copy of the full-scale benchmark database (bench/out/full-seed1.db: run `bench/run.py --scale full`
first), each `serve --workers N` in turn (response cache off, no job worker) is driven by wrk -c32 with two
requests: B10's trivial query and B11's gradebook page (20 students x 50 outcomes). Runs alternate between
the process counts; the table gives the median req/s and p50 of each and the ratio against one process.
A peer measured on this machine (bench/peers/) compares fairly with the row of the same number of cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import dataset  # noqa: E402
import queries  # noqa: E402
from http_load import Server, free_port, request_body, script, wrk, wrk_available  # noqa: E402

REQUESTS = {
    "B10 trivial query": (queries.TRIVIAL, {"course": str(dataset.COURSE_ID)}),
    "B11 gradebook page": (queries.ROLLUP_PAGE, {"course": str(dataset.COURSE_ID), "first": 20}),
}


def token_for(db: Path) -> str:
    return subprocess.run([sys.executable, "-m", "outcome_graph", "token", "create", "--user", str(dataset.TEACHER_ID),
                           "--database", f"sqlite:///{db}"], check=True, capture_output=True, text=True,
                          cwd=ROOT).stdout.strip()


def start(db: Path, workers: int, log: Path) -> Server:
    port = free_port()
    env = {**os.environ, "OUTCOME_GRAPH_RESPONSE_CACHE_SIZE": "0", "OUTCOME_GRAPH_RUN_WORKER": "false",
           "OUTCOME_GRAPH_MAX_COST": str(10**9)}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "outcome_graph", "serve", "--database", f"sqlite:///{db}",
                                 "--port", str(port), "--workers", str(workers)], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    server = Server(f"workers={workers}", port, proc)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{server.url}/healthz", timeout=1).read()
            return server
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    raise SystemExit(f"serve --workers {workers} did not start:\n{log.read_text()[-3000:]}")


def stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", default="1,2")
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--db", type=Path, default=BENCH / "out" / "full-seed1.db")
    args = p.parse_args(argv)
    if not wrk_available():
        return 2
    if not args.db.exists():
        raise SystemExit(f"{args.db} is missing: run `.venv/bin/python bench/run.py --scale full` first")
    counts = [int(x) for x in args.workers.split(",")]
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cores-") as tmp:
        work = Path(tmp)
        db = work / "cores.db"
        shutil.copy(args.db, db)
        token = token_for(db)
        results: dict[tuple[str, int], list] = {}
        for name, (query, variables) in REQUESTS.items():
            lua = script(work, name.split()[0], request_body(query, variables), token)
            for run in range(args.runs):
                for n in (counts if run % 2 == 0 else counts[::-1]):
                    server = start(db, n, work / "serve.log")
                    try:
                        wrk(server, lua, min(3.0, args.seconds), args.connections)  # warm-up
                        res = wrk(server, lua, args.seconds, args.connections)
                    finally:
                        stop(server)
                    if res.errors:
                        raise SystemExit(f"{name}, --workers {n}: {res.errors} errors")
                    results.setdefault((name, n), []).append(res)
    print(f"{os.cpu_count()} cores; load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
          f"at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; wrk -t1 -c{args.connections}, "
          f"{args.runs} x {args.seconds:g} s each, SQLite, response cache off\n")
    print("| request | serve --workers | req/s (median) | p50 ms | vs 1 process |")
    print("|---|---|---|---|---|")
    for name in REQUESTS:
        base = statistics.median(r.rps for r in results[(name, counts[0])])
        for n in counts:
            rps = statistics.median(r.rps for r in results[(name, n)])
            p50 = statistics.median(r.p50_s for r in results[(name, n)]) * 1000
            print(f"| {name} | {n} | {rps:,.1f} | {p50:.1f} | {rps / base:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
