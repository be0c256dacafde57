"""Differential: random small courses imported as bundles; every rollup, aggregate and mastery bucket served over
GraphQL equals the pure engine applied to results selected from the bundle JSON by the test itself
(docs/behaviour.md §2.4: hidden out, null scores ignored, unposted manual-policy results only for graders;
percents per §2.2 when absent; course scale and method per §4.2).
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import update

from outcome_graph.db import models as m
from outcome_graph.db.tokens import create_token
from outcome_graph.rollups import rating_bucket
from tests.api.course_builder import CourseBuilder
from tests.api.expected import Course, api_score, engine_score
from tests.api.test_rollups_api import ROLLUPS, comparable, expected_nodes, rollup_pages, score_order, users_of

METHODS = [("decaying_average", (1, 99)), ("weighted_average", (1, 99)), ("standard_decaying_average", (50, 99)),
           ("n_mastery", (1, 4)), ("latest", None), ("highest", None), ("average", None)]
SCALE = {"ratings": [{"description": "Exceeds", "points": 4, "mastery": False, "color": "0374B5"},
                     {"description": "Mastery", "points": 3, "mastery": True, "color": "0B874B"},
                     {"description": "Near", "points": 2, "mastery": False, "color": "FAB901"},
                     {"description": "Below", "points": 1, "mastery": False, "color": "D97900"},
                     {"description": "None", "points": 0, "mastery": False, "color": "E0061F"}]}
T0 = 1_780_000_000


def random_course(seed: int, scale: bool, course_method: bool) -> tuple[CourseBuilder, int]:
    """A small course with every method, ties, null scores, hidden and unposted results, quiz percents and
    alignment mastery scores; returns it with a student who has unposted results."""
    rnd = random.Random(seed)
    method = None
    if course_method:
        name, bounds = rnd.choice(METHODS)
        method = {"method": name, "int": rnd.randint(*bounds) if bounds else None}
    c = CourseBuilder(mastery_scale=SCALE if scale else None, calculation_method=method)
    sections = [c.section(10), c.section(11)]
    c.teacher(1, sections[0])
    names = ["Diaz, Ana", "diaz, ana", "Ek, Bo", "Ng, Cy", "Ørn, Di", "Abe, Ed", "Zhu, Fa", "Lee, Gu", "Ito, Ha"]
    students = []
    for i in range(rnd.randint(6, 9)):
        uid = 100 + i
        students.append(c.student(uid, names[i], *rnd.sample(sections, rnd.choice([1, 1, 2])),
                                  state=rnd.choice(["active"] * 5 + ["completed", "invited"])))
    outcomes = []
    for j, (name, bounds) in enumerate(METHODS + [rnd.choice(METHODS)]):
        top = rnd.choice([3, 4, 5, 10])
        ratings = [{"description": f"L{k}", "points": p}
                   for k, p in enumerate(sorted(rnd.sample(range(top), rnd.randint(1, 3)) + [top], reverse=True))]
        outcomes.append(c.outcome(
            200 + j, method=name, calc_int=(rnd.choice([None, rnd.randint(*bounds)]) if bounds else None),
            ratings=ratings, mastery_points=rnd.choice([None, ratings[-1]["points"], ratings[0]["points"] / 2]),
            points_possible=rnd.choice([None, None, 0, top])))
    assets = {"assignment": c.asset(type="assignment"), "manual": c.asset(type="assignment", post_policy="manual"),
              "quiz": c.asset(type="quiz"), "rubric": c.asset(type="rubric"), "bank": c.asset(type="question_bank")}
    alignments = []
    for o in outcomes:
        for kind in rnd.sample(sorted(assets), rnd.randint(2, 4)):
            alignments.append((c.align(o, assets[kind], rnd.choice([None, None, 0.6, 0.7, 1.0])), kind))
            if kind == "quiz":  # a second bank of the same quiz: pooled per quiz (docs/behaviour.md §1.2 item 4)
                alignments.append((c.align(o, assets[kind], rnd.choice([None, 0.5])), kind))
    times = [None, T0, T0 + 0.25, T0 + 0.75, T0 + 86_400, T0 + 86_400 * 2, T0 - 86_400]  # ties within a second
    muted_student = None
    for uid in students[:-1]:  # the last student has no results
        for aid, kind in alignments:
            if rnd.random() < 0.3:
                continue
            quiz = kind in ("quiz", "bank")
            possible = rnd.choice([None, 0.0, 1.0, 4.0, 5.0, 10.0])
            score = None if rnd.random() < 0.1 else rnd.choice([0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 2.123])
            posted = not (kind == "manual" and rnd.random() < 0.5)
            if not posted and muted_student is None:
                muted_student = uid
            c.result(uid, aid, score, possible=possible,
                     percent=rnd.choice([None, 0.0, 0.4, 0.55, 0.9, 1.2]) if quiz and rnd.random() < 0.7 else None,
                     submitted=rnd.choice(times), assessed=rnd.choice(times), hidden=rnd.random() < 0.1,
                     hide_points=rnd.random() < 0.3, posted=posted,
                     title=rnd.choice([f"Student {uid}, Item {aid}", f"S, Item, part {aid}", "no comma", None]),
                     artifact_type="quiz_submission" if quiz else rnd.choice(["rubric_assessment", "other"]))
    return c, muted_student


CONFIGS = [(11, False, False), (23, True, False), (37, False, True), (41, True, True)]


@pytest.mark.parametrize("seed,scale,course_method", CONFIGS,
                         ids=["plain", "course-scale", "course-method", "scale-and-method"])
async def test_every_rollup_aggregate_and_bucket_equals_the_engine(empty_api, seed, scale, course_method):
    c, muted_student = random_course(seed, scale, course_method)
    await c.load(empty_api, teacher=1)
    course = Course(c.doc())
    everyone, outcomes = course.students(), course.outcome_ids()
    expected = expected_nodes(course, everyone, outcomes)
    assert sum(len(n["scores"]) for n in expected) > 20

    # every rollup, paging through all students (stored rollups, written by the import)
    nodes, pages = await rollup_pages(empty_api, {}, 4)
    assert comparable(nodes) == expected
    assert pages[0]["totalCount"] == len(everyone)

    # sorted by an outcome's score, both ways
    for o in (outcomes[0], outcomes[3]):
        for order in ("ASC", "DESC"):
            nodes, _ = await rollup_pages(empty_api, {"sortBy": "OUTCOME", "sortOutcomeId": str(o),
                                                      "sortOrder": order}, 3)
            assert users_of(nodes) == score_order(course, everyone, o, desc=order == "DESC"), (o, order)

    # aggregates
    for stat in ("mean", "median"):
        agg = course.aggregates(stat)
        data = await empty_api.query("query($s: AggregateStat) { course(id: 1) { outcomeRollupAggregate(stat: $s) "
                                     "{ scores { outcome { id } score count title submittedAt hidePoints } } } }",
                                     {"s": stat.upper()}, as_="teacher")
        assert [(s["outcome"]["id"], api_score(s)) for s in data["course"]["outcomeRollupAggregate"]["scores"]] == \
            [(str(o), engine_score(agg[o])) for o in outcomes if o in agg], stat

    # mastery buckets: the course scale's ratings, else the outcome's
    rollups = course.rollups()
    data = await empty_api.query("{ course(id: 1) { masteryDistribution { outcome { id } totalStudents "
                                 "ratings { points studentIds } } } }", as_="teacher")
    for dist in data["course"]["masteryDistribution"]:
        oid = int(dist["outcome"]["id"])
        points = [r["points"] for r in (SCALE if scale else course.outcomes[oid])["ratings"]]
        points = sorted(points, reverse=True)
        scores = {u: s.score for (u, o), s in rollups.items() if o == oid and s.score is not None}
        buckets = [[str(u) for u in sorted(scores) if rating_bucket(scores[u], points) == i]
                   for i in range(len(points))]
        assert dist == {"outcome": {"id": str(oid)}, "totalStudents": len(scores),
                        "ratings": [{"points": float(p), "studentIds": b} for p, b in zip(points, buckets)]}

    # stale stored rollups are computed on the fly, to the same answer
    async with empty_api.engine.begin() as conn:
        await conn.execute(update(m.Course).values(scoring_version=m.Course.scoring_version + 1))
    nodes, _ = await rollup_pages(empty_api, {}, 100)
    assert comparable(nodes) == expected

    # a student's own rollup leaves unposted manual-policy results out (docs/behaviour.md §2.4)
    if muted_student is not None:
        empty_api.tokens["student"] = await create_token(empty_api.engine, user_id=muted_student)
        own = await empty_api.query(ROLLUPS, {"userIds": ["self"], "first": 1}, as_="student")
        assert comparable([e["node"] for e in own["course"]["outcomeRollups"]["edges"]]) == \
            expected_nodes(course, [muted_student], outcomes, grader=False)
