"""Probes every entry point for one viewer of a world and compares what the server shows with the oracle.

A probe is one aliased field of a GraphQL document plus a judge; one document per viewer asks all its reads,
so a world costs a few requests. A judge turns the alias's value (REFUSED when null or errored at the alias
itself) into checks; a check that disagrees with the oracle is a Discrepancy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.oracle import rules
from tests.oracle.rules import ADMIN, may_see
from tests.oracle.world import World

REFUSED = None


@dataclass(frozen=True)
class Expect:
    """Ids the server may show, ids it must show, and whether refusing the whole field is right."""

    allowed: frozenset
    required: frozenset = frozenset()
    may_refuse: bool = False


def forbidden() -> Expect:
    return Expect(frozenset(), frozenset(), True)


def exact(ids) -> Expect:
    ids = frozenset(ids)
    return Expect(ids, ids, False)


def either(allowed: bool) -> Expect:
    """Refusing is right too; showing it is a leak unless allowed."""
    return Expect(frozenset({"shown"}) if allowed else frozenset(), frozenset(), True)


def single(shown: bool) -> Expect:
    """One thing: shown (non-null, no error) exactly when the oracle says so."""
    return Expect(frozenset({"shown"}), frozenset({"shown"}), False) if shown else forbidden()


@dataclass(frozen=True)
class Discrepancy:
    kind: str  # leak, false refusal, missing, internal error
    entry: str  # the entry point, e.g. "Outcome.alignments via Query.outcome"
    viewer: object
    thing: str
    expected: str
    got: str
    document: str = ""

    def key(self) -> tuple:
        return self.kind, self.entry


@dataclass
class Tally:
    checks: int = 0
    found: list[Discrepancy] = field(default_factory=list)

    def compare(self, entry: str, viewer, thing: str, expect: Expect, got) -> None:
        """got: a set of ids, or REFUSED."""
        self.checks += 1
        if got is REFUSED:
            if not expect.may_refuse:
                self.found.append(Discrepancy("false refusal", entry, viewer, thing, _show(expect.required), "refused"))
            return
        got = frozenset(got)
        if got - expect.allowed:
            self.found.append(Discrepancy("leak", entry, viewer, thing, _show(expect.allowed), _show(got)))
        if expect.required - got:
            self.found.append(Discrepancy("missing", entry, viewer, thing, _show(expect.required), _show(got)))


def _show(ids) -> str:
    return "{" + ", ".join(sorted(map(str, ids))) + "}" if ids else "nothing"


@dataclass
class Probe:
    alias: str
    text: str  # the field, without the alias
    judge: Callable[[Tally, object], None]  # (tally, value or REFUSED)


class Prober:
    """The probes of one viewer of one world: its reads (one document), or its mutations (one operation each:
    a failed mutation stops the rest of its document)."""

    def __init__(self, world: World, viewer):
        self.w = world
        self.v = viewer
        self.probes: list[Probe] = []

    def may(self, *thing) -> bool:
        return may_see(self.w, self.v, thing)

    def add(self, alias: str, text: str, judge) -> None:
        self.probes.append(Probe(alias, text, judge))

    def document(self, operation: str = "query") -> str:
        return operation + " {\n" + "\n".join(f"  {p.alias}: {p.text}" for p in self.probes) + "\n}"

    def judge(self, tally: Tally, body: dict) -> None:
        """Judges one response body: what is null (or carries an error at the alias itself) was refused; the
        nulls an error leaves further down are judged by each probe (nothing shown there)."""
        data = body.get("data") or {}
        refused = set()
        for e in body.get("errors") or []:
            code = (e.get("extensions") or {}).get("code")
            path = e.get("path") or ["*"]
            if code == "INTERNAL_SERVER_ERROR" or code is None:
                tally.found.append(Discrepancy("internal error", str(path[0]), self.v, json.dumps(path),
                                               "a coded error or data", e.get("message")))
            if len(path) == 1 or _only_field_refused(data.get(path[0]), path):
                refused.add(path[0])
        for p in self.probes:
            value = REFUSED if p.alias in refused or "*" in refused else data.get(p.alias)
            before = len(tally.found)
            p.judge(tally, value)
            for i in range(before, len(tally.found)):  # each discrepancy carries the field that showed it
                d = tally.found[i]
                tally.found[i] = Discrepancy(d.kind, d.entry, d.viewer, d.thing, d.expected, d.got,
                                             f"{p.alias}: {p.text}")

    # -- the reads --

    def reads(self) -> "Prober":
        for c in self.w.courses:
            self._course_tree(c)
            self._course_lists(c)
            for u in self._students_of(c):
                self._student(c, u)
        for o in self.w.outcomes:
            self.add(f"o{o}", f'outcome(id: "{o}") {{ id {OUTCOME_TREE} }}',
                     lambda t, v, o=o: self._judge_outcome(t, v, o, "Query.outcome"))
        for u in self.w.users:
            self.add(f"u{u}", f'user(id: "{u}") {{ id }}',
                     lambda t, v, u=u: t.compare("Query.user", self.v, f"user {u}", single(self.may("user", u)),
                                                 _shown(v)))
        for j in self.w.jobs:
            self.add(f"j{j}", f'rollupJob(id: "{j}") {{ id }}',
                     lambda t, v, j=j: t.compare("Query.rollupJob", self.v, f"job {j} {self.w.jobs[j]}",
                                                 single(self.may("job", j)), _shown(v)))
        me = None if self.v == ADMIN else str(self.v)
        self.add("v", "viewer { id }", lambda t, v: t.compare(
            "Query.viewer", self.v, "viewer", exact([me] if me else []),
            REFUSED if v is REFUSED and me else (set() if v is None else {v["id"]})))
        self._entities()
        for c in self.w.courses:
            self._user_fields(c)
        return self

    def _students_of(self, c: int) -> list[int]:
        """Everyone with a student enrollment in the course (any state), and the viewer."""
        users = {e.user for e in self.w.enrollments if e.course == c and e.role == "student"}
        if self.v != ADMIN:
            users.add(self.v)
        return sorted(users)

    def _course_tree(self, c: int) -> None:
        text = (f'course(id: "{c}") {{ id sections {{ id }} outcomes {{ id alignments {{ id }} '
                f'group {{ id children {{ id }} outcomes {{ id alignments {{ id }} }} }} }} '
                f'outcomeGroups {{ id children {{ id }} outcomes {{ id alignments {{ id }} }} }} }}')

        def judge(t: Tally, v) -> None:
            t.compare("Query.course", self.v, f"course {c}", single(self.may("course", c)), _shown(v))
            if v is REFUSED:
                return
            w = self.w
            t.compare("Course.sections", self.v, f"course {c}", exact(s for s, sc in w.sections.items() if sc == c),
                      {int(x["id"]) for x in v["sections"]})
            linked = [o for (lc, o) in w.links if lc == c]
            t.compare("Course.outcomes", self.v, f"course {c}", exact(linked), {int(x["id"]) for x in v["outcomes"]})
            for o in v["outcomes"] or []:
                oid = int(o["id"])
                self._alignments_in(t, "Outcome.alignments via Course.outcomes", c, oid, o["alignments"])
                g = o["group"]
                t.compare("Outcome.group via Course.outcomes", self.v, f"outcome {oid} in course {c}",
                          exact([w.links.get((c, oid))]), set() if g is None else {int(g["id"])})
                if g is not None:
                    self._group_contents(t, "OutcomeGroup via Course.outcomes", int(g["id"]), g)
            groups = [g for g, (gc, _) in w.groups.items() if gc == c]
            t.compare("Course.outcomeGroups", self.v, f"course {c}", exact(groups),
                      {int(x["id"]) for x in v["outcomeGroups"]})
            for g in v["outcomeGroups"]:
                self._group_contents(t, "OutcomeGroup via Course.outcomeGroups", int(g["id"]), g)

        self.add(f"t{c}", text, judge)

    def _alignments_in(self, t: Tally, entry: str, c: int | None, o: int, got) -> None:
        """An outcome's alignments: in course c when it was reached through c, else in any visible course."""
        want = [a.id for a in self.w.alignments.values()
                if a.outcome == o and (c is None or a.course == c) and self.may("alignment", a.id)]
        t.compare(entry, self.v, f"outcome {o}" + (f" in course {c}" if c else ""), exact(want),
                  REFUSED if got is None else {int(x["id"]) for x in got})

    def _group_contents(self, t: Tally, entry: str, g: int, value) -> None:
        w = self.w
        if g not in w.groups:
            t.compare(entry, self.v, f"group {g}", forbidden(), {g})
            return
        c = w.groups[g][0]
        seen = self.may("group", g)
        t.compare(entry, self.v, f"group {g} of course {c}", exact([g] if seen else []), {g})
        if "children" in value:
            kids = [k for k, (_, p) in w.groups.items() if p == g]
            t.compare(entry.replace("OutcomeGroup", "OutcomeGroup.children"), self.v, f"group {g} of course {c}",
                      Expect(frozenset(kids if seen else []), frozenset(kids if seen else [])),
                      {int(x["id"]) for x in value["children"]})
        if "outcomes" in value:
            inside = [o for (lc, o), lg in w.links.items() if lc == c and lg == g]
            t.compare(entry.replace("OutcomeGroup", "OutcomeGroup.outcomes"), self.v, f"group {g} of course {c}",
                      Expect(frozenset(inside if seen else []), frozenset(inside if seen else [])),
                      {int(x["id"]) for x in value["outcomes"]})
            for o in value["outcomes"]:
                if "alignments" in o:  # reached through the group's course
                    via = entry.replace("OutcomeGroup", "Outcome.alignments via OutcomeGroup.outcomes")
                    self._alignments_in(t, via, c, int(o["id"]), o["alignments"])

    def _judge_outcome(self, t: Tally, v, o: int, entry: str) -> None:
        """An outcome reached without a course: shown to members of a course linking it, in the first such
        course (links are made in course order): its group, the group's contents and its alignments there."""
        t.compare(entry, self.v, f"outcome {o}", single(self.may("outcome", o)), _shown(v))
        if v is REFUSED:
            return
        scope = min((c for (c, lo) in self.w.links if lo == o and self.may("course", c)), default=None)
        self._alignments_in(t, f"Outcome.alignments via {entry}", scope, o, v.get("alignments"))
        g = v.get("group")
        if g is not None:
            self._group_contents(t, f"OutcomeGroup via {entry}", int(g["id"]), g)

    def _course_lists(self, c: int) -> None:
        w, all_ = self.w, self.may("all_students", c)
        sections = rules.grader_sections(w, self.v, c)
        scope = sorted({e.user for e in w.enrollments if e.course == c and e.role == "student"
                        and e.state != "deleted" and (sections is None or e.section in sections)})

        def results(hidden: bool) -> list[int]:
            return [r.id for r in w.results.values()
                    if r.course == c and r.user in scope and (hidden or not r.hidden)]

        page = "first: 100) { edges { node { id } } } }"
        for alias, args, hidden in ((f"ra{c}", "", False), (f"rh{c}", "includeHidden: true, ", True)):
            self.add(alias, f'course(id: "{c}") {{ outcomeResults({args}{page}',
                     lambda t, v, hidden=hidden: t.compare(
                         "Course.outcomeResults" + (" (includeHidden)" if hidden else ""), self.v,
                         f"course {c}, all students", exact(results(hidden)) if all_ else forbidden(),
                         _nodes(v, "outcomeResults")))
        rollups = "outcomeRollups(first: 100) { edges { node { user { id } } } }"
        self.add(f"ua{c}", f'course(id: "{c}") {{ {rollups} }}',
                 lambda t, v: t.compare("Course.outcomeRollups", self.v, f"course {c}, all students",
                                        exact(scope) if all_ else forbidden(),
                                        REFUSED if v is REFUSED else
                                        {int(e["node"]["user"]["id"]) for e in v["outcomeRollups"]["edges"]}))
        counts = {}
        for u in scope:
            for o, n in self._counts(c, u).items():
                counts[o] = counts.get(o, 0) + 1
        self.add(f"ag{c}", f'course(id: "{c}") {{ outcomeRollupAggregate {{ scores {{ outcome {{ id }} count }} }} }}',
                 lambda t, v: t.compare("Course.outcomeRollupAggregate", self.v, f"course {c}, (outcome, students)",
                                        exact(counts.items()) if all_ else forbidden(),
                                        REFUSED if v is REFUSED else
                                        {(int(s["outcome"]["id"]), s["count"])
                                         for s in v["outcomeRollupAggregate"]["scores"]}))
        o = w.outcomes[0] if (c, w.outcomes[0]) in w.links else next(o for (lc, o) in w.links if lc == c)
        self.add(f"cs{c}", f'course(id: "{c}") {{ contributingScores(outcomeId: "{o}") {{ scores {{ userId }} }} }}',
                 lambda t, v: t.compare("Course.contributingScores", self.v, f"course {c}, outcome {o}",
                                        Expect(frozenset(scope)) if all_ else forbidden(),
                                        REFUSED if v is REFUSED else
                                        {int(s["userId"]) for s in v["contributingScores"]["scores"]}))
        self.add(f"md{c}", f'course(id: "{c}") {{ masteryDistribution {{ ratings {{ studentIds }} }} }}',
                 lambda t, v: t.compare("Course.masteryDistribution", self.v, f"course {c}",
                                        Expect(frozenset(scope)) if all_ else forbidden(),
                                        REFUSED if v is REFUSED else
                                        {int(s) for d in v["masteryDistribution"] for r in d["ratings"]
                                         for s in r["studentIds"]}))

    def _counts(self, c: int, u: int) -> dict[int, int]:
        """Per outcome, how many of u's results the viewer's rollup of u counts: never hidden ones; unposted
        ones under a manual policy only for their graders."""
        out: dict[int, int] = {}
        grades = self.v == ADMIN or rules.grades_student(self.w, self.v, c, u)
        for r in self.w.results.values():
            if r.course == c and r.user == u and not r.hidden and (grades or rules.shown_to_non_grader(self.w, r)):
                out[r.outcome] = out.get(r.outcome, 0) + 1
        return out

    def _expect_student(self, c: int, u: int, shown: bool = True) -> tuple[Expect, Expect, set]:
        """What one student's results and rollup (with its (user, outcome, count) scores) may show."""
        w = self.w
        reads = self.may("student", c, u)
        theirs = [r.id for r in w.results.values() if r.course == c and r.user == u and not r.hidden
                  and self.may("result", r.id)]
        counts = {(u, o, n) for o, n in self._counts(c, u).items()} if reads else set()
        if reads and shown and rules.enrolled_student(w, u, c):
            return exact(theirs), exact([u]), counts
        if reads:  # e.g. only deleted student enrollments: Canvas refuses the id; showing it is no leak
            return Expect(frozenset(theirs), frozenset(), True), Expect(frozenset([u]), frozenset(), True), counts
        return forbidden(), forbidden(), counts

    def _student(self, c: int, u: int) -> None:
        """One student's results and rollup, asked with userIds: [u]."""
        results, rollup, counts = self._expect_student(c, u)
        enrolled = rollup.required
        page = "first: 100) { edges { node { id } } } }"
        self.add(f"rs{c}_{u}", f'course(id: "{c}") {{ outcomeResults(userIds: ["{u}"], {page}',
                 lambda t, v: t.compare("Course.outcomeResults(userIds)", self.v, f"course {c}, student {u}", results,
                                        _nodes(v, "outcomeResults")))
        rollup_text = (f'course(id: "{c}") {{ outcomeRollups(userIds: ["{u}"]) {{ edges {{ node {{ user {{ id }} '
                       f'scores {{ outcome {{ id }} count }} }} }} }} }}')

        def judge(t: Tally, v) -> None:
            edges = REFUSED if v is REFUSED else v["outcomeRollups"]["edges"]
            t.compare("Course.outcomeRollups(userIds)", self.v, f"course {c}, student {u}", rollup,
                      REFUSED if edges is REFUSED else {int(e["node"]["user"]["id"]) for e in edges})
            if edges is not REFUSED and edges:
                self._judge_counts(t, "RollupScore.count via Course.outcomeRollups(userIds)", c, u, counts,
                                   bool(enrolled), [e["node"] for e in edges])

        self.add(f"us{c}_{u}", rollup_text, judge)

    def _judge_counts(self, t: Tally, entry: str, c: int, u: int, counts: set, required: bool, rollups) -> None:
        """A rollup counts no hidden result, and unposted ones under a manual policy only for graders."""
        t.compare(entry, self.v, f"course {c}, student {u}: (user, outcome, count)",
                  exact(counts) if required else Expect(frozenset(counts)),
                  {(int(r["user"]["id"]), int(s["outcome"]["id"]), s["count"]) for r in rollups for s in r["scores"]})

    def _user_fields(self, c: int) -> None:
        """User.outcomeResults and User.outcomeRollups of every user, reached through _entities(User)."""
        users = self.w.users
        reps = json.dumps([{"__typename": "User", "id": str(u)} for u in users]) \
            .replace('"__typename"', "__typename").replace('"id"', "id")
        text = (f'_entities(representations: {reps}) {{ ... on User {{ id '
                f'outcomeResults(courseId: "{c}", first: 100) {{ edges {{ node {{ id }} }} }} '
                f'outcomeRollups(courseId: "{c}") {{ user {{ id }} scores {{ outcome {{ id }} count }} }} }} }}')

        def judge(t: Tally, v) -> None:
            for i, u in enumerate(users):
                item = REFUSED if v is REFUSED else v[i]
                results, rollup, counts = self._expect_student(c, u, shown=self.may("user", u))
                t.compare("User.outcomeResults via _entities(User)", self.v, f"course {c}, student {u}", results,
                          _nodes(item, "outcomeResults"))
                got = REFUSED if item is REFUSED else set() if item["outcomeRollups"] is None else {u}
                t.compare("User.outcomeRollups via _entities(User)", self.v, f"course {c}, student {u}", rollup, got)
                if got:
                    self._judge_counts(t, "RollupScore.count via User.outcomeRollups", c, u, counts,
                                       bool(rollup.required), [item["outcomeRollups"]])

        self.add(f"eu{c}", text, judge)

    def _entities(self) -> None:
        w = self.w
        reps = ([("Course", c, ("course", c)) for c in w.courses] + [("Outcome", o, ("outcome", o)) for o in w.outcomes]
                + [("User", u, ("user", u)) for u in w.users] + [("OutcomeResult", r, ("result", r)) for r in w.results]
                + [("Alignment", a, ("alignment", a)) for a in w.alignments])
        text = ("_entities(representations: " + json.dumps([{"__typename": t, "id": str(i)} for t, i, _ in reps])
                .replace('"__typename"', "__typename").replace('"id"', "id") +
                f") {{ ... on Course {{ id }} ... on Outcome {{ id {OUTCOME_TREE} }} ... on User {{ id }} "
                f"... on OutcomeResult {{ id }} ... on Alignment {{ id outcome {{ id }} }} }}")

        def judge(t: Tally, v) -> None:
            for i, (typename, ident, thing) in enumerate(reps):
                item = REFUSED if v is REFUSED else v[i]
                t.compare(f"_entities({typename})", self.v, f"{typename} {ident}", single(self.may(*thing)),
                          _shown(item))
                if typename == "Outcome" and item is not REFUSED:
                    self._judge_outcome(t, item, ident, "_entities(Outcome)")

        self.add("e", text, judge)

    # -- the writes --

    def writes(self) -> "Prober":
        """Every mutation's permission, with inputs valid for a viewer who has it (so an error is a refusal)."""
        w = self.w
        for c in w.courses:
            scoring, grader = self.may("scoring", c), self.may("all_students", c)
            sections = rules.grader_sections(w, self.v, c)
            self._write(f"ms{c}", f'setCourseMasteryScale(courseId: "{c}", ratings: null) {{ id }}',
                        "Mutation.setCourseMasteryScale", f"course {c}", single(scoring))
            self._write(f"cm{c}", f'setCourseCalculationMethod(courseId: "{c}", method: null) {{ id }}',
                        "Mutation.setCourseCalculationMethod", f"course {c}", single(scoring))
            for o in (o for (lc, o) in w.links if lc == c):
                courses = sorted(lc for (lc, lo) in w.links if lo == o)
                self._write(f"uo{c}_{o}", f'updateOutcome(courseId: "{c}", outcomeId: "{o}", '
                                          f'input: {{title: "Outcome {o}"}}) {{ id }}',  # its title: no change
                            "Mutation.updateOutcome", f"course {c}, outcome {o} (linked in {courses})",
                            single(self.may("edit_outcome", c, o)))
            own = next(o for (lc, o) in w.links if lc == c and o != w.outcomes[0])
            order = f'[{{outcomeId: "{own}", position: 0}}]'
            self._write(f"ao{c}", f'assignOutcomeOrder(courseId: "{c}", order: {order}) {{ id }}',
                        "Mutation.assignOutcomeOrder", f"course {c}",
                        either(grader) if self.v == ADMIN else single(grader))  # an admin token has no order
            self._write(f"eq{c}", f'enqueueOutcomeRollupCalculation(courseId: "{c}") {{ id }}',
                        "Mutation.enqueueOutcomeRollupCalculation(course)", f"course {c}",
                        # a section-limited grader recalculating the whole course: not decided by the rules
                        either(grader) if sections is not None else single(grader))
            self._write(f"do{c}", f'deleteOutcomeResults(courseId: "{c}", resultIds: [])',
                        "Mutation.deleteOutcomeResults", f"course {c}", single(grader))
            alignment = next(a.id for a in w.alignments.values() if a.course == c and a.outcome == own)
            for u in sorted({e.user for e in w.enrollments if e.course == c and e.role == "student"
                             and e.state != "deleted"}):
                grades = self.may("grade", c, u)
                # docs/behaviour.md §5.3: only a student whose enrollment is active or invited can be recalculated
                # (else not found)
                due = any(e.user == u and e.course == c and e.role == "student" and e.state in ("active", "invited")
                          and (sections is None or e.section in sections) for e in w.enrollments)
                self._write(f"es{c}_{u}", f'enqueueOutcomeRollupCalculation(courseId: "{c}", userId: "{u}") '
                                          f'{{ id }}', "Mutation.enqueueOutcomeRollupCalculation(student)",
                            f"course {c}, student {u}", single(True) if grades and due else either(grades))
                self._write(f"rr{c}_{u}", f'recordOutcomeResults(courseId: "{c}", results: [{{userId: "{u}", '
                                          f'alignmentId: "{alignment}", score: 3}}]) {{ id }}',
                            "Mutation.recordOutcomeResults", f"course {c}, student {u}", single(grades))
            for r in [r for r in w.results.values() if r.course == c][:HIDING_PROBES]:
                hidden = "true" if r.hidden else "false"  # as it is: the write changes nothing
                self._write(f"sh{r.id}", f'setOutcomeResultsHidden(courseId: "{c}", resultIds: ["{r.id}"], '
                                         f'hidden: {hidden}) {{ id }}', "Mutation.setOutcomeResultsHidden",
                            f"course {c}, result {r.id} of student {r.user}", single(self.may("grade", c, r.user)))
        return self

    def _write(self, alias: str, text: str, entry: str, thing: str, expect: Expect) -> None:
        self.add(alias, text, lambda t, v: t.compare(entry, self.v, thing, expect, _shown(v)))


HIDING_PROBES = 3  # setOutcomeResultsHidden probes per course (a few: each is a request)
OUTCOME_TREE = "alignments { id } group { id children { id } outcomes { id alignments { id } } }"


def _shown(value):
    return REFUSED if value is None else {"shown"}


def _only_field_refused(value, path: list) -> bool:
    """A probe asking one field of its parent (course(id) { outcomeResults ... }) whose field was refused: the
    parent survives with that field null (partial results), which refuses the probe as a null parent would."""
    return len(path) == 2 and isinstance(value, dict) and list(value) == [path[1]] and value[path[1]] is None


def _nodes(value, name: str):
    """The ids of a connection's nodes; REFUSED when it or its parent is null (refused, partial results)."""
    if value is REFUSED or value[name] is None:
        return REFUSED
    return {int(e["node"]["id"]) for e in value[name]["edges"]}
