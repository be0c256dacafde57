"""The benchmark harness at smoke scale: floor and product agree and SQL-statement gates hold.

Gates only on correctness and statement counts, never on timings (docs/performance.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "bench" / "run.py"


def test_bench_smoke(tmp_path):
    out = tmp_path / "smoke.json"
    proc = subprocess.run([sys.executable, str(RUN), "--scale", "smoke", "--out", str(tmp_path), "--json", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"bench smoke failed:\n{proc.stdout}\n{proc.stderr[-3000:]}"
    result = json.loads(out.read_text())
    ran = {w["id"]: w for w in result["workloads"]}
    assert {"B1", "B2", "B3", "B5"} <= set(ran), sorted(ran)
    for w in ran.values():
        assert w["correct"] is not False and not w["gates"], w
