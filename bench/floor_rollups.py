"""The floor's rollup calculation: stdlib sqlite3, the best SQL, finished in Python (docs/behaviour.md §1).

One pass over the rows (a GROUP BY split by calculation method, so each outcome pays only for the
aggregates it needs), the newest result found in that same pass, one ascending scan only for the
outcomes using the true decaying average, Ruby rounding. It knows the schema, not the product's
code (only `ruby_round` is shared).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from math import fsum
from typing import Iterable, Sequence

from outcome_graph.rollups import ruby_round

COUNTED = "r.course_id = :course AND r.deleted = 0 AND r.hidden = 0 AND al.deleted = 0 AND r.score IS NOT NULL"
VALUE = "COALESCE(r.percent * CASE WHEN o.points_possible > 0 THEN o.points_possible ELSE o.mastery_points END, r.score)"
# The newest counted result of a pair comes from the GROUP BY pass itself: max(time * M + id) is the
# last by id among the newest (the latest score), max(time * M + M - 1 - id) the first (its title).
# (A correlated LIMIT 1 per pair, tried first, cost ~0.4 s more at full scale.)


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    a: float | None  # latest weight / decay rate, or n for n_mastery
    b: float | None  # older weight, or mastery points for n_mastery


@dataclass(frozen=True, slots=True)
class Score:
    score: float | None
    count: int
    title: str | None
    submitted_at: str | None  # ISO 8601, as the API prints it
    hide_points: bool


def connect(path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("PRAGMA synchronous=NORMAL")  # as the product sets it
    return con


def in_list(ids: Iterable[int]) -> str:
    """A literal IN list of integers (safe: ints only), as the fastest form for SQLite."""
    return ",".join(str(int(i)) for i in ids)


def iso(text: str | None) -> str | None:
    """SQLAlchemy's SQLite datetime text -> the API's ISO 8601 UTC form."""
    if text is None:
        return None
    micro = text[20:26] if len(text) > 19 else ""
    frac = "" if not micro or micro == "000000" else "." + micro
    return f"{text[:10]}T{text[11:19]}{frac}+00:00"


def item_title(title: str | None) -> str | None:
    """The part after the first ', ' (Ruby split(', ')[1], docs/behaviour.md §1.7)."""
    if title is None:
        return None
    parts = title.split(", ")
    while parts and parts[-1] == "":
        parts.pop()  # Ruby's split drops trailing empty fields
    return parts[1] if len(parts) > 1 else None


def methods(con: sqlite3.Connection, course_id: int) -> dict[int, Method]:
    """Each linked or aligned outcome's effective method (course overrides applied, docs/behaviour.md §4.2)."""
    override = con.execute("SELECT method, calculation_int FROM course_calculation_methods WHERE course_id = ?",
                           (course_id,)).fetchone()
    scale = con.execute("SELECT points_possible, mastery_points FROM mastery_scales WHERE course_id = ?",
                        (course_id,)).fetchone()
    if scale is not None:
        raise NotImplementedError("floors cover outcome-level scales only (the benchmark course has no scale)")
    out = {}
    for oid, name, n, mp in con.execute(
            "SELECT id, calculation_method, calculation_int, mastery_points FROM outcomes WHERE id IN "
            "(SELECT outcome_id FROM outcome_links WHERE course_id = ?1 "
            " UNION SELECT outcome_id FROM alignments WHERE course_id = ?1)", (course_id,)):
        if override is not None:
            name, n = override
        name = name or "highest"
        if name in ("decaying_average", "weighted_average", "standard_decaying_average"):
            n = 65 if n is None else n
            out[oid] = Method(name, 0.01 * n, 0.01 * (100 - n))
        elif name == "n_mastery":
            out[oid] = Method(name, 5 if n is None else n, mp)
        else:
            out[oid] = Method(name, None, None)
    return out


FROM = ("FROM outcome_results r JOIN alignments al ON al.id = r.alignment_id "
        "JOIN outcomes o ON o.id = r.outcome_id")
MET = f"{VALUE} >= o.mastery_points"  # a result at or above mastery (n_mastery, docs/behaviour.md §1.5)
M = 2**29  # packed keys: ids below 2**29 (checked), epoch seconds below 2**33 (the year 2242)
GROUPED = (
    "SELECT g.user_id, g.outcome_id, g.n, g.s, g.mx, g.nm, g.sm, g.hmin, g.hmax, g.hm, g.fk, f.title, "
    "COALESCE(f.submitted_at, f.assessed_at), "
    "COALESCE(l.percent * CASE WHEN lo.points_possible > 0 THEN lo.points_possible ELSE lo.mastery_points END, "
    "l.score), l.hide_points "
    f"FROM (SELECT r.user_id, r.outcome_id, COUNT(*) AS n, SUM({VALUE}) AS s, MAX({VALUE}) AS mx, "
    f"SUM({MET}) AS nm, TOTAL(CASE WHEN {MET} THEN {VALUE} END) AS sm, MIN(r.hide_points) AS hmin, "
    f"MAX(r.hide_points) AS hmax, MIN(CASE WHEN {MET} THEN r.hide_points END) AS hm, "
    f"MAX(r.time * {M} + {M - 1} - r.id) AS fk, MAX(r.time * {M} + r.id) AS lk "
    f"{FROM} WHERE {{where}} GROUP BY r.user_id, r.outcome_id) AS g "
    f"JOIN outcome_results f ON f.id = {M - 1} - g.fk % {M} "
    f"JOIN outcome_results l ON l.id = g.lk % {M} JOIN outcomes lo ON lo.id = l.outcome_id"
)


def rollups(con: sqlite3.Connection, course_id: int, user_ids: Sequence[int] | None = None,
            outcome_ids: Sequence[int] | None = None, meth: dict[int, Method] | None = None
            ) -> dict[tuple[int, int], Score]:
    """(user, outcome) -> Score computed from the results, for the given users (all when None)."""
    meth = methods(con, course_id) if meth is None else meth
    where = COUNTED
    if user_ids is not None:
        where += f" AND r.user_id IN ({in_list(user_ids)})"
    if outcome_ids is not None:
        where += f" AND r.outcome_id IN ({in_list(outcome_ids)})"
        sda = [o for o in outcome_ids if o in meth and meth[o].name == "standard_decaying_average"]
    else:
        sda = [o for o, m in meth.items() if m.name == "standard_decaying_average"]
    if (con.execute("SELECT MAX(id) FROM outcome_results").fetchone()[0] or 0) >= M:
        raise NotImplementedError("result ids too large for packed keys")
    params = {"course": course_id}
    decayed = _decaying(con, f"{where} AND r.outcome_id IN ({in_list(sda)})", params, meth) if sda else {}
    out: dict[tuple[int, int], Score] = {}
    for u, o, n, s, mx, nm, sm, hmin, hmax, hm, fk, title, at, last, last_h in con.execute(
            GROUPED.format(where=where), params):
        m = meth[o]
        name = m.name
        hide = hmin == 1
        if name == "average":
            score = ruby_round(s / n)
        elif name == "highest":
            score = ruby_round(mx)
            if hmin != hmax:
                raise NotImplementedError("mixed hide_points under `highest` (not in the benchmark course)")
        elif name == "latest":
            score, hide = ruby_round(last), last_h == 1
        elif name == "standard_decaying_average":
            score = decayed[(u, o)]
        elif name == "n_mastery":
            if n < m.a or nm < m.a:
                score, hide = None, False
            else:
                score, hide = ruby_round(sm / nm), hm == 1
        elif n == 1:  # decaying_average / weighted_average (docs/behaviour.md §1.3)
            score = ruby_round(last)
        else:
            score = ruby_round(last * m.a + ((s - last) / (n - 1)) * m.b)
        t = fk // M
        out[(u, o)] = Score(score, n, None if t == 0 and at is None else item_title(title), iso(at), hide)
    return out


def _decaying(con, where: str, params: dict, meth: dict[int, Method]) -> dict[tuple[int, int], float]:
    """docs/behaviour.md §1.4 over one ascending scan of the outcomes that use the true decaying average."""
    rows = con.execute(f"SELECT r.user_id, r.outcome_id, {VALUE} {FROM} WHERE {where} "
                       "ORDER BY r.user_id, r.outcome_id, r.time, r.id", params)
    out = {}
    key, n, d, first = None, 0, 0.0, 0.0
    rate = remaining = 0.0
    for u, o, v in rows:
        if key is None or key[0] != u or key[1] != o:
            if key is not None:
                out[key] = ruby_round(first if n == 1 else d)
            key, n, first = (u, o), 1, v
            rate, remaining = meth[o].a, meth[o].b
            continue
        n += 1
        d = first * remaining + v * rate if n == 2 else d * remaining + v * rate
    if key is not None:
        out[key] = ruby_round(first if n == 1 else d)
    return out


def students(con: sqlite3.Connection, course_id: int) -> list[tuple[int, str, str]]:
    """(id, name, lower(sortable_name)) of the course's students, by sortable name then id."""
    return con.execute(
        "SELECT u.id, u.name, lower(u.sortable_name) AS k FROM users u WHERE u.id IN "
        "(SELECT user_id FROM enrollments WHERE course_id = ? AND role = 'student' AND state != 'deleted') "
        "ORDER BY k, u.id", (course_id,)).fetchall()


def linked_outcomes(con: sqlite3.Connection, course_id: int) -> list[tuple[int, str]]:
    """(id, title) of the course's outcomes in link order (no saved order in the benchmark)."""
    return con.execute("SELECT o.id, o.title FROM outcome_links l JOIN outcomes o ON o.id = l.outcome_id "
                       "WHERE l.course_id = ? ORDER BY l.id", (course_id,)).fetchall()


def mean(values: list[float]) -> float | None:
    return ruby_round(fsum(values) / len(values)) if values else None


def median(values: list[float]) -> float | None:
    v = sorted(values)
    k = len(v)
    return (v[(k - 1) // 2] + v[k // 2]) / 2.0 if k else None
