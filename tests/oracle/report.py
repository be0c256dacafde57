"""Differences with the oracle grouped by class (kind, entry point), each shown once: the instance from the
smallest world, with who the viewer is, what was asked, and expected against got."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.oracle.probe import Discrepancy, Tally
from tests.oracle.rules import ADMIN
from tests.oracle.world import World


@dataclass
class Findings:
    worlds: int = 0
    checks: int = 0
    # key -> count, and per kind of viewer (their roles and states) the smallest world's reproduction
    classes: dict[tuple, list] = field(default_factory=dict)
    examples: dict[tuple, dict] = field(default_factory=dict)
    features: set = field(default_factory=set)

    def add(self, world: World, tally: Tally) -> None:
        self.worlds += 1
        self.checks += tally.checks
        self.features |= world.features()
        for d in tally.found:
            self.classes[d.key()] = self.classes.get(d.key(), 0) + 1
            by_viewer = self.examples.setdefault(d.key(), {})
            profile = _profile(world, d.viewer)
            if profile not in by_viewer or world.size() < by_viewer[profile][0]:
                by_viewer[profile] = (world.size(), reproduction(world, d))

    def report(self, per_class: int = 3) -> str:
        lines = [f"{len(self.classes)} classes of difference with the oracle in {self.worlds} worlds "
                 f"({self.checks} checks):"]
        for key, count in sorted(self.classes.items()):
            examples = sorted(self.examples[key].values())
            lines += ["", f"== {key[0].upper()}: {key[1]} ({count} times, {len(examples)} kinds of viewer)"]
            lines += [repro for _, repro in examples[:per_class]]
        return "\n".join(lines)


def _profile(world: World, viewer) -> tuple:
    return tuple(sorted({(e.role, e.state, e.limited, e.observee is not None)
                         for e in world.enrollments if e.user == viewer})) if viewer != ADMIN else ("admin",)


def _viewer(world: World, viewer) -> str:
    if viewer == ADMIN:
        return "an admin token"
    mine = [e for e in world.enrollments if e.user == viewer]
    return f"user {viewer} with " + ("; ".join(_enrollment(e) for e in mine) if mine else "no enrollments")


def _enrollment(e) -> str:
    extra = " limited to section" if e.limited else ""
    extra += f" observing {e.observee}" if e.observee else ""
    return f"{e.state} {e.role} in course {e.course} section {e.section}{extra}"


def reproduction(world: World, d: Discrepancy) -> str:
    """The facts needed to rebuild the case by hand."""
    others = [f"    user {e.user}: {_enrollment(e)}" for e in world.enrollments if e.user != d.viewer]
    links = ", ".join(f"outcome {o} in course {c} group {g}" for (c, o), g in sorted(world.links.items()))
    assets = ", ".join(f"asset {a.id} (course {a.course}, {'published' if a.published else 'UNPUBLISHED'}, "
                       f"{'manual' if a.manual else 'automatic'})" for a in world.assets.values())
    aligns = ", ".join(f"alignment {a.id} (course {a.course}, outcome {a.outcome}, asset {a.asset})"
                       for a in world.alignments.values())
    results = ", ".join(f"result {r.id} (course {r.course}, user {r.user}, alignment {r.alignment}"
                        f"{', hidden' if r.hidden else ''}{', unposted' if not r.posted else ''})"
                        for r in world.results.values())
    return "\n".join([
        f"  viewer: {_viewer(world, d.viewer)}",
        f"  asked:  {d.document[:600]}",
        f"  about:  {d.thing}",
        f"  expected: {d.expected}",
        f"  got:      {d.got}",
        "  world:",
        *others,
        f"    links: {links}",
        f"    {assets}",
        f"    {aligns}",
        f"    {results}",
    ])
