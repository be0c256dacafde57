"""Times rollup_stream over 1,000,000 sorted result rows, the engine's share of a full recalculation."""

import argparse
import gc
import random
import statistics
import sys
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outcome_graph.rollups import resolve_scoring, rollup_stream  # noqa: E402

METHODS = (
    ("standard_decaying_average", 65),
    ("decaying_average", 65),
    ("n_mastery", 3),
    ("latest", None),
    ("highest", None),
    ("average", None),
)


def build(pairs: int, per_pair: int, outcomes: int, seed: int, mixed: bool = False):
    """Rows sorted by (user, outcome, time, result id), as the DB hands them over, and scorings."""
    # mixed adds the irregular rows real data has: 1 % null scores, 2 % quiz results (pooled),
    # 2 % hidden points and 1 % results without a percent.
    rng = random.Random(seed)
    scoring_for = {
        o: resolve_scoring(method=m, calc_int=n, points_possible=4.0, mastery_points=3.0)
        for o, (m, n) in ((o, METHODS[o % len(METHODS)]) for o in range(outcomes))
    }
    base = 1_700_000_000
    stamps = {}
    rows = []
    rid = 0
    for pair in range(pairs):
        user, outcome = divmod(pair, outcomes)
        t = base + rng.randrange(86_400)
        for k in range(per_pair):
            rid += 1
            if k and rng.random() < 0.05:
                pass  # a tied timestamp now and then (docs/behaviour.md §1.2 item 6)
            else:
                t += rng.randrange(1, 7 * 86_400)
            at = stamps.get(t)
            if at is None:
                at = stamps[t] = datetime.fromtimestamp(t, timezone.utc)
            score = float(rng.randint(0, 4))
            percent, quiz, hide = score / 4.0, False, False
            if mixed:
                roll = rng.random()
                if roll < 0.01:
                    score = percent = None
                elif roll < 0.03:
                    quiz = True
                elif roll < 0.05:
                    hide = True
                elif roll < 0.06:
                    percent = None
            rows.append(
                (user, outcome, rid, score, percent, 4.0, t, at, hide,
                 f"Student {user}, Assignment {k}", quiz, 1000 + k % 3)
            )
    return rows, scoring_for


def main() -> None:
    """Build the data once, then report the median of the timed runs."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=100_000)
    ap.add_argument("--per-pair", type=int, default=10)
    ap.add_argument("--outcomes", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mixed", action="store_true", help="add null, quiz, hidden and raw-score rows")
    args = ap.parse_args()
    rows, scoring_for = build(args.pairs, args.per_pair, args.outcomes, args.seed, args.mixed)
    deque(rollup_stream(rows[:10_000], scoring_for), maxlen=0)  # warm-up
    times = []
    for _ in range(args.runs):
        gc.collect()
        t0 = time.perf_counter()
        deque(rollup_stream(rows, scoring_for), maxlen=0)
        times.append(time.perf_counter() - t0)
    n = sum(1 for _ in rollup_stream(rows, scoring_for))
    med = statistics.median(times)
    kind = "mixed" if args.mixed else "regular"
    print(f"python {sys.version.split()[0]}, {kind} rows {len(rows):,}, pairs scored {n:,}, runs {args.runs}")
    print(f"median {med:.3f} s  ({len(rows) / med:,.0f} rows/s)  "
          f"min {min(times):.3f} s  max {max(times):.3f} s")


if __name__ == "__main__":
    main()
