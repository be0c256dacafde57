"""Where a request's time goes under load: py-spy samples `serve --workers 1` while wrk -c32 drives it.

    .venv/bin/pip install py-spy        (not a project dependency)
    .venv/bin/python bench/profile_load.py [B11|B10] [--seconds 15] [--top 25]

On a copy of the full-scale benchmark database (run `bench/run.py --scale full` first), as bench/cores.py
serves it (response cache off, no job worker). Prints the share of samples in each of the project's
functions (inclusive: the function or anything it calls) and the libraries' heaviest leaves (self time),
over every thread of the process: the event loop and aiosqlite's connection threads alike.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from cores import REQUESTS, start, stop, token_for  # noqa: E402
from http_load import request_body, script, wrk, wrk_available  # noqa: E402

WORKLOADS = {name.split()[0]: spec for name, spec in REQUESTS.items()}


def collapsed(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw output: one `frame;frame;... count` line per distinct stack, outermost frame first."""
    out = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            out.append((stack.split(";"), int(count)))
    return out


def report(stacks: list[tuple[list[str], int]], top: int) -> None:
    total = sum(n for _, n in stacks) or 1
    ours: collections.Counter = collections.Counter()
    leaves: collections.Counter = collections.Counter()
    for frames, n in stacks:
        functions = [re.sub(r":\d+\)$", ")", f) for f in frames]  # py-spy names the line: count the function
        for name in {f for f in functions if "outcome_graph/" in f}:  # once per stack: inclusive
            ours[name] += n
        leaves[functions[-1]] += n
    print(f"{total:,} samples\n\n| inclusive | project function |\n|---|---|")
    for name, n in ours.most_common(top):
        print(f"| {100 * n / total:.1f} % | `{name}` |")
    print("\n| self | leaf frame |\n|---|---|")
    for name, n in leaves.most_common(top):
        print(f"| {100 * n / total:.1f} % | `{name}` |")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", nargs="?", default="B11", choices=sorted(WORKLOADS))
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--db", type=Path, default=BENCH / "out" / "full-seed1.db")
    args = p.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("py-spy is missing: .venv/bin/pip install py-spy")
    if not wrk_available():
        return 2
    if not args.db.exists():
        raise SystemExit(f"{args.db} is missing: run `.venv/bin/python bench/run.py --scale full` first")
    query, variables = WORKLOADS[args.workload]
    with tempfile.TemporaryDirectory(prefix="profile-load-") as tmp:
        work = Path(tmp)
        db = work / "load.db"
        shutil.copy(args.db, db)
        lua = script(work, args.workload, request_body(query, variables), token_for(db))
        server = start(db, 1, work / "serve.log")
        try:
            wrk(server, lua, 3.0)  # warm-up
            # serve --workers 1 runs the app in its own process: the one to sample is its only child, if any
            children = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout
            pid = (children.split() or [str(server.proc.pid)])[0]
            raw = work / "stacks.txt"
            load = threading.Thread(target=wrk, args=(server, lua, args.seconds + 2))
            load.start()
            subprocess.run([spy, "record", "--pid", pid, "--duration", str(int(args.seconds)), "--rate", "200",
                            "--format", "raw", "--threads", "--output", str(raw), "--nonblocking"],
                           check=True, capture_output=True)
            load.join()
        finally:
            stop(server)
        print(f"{args.workload} under wrk -c32, serve --workers 1, {args.seconds:g} s sampled at 200 Hz\n")
        report(collapsed(raw), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
