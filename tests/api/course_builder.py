"""Tiny course bundles (docs/bundle-format.md) for tests that need data the demo course does not have."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from outcome_graph.db.importer import import_bundle
from outcome_graph.db.tokens import create_token

FORMAT = "outcome-graph/course-bundle@1"
DEFAULT_RATINGS = [{"description": "Exceeds Expectations", "points": 5},
                   {"description": "Meets Expectations", "points": 3},
                   {"description": "Does Not Meet Expectations", "points": 0}]


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat()


@dataclass
class CourseBuilder:
    """Builds a bundle row by row; ids are chosen by the caller where tests name them, else counted up."""

    course_id: int = 1
    name: str = "Tiny course"
    mastery_scale: dict | None = None
    calculation_method: dict | None = None
    sections: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    enrollments: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)
    assets: list[dict] = field(default_factory=list)
    alignments: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    _next: int = 5000

    def __post_init__(self):
        self.root = 1 if self.course_id == 1 else self.course_id * 1000
        self.groups.append({"id": self.root, "title": self.name, "parent_id": None})

    def _id(self) -> int:
        self._next += 1
        return self._next

    def section(self, sid: int | None = None, name: str | None = None) -> int:
        sid = sid or self._id()
        self.sections.append({"id": sid, "name": name or f"Section {sid}"})
        return sid

    def user(self, uid: int, name: str, sortable_name: str | None = None, sis: str | None = None) -> int:
        self.users.append({"id": uid, "name": name, "sortable_name": sortable_name or name, "sis_user_id": sis})
        return uid

    def enroll(self, uid: int, section: int, role: str = "student", state: str = "active", **kw) -> None:
        self.enrollments.append({"user_id": uid, "section_id": section, "role": role, "state": state, **kw})

    def student(self, uid: int, name: str, *sections: int, state: str = "active", sortable_name=None) -> int:
        self.user(uid, name, sortable_name)
        for s in sections or (self.sections[0]["id"],):
            self.enroll(uid, s, "student", state)
        return uid

    def teacher(self, uid: int = 1, section: int | None = None) -> int:
        self.user(uid, f"Teacher {uid}")
        self.enroll(uid, section or self.sections[0]["id"], "teacher")
        return uid

    def group(self, title: str, parent: int | None = None, gid: int | None = None) -> int:
        gid = gid or self._id()
        self.groups.append({"id": gid, "title": title, "parent_id": parent or self.root})
        return gid

    def outcome(self, oid: int, title: str | None = None, *, method: str = "highest", calc_int: int | None = None,
                ratings: list[dict] | None = None, points_possible=None, mastery_points=None,
                group: int | None = None) -> int:
        self.outcomes.append({"id": oid, "title": title or f"Outcome {oid}", "group_id": group or self.root,
                              "ratings": ratings or DEFAULT_RATINGS, "points_possible": points_possible,
                              "mastery_points": mastery_points, "calculation_method": method,
                              "calculation_int": calc_int})
        return oid

    def asset(self, aid: int | None = None, type: str = "assignment", name: str | None = None,
              post_policy: str = "automatic", published: bool = True) -> int:
        aid = aid or self._id()
        self.assets.append({"id": aid, "type": type, "name": name or f"{type.title()} {aid}",
                            "html_url": f"/courses/{self.course_id}/{type}s/{aid}", "published": published,
                            "post_policy": post_policy})
        return aid

    def align(self, outcome: int, asset: int, mastery_score: float | None = None, aid: int | None = None) -> int:
        aid = aid or self._id()
        self.alignments.append({"id": aid, "outcome_id": outcome, "asset_id": asset, "mastery_score": mastery_score})
        return aid

    def result(self, user: int, alignment: int, score: float | None, *, possible: float | None = None,
               percent: float | None = None, submitted: float | None = None, assessed: float | None = None,
               hidden: bool = False, hide_points: bool = False, posted: bool = True, title: str | None = None,
               artifact_type: str = "rubric_assessment", rid: int | None = None) -> int:
        rid = rid or self._id()
        outcome = next(a["outcome_id"] for a in self.alignments if a["id"] == alignment)
        self.results.append({"id": rid, "user_id": user, "outcome_id": outcome, "alignment_id": alignment,
                             "score": score, "possible": possible, "percent": percent, "mastery": None,
                             "submitted_at": iso(submitted), "assessed_at": iso(assessed), "hidden": hidden,
                             "hide_points": hide_points, "posted": posted,
                             "title": title if title is not None else f"Student {user}, Item {alignment}",
                             "artifact_type": artifact_type})
        return rid

    def doc(self) -> dict[str, Any]:
        return {"format": FORMAT,
                "course": {"id": self.course_id, "name": self.name, "sis_course_id": None,
                           "mastery_scale": self.mastery_scale, "calculation_method": self.calculation_method},
                "sections": self.sections, "users": self.users, "enrollments": self.enrollments,
                "outcome_groups": self.groups, "outcomes": self.outcomes, "assets": self.assets,
                "alignments": self.alignments, "results": self.results}

    async def load(self, api, **roles: int) -> None:
        """Imports the bundle into the api's database and gives the api a token per named role."""
        await import_bundle(api.engine, self.doc())
        for role, uid in roles.items():
            api.tokens[role] = await create_token(api.engine, user_id=uid)
