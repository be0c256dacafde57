"""Machine facts, the verdict per workload, the printed table and the JSON file."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import orjson

LIBRARIES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "SQLAlchemy", "aiosqlite", "orjson",
             "uvloop", "httptools", "httpx")


def machine() -> dict:
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    wrk = None
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        wrk = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "present"
    return {"cores": os.cpu_count(), "cpu": cpu, "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "platform": platform.platform(),
            "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version, "libraries": versions, "wrk": wrk}


def verdict(rec: dict, scale: str) -> str:
    if rec["gates"]:
        return "FAIL"
    if rec.get("status") in ("skip", "info"):
        return rec["status"]
    if rec.get("correct") is None:
        return "floor only"
    if scale == "smoke":
        return "ok"
    met = rec.get("goal_met")
    return "n/a" if met is None else ("pass" if met else "miss")


def finish(records: list[dict], facts: dict, args, seconds: float) -> dict:
    for rec in records:
        rec["status"] = verdict(rec, args.scale)
    return {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": "python bench/run.py " + " ".join(sys.argv[1:]), "machine": machine(), "dataset": facts,
            "seconds": seconds, "workloads": records}


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    ms = seconds * 1e3
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.3g} ms"


def table(result: dict) -> str:
    m, d = result["machine"], result["dataset"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    lines = [
        f"Machine: {m['cores']} cores ({m['cpu']}), Python {m['python']}, SQLite {m['sqlite']}, {m['platform']}",
        f"Libraries: {libs}; {m['wrk'] or 'wrk absent'}",
        f"Load average at start {result['dataset'].get('load_average_at_start')}, at end {m['load_average_at_end']} "
        "(other work on the machine skews absolute times; the floor/product alternation keeps ratios fairer)",
        f"Dataset: {d['scale']} seed {d['seed']}: {d['students']:,} students x {d['outcomes']} outcomes x "
        f"{d['results_per_pair']} results" + (f" = {d['results']:,} results, {d['rollups']:,} rollups; loaded in "
                                             f"{d['load_total_s']:.1f} s (generate {d['generate_s']:.1f}, migrate "
                                             f"{d['migrate_s']:.1f}, insert {d['insert_s']:.1f}, recompute "
                                             f"{d['recompute_s']:.1f})" if "results" in d else " (cached database)"),
    ]
    if "import" in d:
        i = d["import"]
        lines.append(f"Import: `outcome-graph import` of {i['results']:,} results ({i['bundle_mb']:.0f} MB bundle): "
                     f"{i['import_s']:.1f} s wall, peak RSS {i['import_peak_rss_mb']:.0f} MB, exit {i['exit']}")
    lines += ["", "| id | workload | floor | product | ratio | goal | result | notes |",
              "|---|---|---|---|---|---|---|---|"]
    for r in result["workloads"]:
        ratio = r.get("ratio")
        notes = "; ".join(r["notes"] + r["gates"] + ([f"{r['statements']} SQL statements ({r.get('begins')} BEGIN)"]
                                                      if r.get("statements") is not None and r["id"] not in
                                                      ("B2", "B3", "B8") else []))
        lines.append(f"| {r['id']} | {r['workload']} | {_ms(r.get('floor_median_s'))} | "
                     f"{_ms(r.get('product_median_s'))} | {'-' if ratio is None else f'{ratio:.3g}x'} | "
                     f"{r['goal']} | {r['status']} | {notes} |")
    lines.append("")
    lines.append("floor/product = medians (B10/B11: wrk p50 latency); ratio = median of pairwise product/floor "
                 "(B10: req/s product/floor).")
    return "\n".join(lines)


def write_json(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2, default=str))
