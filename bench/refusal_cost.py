"""The server's CPU per refused attack request (issue 12), against a trivial valid request in the same run.

    .venv/bin/python bench/refusal_cost.py [--seconds 2] [--header-mb 1] [--message-mb 3.7] [--json FILE]

Loopback only: `outcome-graph serve --demo` on a free port (as `attacks.py` starts it). Each attack from
`attack_client.py` is sent back to back on one connection for `--seconds`; the server's user + system CPU over
the round (from /proc) divided by the requests sent is its cost per request, printed with the wall time per
request and the ratio to `{ __typename }`, measured first. A refusal should cost about what a trivial request
costs, whatever the attacker sent; the attacker's own CPU is printed too (it must stay small).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attack_client import catalogue, loop, process_cpu_seconds  # noqa: E402
from attacks import start_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="each round (default 2)")
    parser.add_argument("--header-mb", type=float, default=1.0)
    parser.add_argument("--message-mb", type=float, default=3.7)
    parser.add_argument("--database", help="serve the demo from this database (default: a new SQLite file)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="og-refusal-") as tmp:
        proc, port, token = start_server(Path(tmp), args.database)
        try:
            attacks = catalogue(token, args.header_mb, args.message_mb)
            loop(attacks[0], port, None, 0.5)  # warm-up
            baseline = None
            for attack in attacks:
                cpu, wall = process_cpu_seconds(proc.pid), time.monotonic()
                answers, own_cpu = loop(attack, port, None, args.seconds)
                cpu, wall = process_cpu_seconds(proc.pid) - cpu, time.monotonic() - wall
                sent = sum(answers.values())
                per_request = cpu / sent * 1000
                baseline = baseline or per_request
                row = {"attack": attack.name, "requests": sent, "server_cpu_ms": round(per_request, 3),
                       "wall_ms": round(wall / sent * 1000, 3), "ratio_to_trivial": round(per_request / baseline, 1),
                       "attacker_cpu_share": round(own_cpu / wall, 2), "answers": answers}
                rows.append(row)
                print(f"{attack.name:36s} n={sent:5d}  server CPU {per_request:8.2f} ms/request "
                      f"({row['ratio_to_trivial']:6.1f}x trivial)  wall {row['wall_ms']:8.2f} ms  "
                      f"attacker CPU {row['attacker_cpu_share']:.0%}  {answers}", flush=True)
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
        args.json.write_text(json.dumps(rows, indent=2))
    unrefused = [r["attack"] for r in rows[2:] if any("not refused" in a or "executed" in a for a in r["answers"])]
    if unrefused:
        print(f"not refused: {unrefused}", file=sys.stderr)
    return 1 if unrefused else 0


if __name__ == "__main__":
    sys.exit(main())
