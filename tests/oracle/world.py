"""Small generated worlds for the access oracle: two or three courses, every role and enrollment state,
outcomes shared between courses, hidden, unposted and unpublished data; written out as course bundles.

Ids are offsets from a base the caller picks per world, so many worlds live side by side in one database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hypothesis import strategies as st

ROLES = ("student", "teacher", "ta", "observer", "designer")
STATES = ("active", "invited", "inactive", "completed", "deleted")
FORMAT = "outcome-graph/course-bundle@1"
RATINGS = [{"description": "Exceeds", "points": 5}, {"description": "Meets", "points": 3},
           {"description": "Below", "points": 0}]


@dataclass(frozen=True)
class Enrollment:
    user: int
    course: int
    section: int
    role: str
    state: str
    limited: bool = False
    observee: int | None = None


@dataclass(frozen=True)
class Asset:
    id: int
    course: int
    published: bool
    manual: bool  # manual post policy


@dataclass(frozen=True)
class Alignment:
    id: int
    course: int
    outcome: int
    asset: int


@dataclass(frozen=True)
class Result:
    id: int
    course: int
    user: int
    outcome: int
    alignment: int
    hidden: bool
    posted: bool
    score: float


@dataclass
class World:
    courses: list[int]
    sections: dict[int, int]  # section -> course
    users: list[int]
    enrollments: list[Enrollment]
    groups: dict[int, tuple[int, int | None]]  # group -> (course, parent)
    outcomes: list[int]
    links: dict[tuple[int, int], int]  # (course, outcome) -> group
    assets: dict[int, Asset]
    alignments: dict[int, Alignment]
    results: dict[int, Result]
    jobs: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # job -> (course, user); filled on load

    def features(self) -> set:
        """What this world exercises; the test asserts that the generated worlds, together, exercise all."""
        out = {("enrollment", e.role, e.state) for e in self.enrollments}
        out |= {("limited", e.role) for e in self.enrollments if e.limited}
        out |= {("observer linked",) for e in self.enrollments if e.observee is not None}
        out |= {("unpublished",) for a in self.assets.values() if not a.published}
        out |= {("manual policy, unposted",) for r in self.results.values()
                if not r.posted and self.assets[self.alignments[r.alignment].asset].manual}
        out |= {("hidden",) for r in self.results.values() if r.hidden}
        out |= {("outcome linked in", sum(1 for (c, o) in self.links if o == self.outcomes[0]))}
        for e in self.enrollments:
            if e.role == "student" and e.state == "deleted" and any(
                    x.user == e.user and x.course == e.course and x.role == "student" and x.state != "deleted"
                    and x.section != e.section for x in self.enrollments):
                out.add(("moved sections",))
        if any(len({e.course for e in self.enrollments if e.user == u}) > 1 for u in self.users):
            out.add(("several courses per user",))
        return out

    def size(self) -> int:
        return len(self.users) + len(self.enrollments) + len(self.results)

    def bundles(self) -> list[dict]:
        """One course-bundle@1 document per course, in import order (users travel with the first)."""
        docs = []
        for i, c in enumerate(self.courses):
            outcomes = [o for o in self.outcomes if (c, o) in self.links]
            docs.append({
                "format": FORMAT,
                "course": {"id": c, "name": f"Course {c}"},
                "sections": [{"id": s, "name": f"Section {s}"} for s, sc in self.sections.items() if sc == c],
                "users": [] if i else [{"id": u, "name": f"User {u}", "sortable_name": f"User {u:012d}"}
                                       for u in self.users],
                "enrollments": [{"user_id": e.user, "section_id": e.section, "role": e.role, "state": e.state,
                                 "associated_user_id": e.observee, "limit_to_section": e.limited}
                                for e in self.enrollments if e.course == c],
                "outcome_groups": [{"id": g, "title": f"Group {g}", "parent_id": p}
                                   for g, (gc, p) in self.groups.items() if gc == c],
                "outcomes": [{"id": o, "title": f"Outcome {o}", "group_id": self.links[(c, o)], "ratings": RATINGS,
                              "calculation_method": "highest"} for o in outcomes],
                "assets": [{"id": a.id, "type": "assignment", "name": f"Asset {a.id}", "published": a.published,
                            "post_policy": "manual" if a.manual else "automatic"}
                           for a in self.assets.values() if a.course == c],
                "alignments": [{"id": a.id, "outcome_id": a.outcome, "asset_id": a.asset}
                               for a in self.alignments.values() if a.course == c],
                "results": [{"id": r.id, "user_id": r.user, "outcome_id": r.outcome, "alignment_id": r.alignment,
                             "score": r.score, "possible": 5, "hidden": r.hidden, "posted": r.posted,
                             "submitted_at": "2024-01-01T00:00:00+00:00", "title": f"User {r.user}, Asset"}
                            for r in self.results.values() if r.course == c],
            })
        return docs


EVERY_FEATURE = ({("enrollment", r, s) for r in ROLES for s in STATES} | {("limited", "teacher"), ("limited", "ta")}
                 | {("observer linked",), ("unpublished",), ("manual policy, unposted",), ("hidden",),
                    ("outcome linked in", 2), ("outcome linked in", 3), ("moved sections",),
                    ("several courses per user",)})


@st.composite
def worlds(draw, base: int) -> World:
    """A world whose ids start above `base` (a multiple of 100,000 the caller never reuses).

    Hypothesis needs the draws to depend on nothing but earlier draws, so the shape of three courses is
    always drawn; the world's number (base // 100,000) then only prunes and forces (see _force).
    """
    k = base // 100_000
    courses = [base + c for c in (1, 2, 3)]
    sections = {base + 10 * i + s: c for i, c in enumerate(courses, 1) for s in (1, 2)}
    secs_of = {c: [s for s, sc in sections.items() if sc == c] for c in courses}

    # the outcome tree: a root and a subgroup per course; one own outcome per course, one shared by
    # the first two courses (sometimes all three), linked at the root or in the subgroup
    groups, links = {}, {}
    for i, c in enumerate(courses, 1):
        root, sub = base + 100 * i, base + 100 * i + 1
        groups[root], groups[sub] = (c, None), (c, root)
        links[(c, base + 1000 + i)] = root + draw(st.integers(0, 1))
        links[(c, base + 1000)] = root + draw(st.integers(0, 1))
    shared = base + 1000
    outcomes = [shared, *(base + 1000 + i for i in (1, 2, 3))]

    # two assets per course, published or not, automatic or manual post policy; each linked outcome
    # aligned to one of them
    assets, alignments = {}, {}
    for i, c in enumerate(courses, 1):
        for j in (1, 2):
            aid = base + 2000 + 10 * i + j
            assets[aid] = Asset(aid, c, draw(st.booleans()), draw(st.booleans()))
        for j, o in enumerate(o for o in outcomes if (c, o) in links):
            lid = base + 3000 + 10 * i + j
            alignments[lid] = Alignment(lid, c, o, base + 2000 + 10 * i + draw(st.integers(1, 2)))

    # users and their enrollments: every role and state, several per user, section limits
    n_users = draw(st.integers(3, 7))
    users = [base + 200 + j for j in range(n_users)]
    enrollments: list[Enrollment] = []
    seen = set()

    def add(e: Enrollment, replacing: bool = False) -> None:
        """Adds an enrollment unless one of the same key (user, section, role, observee) is there; `replacing`
        puts it in that one's place."""
        key = (e.user, e.section, e.role, e.observee)
        if replacing:
            enrollments[:] = [x for x in enrollments if (x.user, x.section, x.role, x.observee) != key]
        elif key in seen:
            return
        seen.add(key)
        enrollments.append(e)

    for u in users:
        for _ in range(draw(st.integers(0, 3))):
            c = draw(st.sampled_from(courses))
            role = draw(st.sampled_from(ROLES))
            state = draw(st.sampled_from(STATES))
            s = draw(st.sampled_from(secs_of[c]))
            limited = role in ("teacher", "ta") and draw(st.booleans())
            observee = draw(st.sampled_from(users)) if role == "observer" else None
            add(Enrollment(u, c, s, role, state, limited, None if observee == u else observee))
        if draw(st.integers(0, 4)) == 0:  # a student who moved sections: the old enrollment deleted
            c = draw(st.sampled_from(courses))
            old, new = secs_of[c] if draw(st.booleans()) else secs_of[c][::-1]
            add(Enrollment(u, c, old, "student", "deleted"))
            add(Enrollment(u, c, new, "student", draw(st.sampled_from(("active", "completed")))))

    # results: for users with a student enrollment (any state) in a course, on some of its alignments
    results = {}
    for c in courses:
        students = sorted({e.user for e in enrollments if e.course == c and e.role == "student"})
        for u in students:
            for a in (a for a in alignments.values() if a.course == c):
                if draw(st.integers(0, 3)) == 0:
                    continue
                rid = base + 5000 + len(results)
                results[rid] = Result(rid, c, u, a.outcome, a.id, hidden=draw(st.integers(0, 3)) == 0,
                                      posted=draw(st.integers(0, 2)) > 0, score=float(draw(st.integers(0, 5))))
    three = draw(st.integers(0, 2)) == 0 or k % 4 == 2
    share_three = draw(st.booleans()) or k % 4 == 2
    world = World(courses, sections, users, enrollments, groups, outcomes, links, assets, alignments, results)
    if not three:
        world = _without(world, courses[2])
    elif not share_three:
        world = _unlink(world, courses[2], shared)
    enrollments = world.enrollments  # `add` now adds to the pruned world's list
    _force(k, world, add)
    return world


def _without(w: World, course: int) -> World:
    """The world with one course less (and everything in it)."""
    def keep(c: int) -> bool:
        return c != course
    return World([c for c in w.courses if keep(c)], {s: c for s, c in w.sections.items() if keep(c)}, w.users,
                 [e for e in w.enrollments if keep(e.course)], {g: v for g, v in w.groups.items() if keep(v[0])},
                 [o for o in w.outcomes if any(keep(c) for (c, lo) in w.links if lo == o)],
                 {k: g for k, g in w.links.items() if keep(k[0])},
                 {i: a for i, a in w.assets.items() if keep(a.course)},
                 {i: a for i, a in w.alignments.items() if keep(a.course)},
                 {i: r for i, r in w.results.items() if keep(r.course)})


def _unlink(w: World, course: int, outcome: int) -> World:
    """The world with an outcome no longer linked (nor aligned, nor assessed) in one course."""
    def keep(c: int, o: int) -> bool:
        return (c, o) != (course, outcome)
    return replace(w, links={k: g for k, g in w.links.items() if keep(*k)},
                   alignments={i: a for i, a in w.alignments.items() if keep(a.course, a.outcome)},
                   results={i: r for i, r in w.results.items() if keep(r.course, r.outcome)})


COMBINATIONS = [(role, state) for role in ROLES for state in STATES]


def _force(k: int, w: World, add) -> None:
    """Shapes a short series of random worlds may miss, taken in turn by world number k (no draws: Hypothesis
    replays draws): every (role, state) once in 13 worlds, graders limited every other time; a section-limited
    TA or teacher in every world, and every third world a student with a result who moved out of their section
    (the old enrollment deleted); a student in two courses; a hidden result; an unposted one under a manual
    policy; an unpublished asset."""
    first, second = w.courses[0], w.courses[1]
    secs = {c: sorted(s for s, sc in w.sections.items() if sc == c) for c in w.courses}
    for i in (2 * k, 2 * k + 1):
        role, state = COMBINATIONS[i % len(COMBINATIONS)]
        add(Enrollment(w.users[-1 - i % 2], first, secs[first][0], role, state,
                       limited=role in ("teacher", "ta") and i % 2 == 1,
                       observee=w.users[0] if role == "observer" else None), replacing=True)
    add(Enrollment(w.users[1], first, secs[first][0], "ta" if k % 2 else "teacher", "active", limited=True))
    if k % 3 == 0:
        add(Enrollment(w.users[0], first, secs[first][0], "student", "deleted"))
        add(Enrollment(w.users[0], first, secs[first][1], "student", "active"))
        a = min(a.id for a in w.alignments.values() if a.course == first)
        rid = max(w.results, default=first + 5000) + 1  # result ids run from base + 5000
        w.results[rid] = Result(rid, first, w.users[0], w.alignments[a].outcome, a, False, True, 4.0)
    if k % 3 == 1:
        add(Enrollment(w.users[0], first, secs[first][1], "student", "active"))
        add(Enrollment(w.users[0], second, secs[second][1], "student", "completed"))
    if w.results and k % 2 == 0:
        r = w.results[min(w.results)]
        w.results[r.id] = replace(r, posted=False)
        asset = w.alignments[r.alignment].asset
        w.assets[asset] = replace(w.assets[asset], manual=True)
    if w.results and k % 4 == 1:
        w.results[min(w.results)] = replace(w.results[min(w.results)], hidden=True)
    if k % 2 == 1:
        asset = min(a for a in w.assets if w.assets[a].course == first)
        w.assets[asset] = replace(w.assets[asset], published=False)
