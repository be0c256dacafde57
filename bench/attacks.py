"""A normal query's latency while each attack of issue 12 runs against the same server.

    .venv/bin/python bench/attacks.py [--seconds 5] [--header-mb 1] [--message-mb 3.7] [--json FILE]

Loopback only and bounded: `outcome-graph serve --demo` on a free 127.0.0.1 port (its own SQLite file in a
temporary directory, response cache off so the normal query does its work, no job worker). For each attack of
`attack_client.py`, one process sends it back to back on one connection (bytes built once: the attacker's own
CPU stays small and is printed) while this process times the README's gradebook query as the teacher, one
request at a time; a first round with no attack is the baseline. Prints p50/p99 of the normal query under each
attack (goal: p99 under 100 ms) and its ratio to the baseline; the server's CPU time while each normal query was
in flight (its threads' run time from /proc: what the latency would be on an otherwise idle machine, since on a
loaded one the wall time also counts the server waiting for a core); the server's CPU share over the round; and
what the attack got back. Exits 1 when an attack was not refused, a normal query failed or the server died. `refusal_cost.py` gives the
server's CPU per refused request.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loopback import free_port, percentile  # noqa: E402
from attack_client import (GRADEBOOK, Connection, catalogue, http_post, loop, process_cpu_seconds,  # noqa: E402
                           server_cpu_seconds)

CLI = [sys.executable, "-m", "outcome_graph"]
GOAL_MS = 100.0


def attacker(attack, port: int, stop, out) -> None:
    """Runs in its own process until told to stop; reports the answers counted and its own CPU seconds."""
    out.put(loop(attack, port, stop))


def time_normal(port: int, token: str, seconds: float, pid: int, failures: list[str],
                max_requests: int = 2_000) -> tuple[list[float], list[float]]:
    """The gradebook query one request at a time: (latencies, server CPU while each was in flight), in ms;
    answers other than its data go to `failures`."""
    request = http_post({"query": GRADEBOOK}, token)
    conn = Connection(port)
    latencies, busy = [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(latencies) < max_requests:
        cpu, started = server_cpu_seconds(pid), time.perf_counter()
        status, body = conn.http(request)
        latencies.append((time.perf_counter() - started) * 1000)
        busy.append((server_cpu_seconds(pid) - cpu) * 1000)
        if status != 200 or b'"errors"' in body:
            failures.append(f"{status} {body[:160]!r}")
    conn.close()
    return latencies, busy


def _answers(port: int) -> bool:
    try:
        return Connection(port).http(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 200
    except OSError:
        return False


def start_server(workdir: Path, database: str | None = None, workers: int | None = None
                 ) -> tuple[subprocess.Popen, int, str]:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OUTCOME_GRAPH_RESPONSE_CACHE_SIZE": "0",
           "OUTCOME_GRAPH_RUN_WORKER": "false"}
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:  # a file, not a pipe: the access log must never block the server
        proc = subprocess.Popen([*CLI, "serve", "--demo", "--host", "127.0.0.1", "--port", str(port),
                                 *(["--database", database] if database else []),
                                 *(["--workers", str(workers)] if workers else [])],
                                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        text = log_path.read_text(errors="replace")
        m = re.search(r"teacher token .*:\s+(\S+)", text)
        if m and "Uvicorn running on" in text and _answers(port):  # bound, and (several workers) started
            return proc, port, m.group(1)
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the demo server did not start:\n" + log_path.read_text(errors="replace"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="each round (default 5)")
    parser.add_argument("--header-mb", type=float, default=1.0, help="size of the oversized header (default 1)")
    parser.add_argument("--message-mb", type=float, default=3.7, help="size of the oversized WS message")
    parser.add_argument("--only", help="run only the attacks whose name contains this text")
    parser.add_argument("--database", help="serve the demo from this database (default: a new SQLite file)")
    parser.add_argument("--workers", type=int, help="serve's HTTP processes (default: serve's, the machine's cores)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    report = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="og-attacks-") as tmp:
        proc, port, token = start_server(Path(tmp), args.database, args.workers)
        try:
            time_normal(port, token, 1.0, proc.pid, [])  # warm-up
            baseline_p99 = None
            attacks = [a for a in catalogue(token, args.header_mb, args.message_mb) if (args.only or "") in a.name]
            for attack in [None, *attacks]:
                answers, attacker_cpu, failures = {}, 0.0, []
                cpu, wall = process_cpu_seconds(proc.pid), time.monotonic()
                if attack is None:
                    latencies, busy = time_normal(port, token, args.seconds, proc.pid, failures)
                else:
                    stop, out = multiprocessing.Event(), multiprocessing.Queue()
                    worker = multiprocessing.Process(target=attacker, args=(attack, port, stop, out))
                    worker.start()
                    time.sleep(0.3)  # the attack is under way before timing starts
                    latencies, busy = time_normal(port, token, args.seconds, proc.pid, failures)
                    stop.set()
                    answers, attacker_cpu = out.get(timeout=120)
                    worker.join(30)
                    failed |= attack.refused and any("not refused" in a or "executed" in a for a in answers)
                failed |= bool(failures)
                cpu, wall = process_cpu_seconds(proc.pid) - cpu, time.monotonic() - wall
                p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
                busy50, busy99 = percentile(busy, 50), percentile(busy, 99)
                baseline_p99 = baseline_p99 or p99
                name = attack.name if attack else "(no attack)"
                report.append({"attack": name, "normal_requests": len(latencies), "p50_ms": round(p50, 1),
                               "p99_ms": round(p99, 1), "p99_ratio_to_baseline": round(p99 / baseline_p99, 2),
                               "server_cpu_in_flight_p50_ms": round(busy50, 1),
                               "server_cpu_in_flight_p99_ms": round(busy99, 1),
                               "server_cpu_share": round(cpu / wall, 2),
                               "attacker_cpu_share": round(attacker_cpu / wall, 2), "attack_answers": answers,
                               "normal_query_failures": failures})
                print(f"{name:36s} normal query: n={len(latencies):4d} p50 {p50:6.1f} ms p99 {p99:6.1f} ms "
                      f"({p99 / baseline_p99:4.1f}x) {'ok' if p99 < GOAL_MS else 'MISS'}  server CPU in flight p50 "
                      f"{busy50:5.1f} p99 {busy99:5.1f} ms  server CPU {cpu / wall:4.0%}"
                      f"  attacker CPU {attacker_cpu / wall:4.0%}  attack got: {answers}"
                      + (f"  NORMAL QUERY FAILED {len(failures)}x: {failures[0]}" if failures else ""), flush=True)
                if proc.poll() is not None:
                    print("the server died", file=sys.stderr)
                    return 1
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
