"""Each workload's floor: stdlib sqlite3 + orjson, answering in the product's JSON shape.

Every function takes an open sqlite3 connection and returns the response body as bytes, so a floor
pays for encoding exactly as the product does. Rollups come from `floor_rollups` (computed from
the results, never read from the stored rollups).
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timezone

import orjson

from floor_rollups import COUNTED, Score, in_list, iso, linked_outcomes, mean, median, methods, rollups, students


def _score(oid: int, s: Score) -> dict:
    return {"outcome": {"id": str(oid)}, "score": s.score, "count": s.count, "hidePoints": s.hide_points,
            "title": s.title, "submittedAt": s.submitted_at}


def _page(con, course_id: int, page: list[tuple], total: int, outcome_ids: list[int]) -> bytes:
    scores = rollups(con, course_id, [u for u, *_ in page]) if page else {}
    edges = [{"node": {"user": {"id": str(u), "name": name},
                       "scores": [_score(o, scores[(u, o)]) for o in outcome_ids if (u, o) in scores]}}
             for u, name, *_ in page]
    info = {"hasNextPage": total > len(page), "endCursor": f"floor:{page[-1][0]}" if page else None}
    return orjson.dumps({"data": {"course": {"outcomeRollups": {
        "totalCount": total, "pageInfo": info, "edges": edges}}}})


def rollup_page(con: sqlite3.Connection, course_id: int, first: int) -> bytes:
    """B2/B3: the first page of students by sortable name, each with a score per outcome."""
    everyone = students(con, course_id)
    outcome_ids = [o for o, _ in linked_outcomes(con, course_id)]
    return _page(con, course_id, everyone[:first], len(everyone), outcome_ids)


def rollup_sorted(con: sqlite3.Connection, course_id: int, first: int, outcome_id: int) -> bytes:
    """B6: one outcome's scores for every student, sorted DESC (missing last, docs/behaviour.md §3.4), then a page."""
    everyone = students(con, course_id)
    sort = rollups(con, course_id, None, [outcome_id])
    scored, missing = [], []
    for row in everyone:
        s = sort.get((row[0], outcome_id))
        if s is None or s.score is None:
            missing.append(row)
        else:
            scored.append((s.score, row))
    scored.sort(key=lambda x: (x[0], x[1][2], x[1][0]), reverse=True)
    missing.sort(key=lambda r: (r[2], r[0]), reverse=True)
    order = [r for _, r in scored] + missing
    outcome_ids = [o for o, _ in linked_outcomes(con, course_id)]
    return _page(con, course_id, order[:first], len(order), outcome_ids)


def compute_all(con: sqlite3.Connection, course_id: int) -> dict:
    """B5's floor: every rollup of the course from its results."""
    return rollups(con, course_id)


def aggregate(con: sqlite3.Connection, course_id: int) -> bytes:
    """B4: mean and median over the whole course, from the compute floor (docs/behaviour.md §1.8)."""
    scores = rollups(con, course_id, [u for u, *_ in students(con, course_id)])
    per: dict[int, list[Score]] = {}
    for (_, o), s in scores.items():
        per.setdefault(o, []).append(s)
    out = {}
    for alias, stat in (("mean", mean), ("median", median)):
        rows = []
        for o, _ in linked_outcomes(con, course_id):
            if o in per:
                present = [s.score for s in per[o] if s.score is not None]
                rows.append({"outcome": {"id": str(o)}, "score": stat(present), "count": len(per[o]),
                             "hidePoints": all(s.hide_points for s in per[o])})
        out[alias] = {"scores": rows}
    return orjson.dumps({"data": {"course": out}})


ASSET_TYPES = {"assignment": "Assignment", "quiz": "Quizzes::Quiz", "rubric": "Rubric",
               "discussion": "DiscussionTopic", "question_bank": "AssessmentQuestionBank"}


def contributing(con: sqlite3.Connection, course_id: int, outcome_id: int) -> bytes:
    """B7: an outcome's published alignments and every student's raw score on them (docs/behaviour.md §5.1)."""
    aligned = con.execute(
        "SELECT al.id, a.id, a.name, a.type, a.html_url FROM alignments al JOIN assets a ON a.id = al.asset_id "
        "WHERE al.course_id = ? AND al.outcome_id = ? AND al.deleted = 0 AND a.published = 1 ORDER BY al.id",
        (course_id, outcome_id)).fetchall()
    names = {aid: (f"I_{asset}" if typ == "quiz" else f"D_{aid}") for aid, asset, _, typ, _ in aligned}
    users = in_list(u for u, *_ in students(con, course_id))
    rows = con.execute(
        "SELECT r.user_id, r.alignment_id, r.score, COALESCE(r.submitted_at, r.assessed_at) "
        f"FROM outcome_results r JOIN alignments al ON al.id = r.alignment_id WHERE {COUNTED.replace(' AND r.score IS NOT NULL', '')} "
        f"AND r.outcome_id = :outcome AND r.user_id IN ({users}) AND r.alignment_id IN ({in_list(names)}) "
        "ORDER BY r.user_id, r.alignment_id, r.id", {"course": course_id, "outcome": outcome_id})
    body = {
        "alignments": [{"alignmentId": names[aid], "associatedAssetId": str(asset), "associatedAssetName": name,
                        "associatedAssetType": ASSET_TYPES[typ], "htmlUrl": url, "published": True}
                       for aid, asset, name, typ, url in aligned],
        "scores": [{"userId": str(u), "alignmentId": names[a], "score": s, "submittedOrAssessedAt": iso(at)}
                   for u, a, s, at in rows],
    }
    return orjson.dumps({"data": {"course": {"contributingScores": body}}})


def results(con: sqlite3.Connection, course_id: int, first: int, chunk: int = 25) -> bytes:
    """B8: the first results by (sortable name, user, outcome, id), walking students in name order."""
    everyone = students(con, course_id)
    outcomes = dict(linked_outcomes(con, course_id))
    scope = f"{COUNTED.replace(' AND r.score IS NOT NULL', '')} AND r.outcome_id IN ({in_list(outcomes)})"
    params = {"course": course_id}
    total = con.execute(f"SELECT COUNT(*) FROM outcome_results r JOIN alignments al ON al.id = r.alignment_id "
                        f"WHERE {scope} AND r.user_id IN ({in_list(u for u, *_ in everyone)})", params).fetchone()[0]
    edges: list[dict] = []
    for i in range(0, len(everyone), chunk):
        ids = [u for u, *_ in everyone[i:i + chunk]]
        by_user: dict[int, list] = {}
        for row in con.execute(
                "SELECT r.user_id, r.id, r.score, r.percent, COALESCE(r.submitted_at, r.assessed_at), r.outcome_id, "
                "r.alignment_id FROM outcome_results r JOIN alignments al ON al.id = r.alignment_id "
                f"WHERE {scope} AND r.user_id IN ({in_list(ids)}) ORDER BY r.user_id, r.outcome_id, r.id", params):
            by_user.setdefault(row[0], []).append(row)
        for u in ids:
            for _, rid, score, pct, at, o, a in by_user.get(u, ()):
                edges.append({"node": {"id": str(rid), "score": score, "percent": pct,
                                       "submittedOrAssessedAt": iso(at), "outcome": {"id": str(o), "title": outcomes[o]},
                                       "user": {"id": str(u)}, "alignment": {"id": str(a)}}})
        if len(edges) > first:
            break
    info = {"hasNextPage": len(edges) > first, "endCursor": "floor" if edges else None}
    return orjson.dumps({"data": {"course": {"outcomeResults": {
        "totalCount": total, "pageInfo": info, "edges": edges[:first]}}}})


# B12's walk: the students in name order on the product's stored, indexed name key (users.name_key), each
# student's results by (outcome, id) from the (course, user) index; CROSS JOIN keeps SQLite on that order.
_WALK = (
    "SELECT r.id, r.score, r.percent, COALESCE(r.submitted_at, r.assessed_at), r.outcome_id, r.user_id, u.name, "
    "r.alignment_id FROM users u CROSS JOIN outcome_results r ON r.user_id = u.id "
    "JOIN alignments al ON al.id = r.alignment_id "
    "WHERE {scope} AND +u.id IN (SELECT user_id FROM enrollments WHERE course_id = :course AND role = 'student' "
    "AND state != 'deleted') AND (u.name_key, u.id) >= ((SELECT name_key FROM users WHERE id = :user), :user) "
    "AND ((u.name_key, u.id) > ((SELECT name_key FROM users WHERE id = :user), :user) "
    "OR (r.outcome_id, r.id) > (:outcome, :id)) ORDER BY u.name_key, u.id, r.outcome_id, r.id LIMIT :limit")


def deep_cursor(con: sqlite3.Connection, course_id: int, share: float = 0.6) -> tuple[int, int, int]:
    """(user, outcome, result) of a result `share` of the way through the course's results in page order."""
    everyone = students(con, course_id)
    user = everyone[int(len(everyone) * share)][0]
    outcomes = dict(linked_outcomes(con, course_id))
    rows = con.execute(f"SELECT r.outcome_id, r.id FROM outcome_results r JOIN alignments al ON al.id = r.alignment_id "
                       f"WHERE {COUNTED.replace(' AND r.score IS NOT NULL', '')} AND r.user_id = :user "
                       f"AND r.outcome_id IN ({in_list(outcomes)}) ORDER BY r.outcome_id, r.id",
                       {"course": course_id, "user": user}).fetchall()
    return (user, *rows[len(rows) // 2])


def deep_page(con: sqlite3.Connection, course_id: int, first: int, cursor: tuple[int, int, int]) -> bytes:
    """B12: the page of results after a cursor deep in the course, in (name, user, outcome, id) order."""
    outcomes = dict(linked_outcomes(con, course_id))
    scope = f"{COUNTED.replace(' AND r.score IS NOT NULL', '')} AND +r.outcome_id IN ({in_list(outcomes)})"
    user, outcome, rid = cursor
    rows = con.execute(_WALK.format(scope=scope), {"course": course_id, "user": user, "outcome": outcome, "id": rid,
                                                   "limit": first + 1}).fetchall()
    edges = [{"node": {"id": str(i), "score": score, "percent": pct, "submittedOrAssessedAt": iso(at),
                       "outcome": {"id": str(o), "title": outcomes[o]}, "user": {"id": str(u), "name": name},
                       "alignment": {"id": str(a)}}} for i, score, pct, at, o, u, name, a in rows[:first]]
    info = {"hasNextPage": len(rows) > first, "endCursor": "floor" if edges else None}
    return orjson.dumps({"data": {"course": {"outcomeResults": {"pageInfo": info, "edges": edges}}}})


def record(con: sqlite3.Connection, course_id: int, user_id: int, alignment_id: int, score: float,
           submitted: datetime) -> bytes:
    """B9: one result written and its (user, outcome) rollup kept current, in one transaction."""
    t = int(submitted.timestamp())
    text = submitted.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    con.execute("BEGIN IMMEDIATE")
    try:
        (outcome_id,) = con.execute("SELECT outcome_id FROM alignments WHERE id = ? AND course_id = ? AND deleted = 0",
                                    (alignment_id, course_id)).fetchone()
        rid, = con.execute(
            "INSERT INTO outcome_results (id, course_id, user_id, outcome_id, alignment_id, score, possible, percent, "
            "mastery, hidden, hide_points, posted, submitted_at, time, title, artifact_type, deleted) "
            "VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM outcome_results), ?, ?, ?, ?, ?, 4.0, ?, NULL, 0, 0, 1, ?, ?, "
            "NULL, 'other', 0) ON CONFLICT (user_id, alignment_id) DO UPDATE SET score = excluded.score, "
            "possible = excluded.possible, percent = excluded.percent, submitted_at = excluded.submitted_at, "
            "time = excluded.time RETURNING id",
            (course_id, user_id, outcome_id, alignment_id, score, score / 4.0, text, t)).fetchone()
        s = rollups(con, course_id, [user_id], [outcome_id])[(user_id, outcome_id)]
        version, = con.execute("SELECT scoring_version FROM courses WHERE id = ?", (course_id,)).fetchone()
        con.execute("DELETE FROM rollups WHERE course_id = ? AND user_id = ? AND outcome_id = ?",
                    (course_id, user_id, outcome_id))
        con.execute("INSERT INTO rollups (course_id, outcome_id, user_id, score, count, title, submitted_at, "
                    "hide_points, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (course_id, outcome_id, user_id, s.score, s.count, s.title,
                     s.submitted_at and s.submitted_at[:19].replace("T", " ") + ".000000", s.hide_points, version))
        con.execute("UPDATE courses SET data_version = data_version + 1 WHERE id = ?", (course_id,))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return orjson.dumps({"data": {"recordOutcomeResults": [{"id": str(rid), "score": score}]}})


def viewer(con: sqlite3.Connection, token: str) -> tuple | None:
    """The bearer token's (user_id, is_admin), as the product's auth looks it up."""
    row = con.execute("SELECT user_id, is_admin, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?",
                      (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()
    if row is None or row[3] is not None:
        return None
    if row[2] is not None and row[2] <= datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"):
        return None
    return row[0], row[1]


def trivial(con: sqlite3.Connection, course_id: int) -> bytes:
    """B10: one course by id."""
    row = con.execute("SELECT id, name FROM courses WHERE id = ?", (course_id,)).fetchone()
    return orjson.dumps({"data": {"course": {"id": str(row[0]), "name": row[1]}}})
