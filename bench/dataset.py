"""The benchmark course, deterministic from a seed (docs/performance.md "Dataset").

Written straight into a fresh SQLite database (migrations, then `executemany` of plain tuples in
the models' column layout, then the product's own `rollup_store.recompute` for the stored
rollups), or emitted as a course bundle for timing `outcome-graph import`.

    python bench/dataset.py --scale full --db bench/out/full.db [--bundle bench/out/full.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SCALES = {  # students, outcomes, results per (student, outcome)
    "smoke": (100, 10, 5),
    "full": (2_000, 50, 10),
}
METHODS = (("standard_decaying_average", 65), ("decaying_average", 65), ("n_mastery", 3),
           ("latest", None), ("highest", None), ("average", None))
RATINGS = (("Exceeds Mastery", 4.0), ("Mastery", 3.0), ("Near Mastery", 2.0),
           ("Below Mastery", 1.0), ("No Evidence", 0.0))
COURSE_ID, TEACHER_ID, ROOT_GROUP = 1, 1, 1
SECTION_IDS = (11, 12, 13, 14)
FIRST_STUDENT, FIRST_OUTCOME, FIRST_ASSET = 1001, 101, 201
GROUP_SIZE = 10  # outcomes per outcome group under the root
BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z
SPAN = 120 * 86_400  # results fall in the first 120 days of the year
FIRST = ("Ada", "Alan", "Barbara", "Claude", "Dana", "Edsger", "Frances", "Grace", "Hedy", "Ivan",
         "Joan", "Ken", "Lynn", "Margaret", "Niklaus", "Olga", "Peter", "Radia", "Sophie", "Tim",
         "Ursula", "Vint", "Wendy", "Xavier", "Yuki", "Zoe")
LAST = ("Adams", "Backus", "Cerf", "Dijkstra", "Engelbart", "Floyd", "Goldberg", "Hamilton",
        "Iverson", "Jones", "Kay", "Lamport", "Liskov", "McCarthy", "Naur", "Ousterhout", "Perlman",
        "Ritchie", "Sammet", "Thompson", "Ullman", "Valiant", "Wirth", "Yao", "Zuse", "Allen",
        "Bell", "Codd", "Dahl", "Estrin")

RESULT_COLUMNS = ("id", "course_id", "user_id", "outcome_id", "alignment_id", "score", "possible",
                  "percent", "mastery", "hidden", "hide_points", "posted", "submitted_at",
                  "assessed_at", "time", "title", "artifact_type", "deleted")


@dataclass
class Dataset:
    """Every row of the course as plain tuples, in the column order of outcome_graph/db/models.py."""

    scale: str
    seed: int
    users: list[tuple] = field(default_factory=list)  # id, name, sortable_name, sis_user_id, login_id
    enrollments: list[tuple] = field(default_factory=list)  # course, section, user, role, state
    groups: list[tuple] = field(default_factory=list)  # id, course_id, parent_id, title
    outcomes: list[tuple] = field(default_factory=list)  # id, title, pp, mp, ratings json, method, int
    links: list[tuple] = field(default_factory=list)  # course_id, group_id, outcome_id
    assets: list[tuple] = field(default_factory=list)  # id, course_id, type, name, html_url
    alignments: list[tuple] = field(default_factory=list)  # id, course_id, outcome_id, asset_id
    results: list[tuple] = field(default_factory=list)  # RESULT_COLUMNS
    student_ids: list[int] = field(default_factory=list)
    outcome_ids: list[int] = field(default_factory=list)


def alignment_id(outcome_index: int, k: int) -> int:
    return 10_000 + outcome_index * 100 + k


def build(scale: str = "full", seed: int = 1) -> Dataset:
    """2 % of students without results, 2 % of pairs with one result, 1 % hidden, some ties."""
    n_students, n_outcomes, per_pair = SCALES[scale]
    rng = random.Random(seed)
    d = Dataset(scale, seed)
    d.users.append((TEACHER_ID, "Grace Hopper", "Hopper, Grace", "T001", "ghopper"))
    d.enrollments.append((COURSE_ID, SECTION_IDS[0], TEACHER_ID, "teacher", "active"))
    names = []
    for i in range(n_students):
        uid = FIRST_STUDENT + i
        first, last = rng.choice(FIRST), rng.choice(LAST)  # duplicates on purpose: ties by id
        names.append(f"{first} {last}")
        d.users.append((uid, f"{first} {last}", f"{last}, {first}", f"S{uid}", f"s{uid}"))
        d.enrollments.append((COURSE_ID, SECTION_IDS[i % len(SECTION_IDS)], uid, "student", "active"))
        d.student_ids.append(uid)
    d.groups.append((ROOT_GROUP, COURSE_ID, None, "Benchmark course"))
    ratings = json.dumps([{"description": t, "points": p} for t, p in RATINGS])
    for j in range(n_outcomes):
        oid = FIRST_OUTCOME + j
        gid = ROOT_GROUP + 1 + j // GROUP_SIZE
        if j % GROUP_SIZE == 0:
            d.groups.append((gid, COURSE_ID, ROOT_GROUP, f"Strand {gid - ROOT_GROUP}"))
        method, n = METHODS[j % len(METHODS)]
        d.outcomes.append((oid, f"Outcome {j + 1}", 4.0, 3.0, ratings, method, n))
        d.links.append((COURSE_ID, gid, oid))
        d.outcome_ids.append(oid)
    for k in range(per_pair):
        d.assets.append((FIRST_ASSET + k, COURSE_ID, "assignment", f"Assignment {k + 1}",
                         f"https://lms.example/courses/1/assignments/{FIRST_ASSET + k}"))
        for j in range(n_outcomes):
            d.alignments.append((alignment_id(j, k), COURSE_ID, FIRST_OUTCOME + j, FIRST_ASSET + k))
    _results(d, rng, names, per_pair)
    return d


def _results(d: Dataset, rng: random.Random, names: list[str], per_pair: int) -> None:
    stamp_cache: dict[int, str] = {}
    out = d.results
    rid = 0
    rand, randrange = rng.random, rng.randrange
    for i, uid in enumerate(d.student_ids):
        if rand() < 0.02:  # a student without results
            continue
        name = names[i]
        titles = [f"{name}, Assignment {k + 1}" for k in range(per_pair)]
        for j, oid in enumerate(d.outcome_ids):
            n = 1 if rand() < 0.02 else per_pair
            t = BASE_TIME + randrange(SPAN)
            for k in range(n):
                rid += 1
                if k and rand() < 0.05:
                    pass  # a tied timestamp (docs/behaviour.md §1.2 item 6)
                else:
                    t = BASE_TIME + randrange(SPAN)  # chronological order differs from id order
                s = stamp_cache.get(t)
                if s is None:
                    s = stamp_cache[t] = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
                score = float(randrange(5))
                out.append((rid, COURSE_ID, uid, oid, alignment_id(j, k), score, 4.0, score / 4.0,
                            score >= 3.0, rand() < 0.01, False, True, s, None, t, titles[k],
                            "rubric_assessment", False))


async def _migrate(path: Path) -> None:
    from outcome_graph.db.engine import create_engine
    from outcome_graph.db.migrate import upgrade

    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _recompute(path: Path) -> int:
    from outcome_graph.db.engine import create_engine, writer
    from outcome_graph.db.rollup_store import recompute

    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with writer(engine).begin() as conn:
            return await recompute(conn, COURSE_ID)
    finally:
        await engine.dispose()


def user_rows(d: Dataset) -> list[tuple]:
    """The users with the name key the product stores beside sortable_name (its db/engine.py fold)."""
    from outcome_graph.db.engine import unicode_lower

    return [(*u, unicode_lower(u[2])) for u in d.users]


def write_sqlite(d: Dataset, path: Path) -> dict[str, float]:
    """A fresh database holding the course; returns the seconds each step took."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    asyncio.run(_migrate(path))
    t1 = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    con.execute("BEGIN")
    con.execute("INSERT INTO courses (id, name, sis_course_id, scoring_version, data_version) "
                "VALUES (?, 'Benchmark 101', 'BENCH-101', 1, 1)", (COURSE_ID,))
    con.executemany("INSERT INTO sections (id, course_id, name) VALUES (?, ?, ?)",
                    [(s, COURSE_ID, f"Period {i + 1}") for i, s in enumerate(SECTION_IDS)])
    con.executemany("INSERT INTO users (id, name, sortable_name, sis_user_id, login_id, name_key) "
                    "VALUES (?, ?, ?, ?, ?, ?)", user_rows(d))
    con.executemany("INSERT INTO enrollments (course_id, section_id, user_id, role, state, associated_user_id, "
                    "limit_to_section) VALUES (?, ?, ?, ?, ?, NULL, 0)", d.enrollments)
    con.executemany("INSERT INTO outcome_groups (id, course_id, parent_id, title) VALUES (?, ?, ?, ?)", d.groups)
    con.executemany("INSERT INTO outcomes (id, title, display_name, description, vendor_guid, points_possible, "
                    "mastery_points, ratings, calculation_method, calculation_int) "
                    "VALUES (?, ?, NULL, '', NULL, ?, ?, ?, ?, ?)", d.outcomes)
    con.executemany("INSERT INTO outcome_links (course_id, group_id, outcome_id) VALUES (?, ?, ?)", d.links)
    con.executemany("INSERT INTO assets (id, course_id, type, name, html_url, published, post_policy) "
                    "VALUES (?, ?, ?, ?, ?, 1, 'automatic')", d.assets)
    con.executemany("INSERT INTO alignments (id, course_id, outcome_id, asset_id, mastery_score, deleted) "
                    "VALUES (?, ?, ?, ?, NULL, 0)", d.alignments)
    con.executemany(f"INSERT INTO outcome_results ({', '.join(RESULT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(RESULT_COLUMNS))})", d.results)
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    t2 = time.perf_counter()
    rollups = asyncio.run(_recompute(path))
    t3 = time.perf_counter()
    return {"migrate_s": t1 - t0, "insert_s": t2 - t1, "recompute_s": t3 - t2, "rollups": rollups,
            "results": len(d.results)}


def _iso(naive_text: str | None) -> str | None:
    return None if naive_text is None else naive_text[:10] + "T" + naive_text[11:19] + "Z"


def bundle(d: Dataset) -> dict:
    """The same course as a course-bundle@1 document (docs/bundle-format.md)."""
    rating_list = [{"description": t, "points": p} for t, p in RATINGS]
    return {
        "format": "outcome-graph/course-bundle@1",
        "course": {"id": COURSE_ID, "name": "Benchmark 101", "sis_course_id": "BENCH-101",
                   "mastery_scale": None, "calculation_method": None},
        "sections": [{"id": s, "name": f"Period {i + 1}"} for i, s in enumerate(SECTION_IDS)],
        "users": [{"id": u, "name": n, "sortable_name": sn, "sis_user_id": sis, "login_id": login}
                  for u, n, sn, sis, login in d.users],
        "enrollments": [{"user_id": u, "section_id": s, "role": role, "state": state}
                        for _c, s, u, role, state in d.enrollments],
        "outcome_groups": [{"id": g, "title": t, "parent_id": p} for g, _c, p, t in d.groups],
        "outcomes": [{"id": o, "title": t, "description": "", "group_id": link[1], "points_possible": pp,
                      "mastery_points": mp, "ratings": rating_list, "calculation_method": method,
                      "calculation_int": n}
                     for (o, t, pp, mp, _r, method, n), link in zip(d.outcomes, d.links)],
        "assets": [{"id": a, "type": typ, "name": name, "html_url": url, "published": True,
                    "post_policy": "automatic"} for a, _c, typ, name, url in d.assets],
        "alignments": [{"id": a, "outcome_id": o, "asset_id": s, "mastery_score": None}
                       for a, _c, o, s in d.alignments],
        "results": [{"id": r[0], "user_id": r[2], "outcome_id": r[3], "alignment_id": r[4], "score": r[5],
                     "possible": r[6], "percent": r[7], "mastery": r[8], "submitted_at": _iso(r[12]),
                     "assessed_at": None, "hidden": r[9], "hide_points": r[10], "posted": r[11],
                     "title": r[15], "artifact_type": r[16]} for r in d.results],
    }


def write_bundle(d: Dataset, path: Path) -> float:
    import orjson

    t0 = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(bundle(d)))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=SCALES, default="smoke")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", type=Path, help="write a fresh SQLite database here")
    ap.add_argument("--bundle", type=Path, help="write a course bundle JSON here")
    args = ap.parse_args()
    t0 = time.perf_counter()
    d = build(args.scale, args.seed)
    print(f"built {args.scale} seed {args.seed}: {len(d.results):,} results in {time.perf_counter() - t0:.2f} s",
          file=sys.stderr)
    if args.db:
        print(f"sqlite {args.db}: {write_sqlite(d, args.db)}", file=sys.stderr)
    if args.bundle:
        print(f"bundle {args.bundle}: {write_bundle(d, args.bundle):.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
