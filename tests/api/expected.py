"""What the API should answer, computed from a bundle document alone (docs/behaviour.md §2.4, §3.1, §1), never
from the database.

The pure engine (`outcome_graph.rollups`) is trusted here; everything around it — which results count, their
order, percents, course overrides, which students — is recomputed from the JSON.
"""

from __future__ import annotations

import math
from datetime import datetime
from types import SimpleNamespace
from typing import Callable, Iterable

from outcome_graph.rollups import RollupScore, aggregate, compute_percent, effective_scoring, rollup

def ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class Course:
    """A bundle document with the lookups the expectations need."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.users = {u["id"]: u for u in doc["users"]}
        self.outcomes = {o["id"]: o for o in doc["outcomes"]}
        self.groups = {g["id"]: g for g in doc["outcome_groups"]}
        self.assets = {a["id"]: a for a in doc["assets"]}
        self.alignments = {a["id"]: a for a in doc["alignments"]}
        self.results = doc["results"]
        self.scale = (doc["course"].get("mastery_scale") or None)
        self.method = (doc["course"].get("calculation_method") or None)

    # -- who and what --

    def student_enrollments(self, section: int | None = None) -> list[dict]:
        return [e for e in self.doc["enrollments"] if e["role"] == "student" and e.get("state", "active") != "deleted"
                and (section is None or e["section_id"] == section)]

    def students(self, section: int | None = None, sections: Iterable[int] | None = None) -> list[int]:
        """Non-deleted students (of a section, or of any of `sections`), by id (docs/behaviour.md §3.1)."""
        allowed = None if sections is None else set(sections)
        return sorted({e["user_id"] for e in self.student_enrollments(section)
                       if allowed is None or e["section_id"] in allowed})

    def sections_of(self, uid: int) -> list[int]:
        return list(dict.fromkeys(e["section_id"] for e in self.student_enrollments() if e["user_id"] == uid))

    def outcome_ids(self, group: int | None = None) -> list[int]:
        """Linked outcomes in link (document) order; with a group, those linked directly in it."""
        root = next(g["id"] for g in self.doc["outcome_groups"] if g.get("parent_id") is None)
        return [o["id"] for o in self.doc["outcomes"] if group is None or (o.get("group_id") or root) == group]

    def name_key(self, uid: int) -> str:
        u = self.users[uid]
        return (u.get("sortable_name") or u["name"]).lower()

    def muted(self, r: dict) -> bool:
        asset = self.assets[self.alignments[r["alignment_id"]]["asset_id"]]
        return asset.get("post_policy") == "manual" and r.get("posted") is False

    # -- results (docs/behaviour.md §2.4) --

    def visible_results(self, users: Iterable[int] | None = None, outcomes: Iterable[int] | None = None, *,
                        include_hidden: bool = False, grader: bool = True) -> list[dict]:
        users = set(self.students() if users is None else users)
        outcomes = set(self.outcome_ids() if outcomes is None else outcomes)
        keep = [r for r in self.results
                if r["user_id"] in users and r["outcome_id"] in outcomes
                and (include_hidden or not r.get("hidden")) and (grader or not self.muted(r))]
        return sorted(keep, key=lambda r: (self.name_key(r["user_id"]), r["user_id"], r["outcome_id"], r["id"]))

    # -- scoring (docs/behaviour.md §1.2 item 4, §2.2, §4.2) --

    def scoring(self, oid: int):
        """The outcome's scoring after the course's overrides: the one rule, rollups.effective_scoring."""
        o = dict(self.outcomes[oid])
        top = max(r["points"] for r in o["ratings"])  # the bundle's defaults (docs/bundle-format.md)
        o.setdefault("points_possible", None)
        o.setdefault("mastery_points", None)
        o["points_possible"] = float(top if o["points_possible"] is None else o["points_possible"])
        o["mastery_points"] = float(top if o["mastery_points"] is None else o["mastery_points"])
        for key in ("calculation_method", "calculation_int", "tie_break", "minimum_evidence"):
            o.setdefault(key, None)
        scale = method = None
        if self.scale:
            ratings = self.scale["ratings"]
            scale = SimpleNamespace(points_possible=float(ratings[0]["points"]), ratings=ratings,
                                    mastery_points=float(next(r["points"] for r in ratings if r.get("mastery"))))
        if self.method:
            method = SimpleNamespace(method=self.method["method"], calculation_int=self.method.get("int"),
                                     tie_break=self.method.get("tie_break"),
                                     minimum_evidence=self.method.get("minimum_evidence"))
        return effective_scoring(SimpleNamespace(**o), scale, method)

    def points(self, oid: int) -> tuple[float, float]:
        """(points possible, mastery points) in effect."""
        s = self.scoring(oid)
        return s.points_possible, s.mastery_points

    def percent(self, r: dict) -> float | None:
        if r.get("percent") is not None:
            return float(r["percent"])
        pp, mp = self.points(r["outcome_id"])
        score = None if r["score"] is None else float(r["score"])
        possible = None if r.get("possible") is None else float(r["possible"])
        return compute_percent(score, possible, points_possible=pp, mastery_points=mp,
                               alignment_mastery=self.alignments[r["alignment_id"]].get("mastery_score"),
                               course_scale=bool(self.scale))

    def engine_row(self, r: dict) -> tuple:
        """The engine's ResultTuple (outcome_graph.rollups.score) for one result."""
        at = ts(r.get("submitted_at")) or ts(r.get("assessed_at"))
        time = 0 if at is None else math.floor(at.timestamp())  # docs/behaviour.md §1.2 item 5: whole seconds
        score = None if r["score"] is None else float(r["score"])
        possible = None if r.get("possible") is None else float(r["possible"])
        return (r["id"], score, self.percent(r), possible, time, at, bool(r.get("hide_points")), r.get("title"),
                r.get("artifact_type") == "quiz_submission", self.alignments[r["alignment_id"]]["asset_id"])

    def rollups(self, users: Iterable[int] | None = None, outcomes: Iterable[int] | None = None, *,
                grader: bool = True, when: Callable[[int], bool] | None = None) -> dict[tuple[int, int], RollupScore]:
        """(user, outcome) -> engine rollup of the counted results: hidden never, muted only for graders; with
        `when`, only the results whose time (whole epoch seconds) it keeps (docs/windows.md)."""
        groups: dict[tuple[int, int], list[tuple]] = {}
        for r in self.visible_results(users, outcomes, grader=grader):
            if r["score"] is None:  # docs/behaviour.md §1.2 item 2
                continue
            if when is not None and not when(self.engine_row(r)[4]):
                continue
            groups.setdefault((r["user_id"], r["outcome_id"]), []).append(self.engine_row(r))
        out = {}
        for key, rows in groups.items():
            score = rollup(rows, self.scoring(key[1]))
            if score is not None:
                out[key] = score
        return out

    def aggregates(self, stat: str, users: Iterable[int] | None = None, outcomes: Iterable[int] | None = None,
                   *, grader: bool = True, when: Callable[[int], bool] | None = None) -> dict[int, RollupScore]:
        per: dict[int, list[RollupScore]] = {}
        for (_, oid), s in sorted(self.rollups(users, outcomes, grader=grader, when=when).items()):
            per.setdefault(oid, []).append(s)
        return {oid: aggregate(scores, stat) for oid, scores in per.items()}


def as_of(moment: datetime) -> Callable[[int], bool]:
    """Results up to `moment`'s second, included (docs/windows.md)."""
    last = math.floor(moment.timestamp())
    return lambda time: time <= last


def window(start: datetime, end: datetime) -> Callable[[int], bool]:
    """Results from `start`'s second, included, to `end`'s second, excluded (docs/windows.md)."""
    first, stop = math.floor(start.timestamp()), math.floor(end.timestamp())
    return lambda time: first <= time < stop


def engine_score(s: RollupScore) -> tuple:
    """A RollupScore in the shape `api_score` gives, for whole-value comparison."""
    return (s.score, s.count, s.title, s.submitted_at, s.hide_points)


def api_score(d: dict) -> tuple:
    """`score count title submittedAt hidePoints` of an API RollupScore (times as aware datetimes)."""
    at = d.get("submittedAt")
    return (d["score"], d["count"], d.get("title"), None if at is None else datetime.fromisoformat(at),
            d["hidePoints"])
