"""Course bundles: every rule of docs/bundle-format.md, with its exact error path and message."""

from __future__ import annotations

import copy
import json
import math
import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcome_graph.db import bundle as B
from outcome_graph.db import models
from outcome_graph.db.bundle import (
    FORMAT,
    RESULT_COLUMNS,
    BundleError,
    StoredRefs,
    load_bundle_file,
    parse_bundle,
)
from outcome_graph.rollups import CalculationError, validate_calculation

# The example of docs/bundle-format.md, verbatim.
EXAMPLE = json.loads("""
{
  "format": "outcome-graph/course-bundle@1",
  "course": {
    "id": 1, "name": "Biology 101", "sis_course_id": "BIO-101",
    "mastery_scale": null,
    "calculation_method": null
  },
  "sections": [{"id": 10, "name": "Period 1"}],
  "users": [{"id": 3, "name": "Ada Lovelace", "sortable_name": "Lovelace, Ada",
             "sis_user_id": "S003", "login_id": "ada"}],
  "enrollments": [{"user_id": 3, "section_id": 10, "role": "student", "state": "active",
                   "associated_user_id": null, "limit_to_section": false}],
  "outcome_groups": [{"id": 1, "title": "Biology 101", "parent_id": null},
                     {"id": 2, "title": "Numbers", "parent_id": 1}],
  "outcomes": [{"id": 97, "title": "Spelling out numbers", "display_name": null,
                "description": "", "vendor_guid": null, "group_id": 2,
                "points_possible": 5, "mastery_points": 3,
                "ratings": [{"description": "Exceeds Expectations", "points": 5},
                            {"description": "Meets Expectations", "points": 3},
                            {"description": "Does Not Meet Expectations", "points": 0}],
                "calculation_method": "decaying_average", "calculation_int": 65}],
  "assets": [{"id": 53, "type": "assignment", "name": "Big mid-term test", "html_url": null,
              "published": true, "post_policy": "automatic"}],
  "alignments": [{"id": 123, "outcome_id": 97, "asset_id": 53, "mastery_score": null}],
  "results": [{"id": 42, "user_id": 3, "outcome_id": 97, "alignment_id": 123,
               "score": 6, "possible": 10, "percent": null, "mastery": null,
               "submitted_at": "2013-02-01T00:00:00-06:00", "assessed_at": null,
               "hidden": false, "hide_points": false, "posted": true,
               "title": "Ada Lovelace, Big mid-term test", "artifact_type": "rubric_assessment"}]
}
""")

DEFAULT_RATINGS = [
    {"description": "Exceeds Expectations", "points": 5.0},
    {"description": "Meets Expectations", "points": 3.0},
    {"description": "Does Not Meet Expectations", "points": 0.0},
]
SCALE = {"ratings": [
    {"description": "Exceeds", "points": 4, "mastery": False, "color": "0374B5"},
    {"description": "Mastery", "points": 3, "mastery": True, "color": "0B874B"},
    {"description": "None", "points": 0, "mastery": False, "color": "E0061F"},
]}


def example() -> dict:
    return copy.deepcopy(EXAMPLE)


def result_dicts(bundle: B.Bundle) -> list[dict]:
    return [dict(zip(RESULT_COLUMNS, row, strict=True)) for row in bundle.results]


def _walk(doc, path: str):
    """(container, last key) of a JSON path such as `results[0].user_id`."""
    keys = [int(i) if i else k for k, i in re.findall(r"\.?([A-Za-z_]+)|\[(\d+)\]", path)]
    for k in keys[:-1]:
        doc = doc[k]
    return doc, keys[-1]


def setp(doc, path: str, value):
    node, key = _walk(doc, path)
    node[key] = value
    return doc


def delp(doc, path: str):
    node, key = _walk(doc, path)
    del node[key]
    return doc


def S(*pairs):
    """A mutation setting (path, value) pairs, in order."""

    def mutate(doc):
        for path, value in zip(pairs[::2], pairs[1::2], strict=True):
            setp(doc, path, value)
        return doc

    return mutate


def D(path):
    return lambda doc: delp(doc, path)


def A(kind, **item):
    """A mutation appending a copy of the first item of a list, updated with `item`."""

    def mutate(doc):
        doc[kind].append({**doc[kind][0], **item})
        return doc

    return mutate


def scale(**changes):
    """SCALE with changes such as r1_points=4 (rating 1's points)."""
    s = copy.deepcopy(SCALE)
    for name, v in changes.items():
        i, key = name.split("_", 1)
        s["ratings"][int(i[1:])][key] = v
    return s


def error_of(doc, stored: StoredRefs | None = None) -> str:
    with pytest.raises(BundleError) as info:
        parse_bundle(doc, stored or StoredRefs())
    e = info.value
    assert str(e) == f"{e.path}: {e.message}"
    return str(e)


def calc_message(method, n) -> str:
    with pytest.raises(CalculationError) as info:
        validate_calculation(method, n)
    return str(info.value)


# -- the example -----------------------------------------------------------------------------------


def test_example_parses_to_expected_rows():
    b = parse_bundle(example())
    assert b.course == {"id": 1, "name": "Biology 101", "sis_course_id": "BIO-101"}
    assert b.mastery_scale is None
    assert b.calculation_method is None
    assert b.sections == [{"id": 10, "course_id": 1, "name": "Period 1"}]
    assert b.users == [{"id": 3, "name": "Ada Lovelace", "sortable_name": "Lovelace, Ada",
                        "sis_user_id": "S003", "login_id": "ada"}]
    assert b.enrollments == [{"course_id": 1, "section_id": 10, "user_id": 3, "role": "student",
                              "state": "active", "associated_user_id": None,
                              "limit_to_section": False}]
    assert b.outcome_groups == [
        {"id": 1, "course_id": 1, "parent_id": None, "title": "Biology 101"},
        {"id": 2, "course_id": 1, "parent_id": 1, "title": "Numbers"},
    ]
    assert b.outcomes == [{
        "id": 97, "title": "Spelling out numbers", "display_name": None, "description": "",
        "vendor_guid": None, "points_possible": 5.0, "mastery_points": 3.0,
        "ratings": DEFAULT_RATINGS, "calculation_method": "decaying_average", "calculation_int": 65,
        "tie_break": None, "minimum_evidence": None,
    }]
    assert b.outcome_links == [{"course_id": 1, "group_id": 2, "outcome_id": 97}]
    assert b.assets == [{"id": 53, "course_id": 1, "type": "assignment",
                         "name": "Big mid-term test", "html_url": None, "published": True,
                         "post_policy": "automatic"}]
    assert b.alignments == [{"id": 123, "course_id": 1, "outcome_id": 97, "asset_id": 53,
                             "mastery_score": None, "deleted": False}]
    assert result_dicts(b) == [{
        "id": 42, "course_id": 1, "user_id": 3, "outcome_id": 97, "alignment_id": 123,
        "score": 6.0, "possible": 10.0, "percent": 0.6, "mastery": None,
        "hidden": False, "hide_points": False, "posted": True,
        "submitted_at": datetime(2013, 2, 1, 6, 0), "assessed_at": None,
        "time": 1359698400, "title": "Ada Lovelace, Big mid-term test",
        "artifact_type": "rubric_assessment", "deleted": False,
    }]


def test_rows_are_keyed_by_model_columns():
    assert set(RESULT_COLUMNS) == {c.name for c in models.OutcomeResult.__table__.columns}
    b = parse_bundle(S("course.mastery_scale", SCALE, "course.calculation_method", {})(example()))
    for rows, model in [
        ([b.course], models.Course), ([b.mastery_scale], models.MasteryScale),
        ([b.calculation_method], models.CourseCalculationMethod), (b.sections, models.Section),
        (b.users, models.User), (b.enrollments, models.Enrollment),
        (b.outcome_groups, models.OutcomeGroup), (b.outcomes, models.Outcome),
        (b.outcome_links, models.OutcomeLink), (b.assets, models.Asset),
        (b.alignments, models.Alignment),
    ]:
        columns = {c.name for c in model.__table__.columns}
        assert set(rows[0]) <= columns, model
        # every column without a default is given, except autoincrement ids and the bookkeeping
        required = {c.name for c in model.__table__.columns if c.default is None
                    and c.server_default is None and c.autoincrement is not True}
        assert required <= set(rows[0]) | {"id"}, model


# -- one case per rule: the exact path and message -------------------------------------------------

ROLES = '"student", "teacher", "ta", "observer", "designer"'
METHODS = ('"decaying_average", "weighted_average", "standard_decaying_average", "n_mastery", '
           '"latest", "highest", "average", "power_law", "mode", "recent_average", "recent_median", '
           '"highest_average"')
ARTIFACTS = '"rubric_assessment", "quiz_submission", "live_assessment", "other"'
NAIVE = 'has no UTC offset; add one such as "Z" or "-06:00"'
NUMBER = "must be a finite number or null"
NUL = "must not contain NUL characters"


def eighteen_results(doc):
    doc["results"] = [{**doc["results"][0], "id": 1000 + k} for k in range(18)]
    return doc


BAD = [
    # (name, mutation of the example, expected error)
    ("root", lambda d: [d], "$: must be a JSON object (got a list)"),
    ("format missing", D("format"), "format: required"),
    ("format wrong", S("format", "course@2"), f'format: must be "{FORMAT}" (got "course@2")'),
    ("course missing", D("course"), "course: required"),
    ("course type", S("course", 1), "course: must be an object (got 1)"),
    ("id zero", S("course.id", 0), "course.id: must be a positive integer (got 0)"),
    ("id bool", S("course.id", True), "course.id: must be a positive integer (got true)"),
    ("id float", S("course.id", 1.5), "course.id: must be a positive integer (got 1.5)"),
    ("id integral float", S("course.id", 1.0), "course.id: must be a positive integer (got 1.0)"),
    ("id string", S("course.id", "1"), 'course.id: must be a positive integer (got "1")'),
    ("id too big", S("course.id", 2**63), f"course.id: must be at most {2**63 - 1}"),
    ("name missing", D("course.name"), "course.name: required"),
    ("name null", S("course.name", None), "course.name: required"),
    ("name type", S("course.name", 5), "course.name: must be a string (got 5)"),
    ("name blank", S("course.name", " "), "course.name: must not be empty"),
    ("name long", S("course.name", "x" * 256),
     "course.name: must be at most 255 characters (got 256)"),
    ("sis type", S("course.sis_course_id", 7),
     "course.sis_course_id: must be a string or null (got 7)"),
    # course mastery scale (docs/behaviour.md §4.2)
    ("scale type", S("course.mastery_scale", []),
     "course.mastery_scale: must be an object (got a list)"),
    ("scale ratings missing", S("course.mastery_scale", {}),
     "course.mastery_scale.ratings: required"),
    ("scale ratings type", S("course.mastery_scale", {"ratings": {}}),
     "course.mastery_scale.ratings: must be a list (got an object)"),
    ("scale empty", S("course.mastery_scale", {"ratings": []}),
     "course.mastery_scale.ratings: at least one rating is required"),
    ("scale rating type", S("course.mastery_scale", {"ratings": ["x"]}),
     'course.mastery_scale.ratings[0]: must be an object (got "x")'),
    ("scale description", S("course.mastery_scale", scale(r1_description=None)),
     "course.mastery_scale.ratings[1].description: required"),
    ("scale points missing", S("course.mastery_scale", scale(r0_points=None)),
     "course.mastery_scale.ratings[0].points: required"),
    ("scale points NaN", S("course.mastery_scale", scale(r0_points=math.nan)),
     "course.mastery_scale.ratings[0].points: must be a finite number (got NaN)"),
    ("scale points negative", S("course.mastery_scale", scale(r2_points=-1)),
     "course.mastery_scale.ratings[2].points: must be at least 0 (got -1)"),
    ("scale points not decreasing", S("course.mastery_scale", scale(r1_points=4)),
     "course.mastery_scale.ratings[1].points: Points should be strictly decreasing: 4.0 <= 4.0"),
    ("scale two masteries", S("course.mastery_scale", scale(r2_mastery=True)),
     "course.mastery_scale.ratings[2].mastery: Exactly one rating can have mastery"),
    ("scale no mastery", S("course.mastery_scale", scale(r1_mastery=False)),
     "course.mastery_scale.ratings: Exactly one rating can have mastery"),
    ("scale mastery type", S("course.mastery_scale", scale(r1_mastery="yes")),
     'course.mastery_scale.ratings[1].mastery: must be true, false or null (got "yes")'),
    ("scale colour hash", S("course.mastery_scale", scale(r0_color="#0374B5")),
     'course.mastery_scale.ratings[0].color: must be six hex digits such as "0B874B" '
     '(got "#0374B5")'),
    ("scale colour short", S("course.mastery_scale", scale(r0_color="fff")),
     'course.mastery_scale.ratings[0].color: must be six hex digits such as "0B874B" (got "fff")'),
    # course calculation method (docs/behaviour.md §1.1)
    ("course method", S("course.calculation_method", {"method": "median"}),
     f'course.calculation_method.method: must be one of {METHODS} (got "median")'),
    ("course int range", S("course.calculation_method", {"method": "n_mastery", "int": 11}),
     "course.calculation_method.int: " + calc_message("n_mastery", 11)),
    ("course int unused", S("course.calculation_method", {"method": "latest", "int": 3}),
     "course.calculation_method.int: " + calc_message("latest", 3)),
    ("course tie break unused", S("course.calculation_method", {"method": "latest", "tie_break": "lower"}),
     "course.calculation_method.tie_break: A tie break is not used with this calculation method"),
    ("course tie break value", S("course.calculation_method", {"method": "mode", "tie_break": "first"}),
     'course.calculation_method.tie_break: must be one of "higher", "lower", "most_recent", "none" (got "first")'),
    ("outcome minimum evidence", S("outcomes[0].minimum_evidence", 101),
     "outcomes[0].minimum_evidence: '101' is not a valid minimum evidence count. It must be between '0' and '100'"),
    ("course int type", S("course.calculation_method", {"method": "n_mastery", "int": "3"}),
     'course.calculation_method.int: must be an integer or null (got "3")'),
    # sections
    ("sections type", S("sections", "x"), 'sections: must be a list (got "x")'),
    ("section type", S("sections[0]", 10), "sections[0]: must be an object (got 10)"),
    ("section id", D("sections[0].id"), "sections[0].id: required"),
    ("section duplicate", A("sections", name="P2"), "sections[1].id: duplicate id 10"),
    ("section name", S("sections[0].name", 1),
     "sections[0].name: must be a string or null (got 1)"),
    # users
    ("user name", D("users[0].name"), "users[0].name: required"),
    ("user duplicate", A("users", sis_user_id="S9"), "users[1].id: duplicate id 3"),
    ("user sis duplicate", A("users", id=4), 'users[1].sis_user_id: duplicate sis_user_id "S003"'),
    ("user login", S("users[0].login_id", ["ada"]),
     "users[0].login_id: must be a string or null (got a list)"),
    # enrollments
    ("enrollment user", S("enrollments[0].user_id", 99), "enrollments[0].user_id: no such user 99"),
    ("enrollment user missing", D("enrollments[0].user_id"), "enrollments[0].user_id: required"),
    ("enrollment section", S("enrollments[0].section_id", 11),
     "enrollments[0].section_id: no such section 11"),
    ("enrollment role missing", D("enrollments[0].role"), "enrollments[0].role: required"),
    ("enrollment role", S("enrollments[0].role", "boss"),
     f'enrollments[0].role: must be one of {ROLES} (got "boss")'),
    ("enrollment state", S("enrollments[0].state", "gone"),
     'enrollments[0].state: must be one of "active", "invited", "inactive", "completed", '
     '"deleted" (got "gone")'),
    ("associated user of a student", S("enrollments[0].associated_user_id", 3),
     "enrollments[0].associated_user_id: only an observer enrollment can name an associated user "
     '(role "student")'),
    ("observer of nobody",
     S("enrollments[0].role", "observer", "enrollments[0].associated_user_id", 99),
     "enrollments[0].associated_user_id: no such user 99"),
    ("limit_to_section", S("enrollments[0].limit_to_section", "yes"),
     'enrollments[0].limit_to_section: must be true, false or null (got "yes")'),
    ("enrollment duplicate", A("enrollments", state="invited"),
     "enrollments[1]: duplicate enrollment of user 3 in section 10 as student"),
    # outcome groups
    ("group title", D("outcome_groups[1].title"), "outcome_groups[1].title: required"),
    ("group duplicate", S("outcome_groups[1].id", 1), "outcome_groups[1].id: duplicate id 1"),
    ("group parent", S("outcome_groups[1].parent_id", 7),
     "outcome_groups[1].parent_id: no such outcome group 7"),
    ("group two roots", S("outcome_groups[1].parent_id", None),
     "outcome_groups[1].parent_id: only one root group is allowed; outcome group 1 is the root"),
    ("group own parent", S("outcome_groups[1].parent_id", 2),
     "outcome_groups[1].parent_id: outcome group 2 is its own ancestor (2 -> 2)"),
    # outcomes
    ("outcome title", S("outcomes[0].title", ""), "outcomes[0].title: must not be empty"),
    ("outcome duplicate", A("outcomes"), "outcomes[1].id: duplicate id 97"),
    ("outcome group", S("outcomes[0].group_id", 7),
     "outcomes[0].group_id: no such outcome group 7"),
    ("outcome points", S("outcomes[0].points_possible", "5"),
     f'outcomes[0].points_possible: {NUMBER} (got "5")'),
    ("outcome mastery negative", S("outcomes[0].mastery_points", -3),
     "outcomes[0].mastery_points: must be at least 0 (got -3)"),
    ("outcome mastery infinite", S("outcomes[0].mastery_points", math.inf),
     f"outcomes[0].mastery_points: {NUMBER} (got Infinity)"),
    ("outcome ratings type", S("outcomes[0].ratings", {}),
     "outcomes[0].ratings: must be a list or null (got an object)"),
    ("outcome rating type", S("outcomes[0].ratings[0]", 5),
     "outcomes[0].ratings[0]: must be an object (got 5)"),
    ("outcome rating description", S("outcomes[0].ratings[1].description", 3),
     "outcomes[0].ratings[1].description: must be a string (got 3)"),
    ("outcome rating points", S("outcomes[0].ratings[2].points", None),
     "outcomes[0].ratings[2].points: required"),
    ("outcome rating negative", S("outcomes[0].ratings[2].points", -0.5),
     "outcomes[0].ratings[2].points: must be at least 0 (got -0.5)"),
    ("outcome method", S("outcomes[0].calculation_method", "mean"),
     f'outcomes[0].calculation_method: must be one of {METHODS} (got "mean")'),
    ("outcome int range", S("outcomes[0].calculation_int", 100),
     "outcomes[0].calculation_int: " + calc_message("decaying_average", 100)),
    ("outcome int float", S("outcomes[0].calculation_int", 65.0),
     "outcomes[0].calculation_int: must be an integer or null (got 65.0)"),
    ("outcome int bool", S("outcomes[0].calculation_int", True),
     "outcomes[0].calculation_int: must be an integer or null (got true)"),
    ("outcome int with the highest default", S("outcomes[0].calculation_method", None),
     "outcomes[0].calculation_int: " + calc_message(None, 65)),
    # assets
    ("asset type missing", D("assets[0].type"), "assets[0].type: required"),
    ("asset type", S("assets[0].type", "video"),
     'assets[0].type: must be one of "assignment", "quiz", "rubric", "discussion", '
     '"question_bank" (got "video")'),
    ("asset name", D("assets[0].name"), "assets[0].name: required"),
    ("asset published", S("assets[0].published", 1),
     "assets[0].published: must be true, false or null (got 1)"),
    ("asset post policy", S("assets[0].post_policy", "later"),
     'assets[0].post_policy: must be one of "automatic", "manual" (got "later")'),
    ("asset duplicate", A("assets"), "assets[1].id: duplicate id 53"),
    # alignments
    ("alignment outcome", S("alignments[0].outcome_id", 98),
     "alignments[0].outcome_id: no such outcome 98"),
    ("alignment outcome missing", D("alignments[0].outcome_id"),
     "alignments[0].outcome_id: required"),
    ("alignment asset", S("alignments[0].asset_id", 54),
     "alignments[0].asset_id: no such asset 54"),
    ("alignment mastery", S("alignments[0].mastery_score", 70),
     "alignments[0].mastery_score: must be at most 1 (got 70)"),
    ("alignment duplicate", A("alignments"), "alignments[1].id: duplicate id 123"),
    # results
    ("results type", S("results", {}), "results: must be a list (got an object)"),
    ("result type", S("results[0]", None), "results[0]: must be an object (got null)"),
    ("result user", lambda d: S("results[17].user_id", 99)(eighteen_results(d)),
     "results[17].user_id: no such user 99"),
    ("result id missing", D("results[0].id"), "results[0].id: required"),
    ("result id negative", S("results[0].id", -42),
     "results[0].id: must be a positive integer (got -42)"),
    ("result id too big", S("results[0].id", 2**63), f"results[0].id: must be at most {2**63 - 1}"),
    ("result duplicate", A("results"), "results[1].id: duplicate id 42"),
    ("result alignment", S("results[0].alignment_id", 124),
     "results[0].alignment_id: no such alignment 124"),
    ("result alignment missing", D("results[0].alignment_id"), "results[0].alignment_id: required"),
    ("result alignment bool", S("results[0].alignment_id", True),
     "results[0].alignment_id: must be a positive integer (got true)"),
    ("result alignment list", S("results[0].alignment_id", [123]),
     "results[0].alignment_id: must be a positive integer (got a list)"),
    ("result outcome missing", D("results[0].outcome_id"), "results[0].outcome_id: required"),
    ("result outcome mismatch", S("results[0].outcome_id", 98),
     "results[0].outcome_id: alignment 123 aligns outcome 97, not 98"),
    ("result score", S("results[0].score", "6"), f'results[0].score: {NUMBER} (got "6")'),
    ("result score NaN", S("results[0].score", math.nan), f"results[0].score: {NUMBER} (got NaN)"),
    ("result score bool", S("results[0].score", True), f"results[0].score: {NUMBER} (got true)"),
    ("result score huge", S("results[0].score", 10**400),
     f"results[0].score: {NUMBER} (got a huge integer)"),
    ("result possible", S("results[0].possible", -math.inf),
     f"results[0].possible: {NUMBER} (got -Infinity)"),
    ("result percent", S("results[0].percent", [0.6]),
     f"results[0].percent: {NUMBER} (got a list)"),
    ("result mastery", S("results[0].mastery", "true"),
     'results[0].mastery: must be true, false or null (got "true")'),
    ("result naive timestamp", S("results[0].submitted_at", "2013-02-01T00:00:00"),
     f'results[0].submitted_at: timestamp "2013-02-01T00:00:00" {NAIVE}'),
    ("result date only", S("results[0].assessed_at", "2013-02-01"),
     f'results[0].assessed_at: timestamp "2013-02-01" {NAIVE}'),
    ("result timestamp", S("results[0].submitted_at", "yesterday"),
     'results[0].submitted_at: not an ISO 8601 timestamp: "yesterday"'),
    ("result timestamp type", S("results[0].assessed_at", 1359698400),
     "results[0].assessed_at: must be an ISO 8601 timestamp string or null (got 1359698400)"),
    ("result timestamp range", S("results[0].submitted_at", "0001-01-01T00:00:00+05:00"),
     'results[0].submitted_at: timestamp "0001-01-01T00:00:00+05:00" is out of range'),
    ("result hidden", S("results[0].hidden", 0),
     "results[0].hidden: must be true, false or null (got 0)"),
    ("result hide_points", S("results[0].hide_points", "no"),
     'results[0].hide_points: must be true, false or null (got "no")'),
    ("result posted", S("results[0].posted", {}),
     "results[0].posted: must be true, false or null (got an object)"),
    ("result title", S("results[0].title", 5),
     "results[0].title: must be a string or null (got 5)"),
    ("result artifact", S("results[0].artifact_type", "Quizzes::QuizSubmission"),
     f'results[0].artifact_type: must be one of {ARTIFACTS} (got "Quizzes::QuizSubmission")'),
    ("result artifact unhashable", S("results[0].artifact_type", ["other"]),
     f"results[0].artifact_type: must be one of {ARTIFACTS} (got a list)"),
    # PostgreSQL text cannot hold NUL: refused on every database, wherever text is stored
    ("NUL in course name", S("course.name", "Bio\x00logy"), f"course.name: {NUL}"),
    ("NUL in sis_user_id", S("users[0].sis_user_id", "S\x00"), f"users[0].sis_user_id: {NUL}"),
    ("NUL in rating", S("outcomes[0].ratings[1].description", "\x00"),
     f"outcomes[0].ratings[1].description: {NUL}"),
    ("NUL in outcome description", S("outcomes[0].description", "x" * 300 + "\x00"),
     f"outcomes[0].description: {NUL}"),
    ("NUL in result title (fast path)", S("results[0].title", "Ada\x00"), f"results[0].title: {NUL}"),
    # the first offending value in document order wins
    ("document order", S("results[0].user_id", 99, "sections[0].id", -1),
     "sections[0].id: must be a positive integer (got -1)"),
    ("field order", S("results[0].title", 5, "results[0].score", "x"),
     f'results[0].score: {NUMBER} (got "x")'),
]


@pytest.mark.parametrize(("mutate", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_bundle_is_rejected_at_the_first_offending_value(mutate, expected):
    assert error_of(mutate(example())) == expected


BAD_STORED = [
    # (name, mutation of the example, rows already stored, expected error)
    ("bundle section stored in another course", S(), StoredRefs(sections={10: 2}),
     "sections[0].id: section 10 belongs to course 2, not course 1"),
    ("enrollment in a section of another course", S("enrollments[0].section_id", 11),
     StoredRefs(sections={11: 2}),
     "enrollments[0].section_id: section 11 belongs to course 2, not course 1"),
    ("bundle group stored in another course", S(), StoredRefs(outcome_groups={2: 2}),
     "outcome_groups[1].id: outcome group 2 belongs to course 2, not course 1"),
    ("outcome in a group of another course", S("outcomes[0].group_id", 7),
     StoredRefs(outcome_groups={7: 2}),
     "outcomes[0].group_id: outcome group 7 belongs to course 2, not course 1"),
    ("bundle asset stored in another course", S(), StoredRefs(assets={53: 2}),
     "assets[0].id: asset 53 belongs to course 2, not course 1"),
    ("alignment to an asset of another course", S("alignments[0].asset_id", 54),
     StoredRefs(assets={54: 2}),
     "alignments[0].asset_id: asset 54 belongs to course 2, not course 1"),
    ("bundle alignment stored in another course", S(),
     StoredRefs(assets={54: 2}, alignments={123: (97, 54, None)}),
     "alignments[0].id: alignment 123 belongs to course 2, not course 1"),
    ("result on an alignment of another course", S("results[0].alignment_id", 124),
     StoredRefs(assets={54: 2}, alignments={124: (97, 54, None)}),
     "results[0].alignment_id: alignment 124 belongs to course 2, not course 1"),
    ("result on an alignment of an unknown asset", S("results[0].alignment_id", 124),
     StoredRefs(alignments={124: (97, 54, None)}),
     "results[0].alignment_id: alignment 124 belongs to another course, not course 1"),
    ("sis_user_id of another stored user", S(), StoredRefs(users=frozenset({4}), sis_user_ids={"S003": 4}),
     'users[0].sis_user_id: sis_user_id "S003" belongs to stored user 4'),
    ("unhashable user id beside stored SIS ids", S("users[0].id", [3]), StoredRefs(sis_user_ids={"S003": 4}),
     "users[0].id: must be a positive integer (got a list)"),
]


@pytest.mark.parametrize(("mutate", "stored", "expected"), [b[1:] for b in BAD_STORED],
                         ids=[b[0] for b in BAD_STORED])
def test_stored_rows_of_another_course_are_rejected(mutate, stored, expected):
    assert error_of(mutate(example()), stored) == expected


# -- defaults --------------------------------------------------------------------------------------


def test_defaults():
    doc = {
        "format": FORMAT,
        "course": {"id": 1, "name": "Biology 101"},
        "sections": [{"id": 10}],
        "users": [{"id": 3, "name": "Ada  Lovelace"}, {"id": 4, "name": "Grace Hopper Jr."},
                  {"id": 5, "name": "Cher"}],
        "enrollments": [
            {"user_id": 3, "section_id": 10, "role": "student"},
            {"user_id": 5, "section_id": 10, "role": "observer", "associated_user_id": 3},
        ],
        "outcome_groups": [{"id": 2, "title": "Numbers", "parent_id": 1},
                           {"id": 1, "title": "Root"}],
        "outcomes": [
            {"id": 97, "title": "No ratings"},
            {"id": 98, "title": "Own ratings", "group_id": 2, "ratings": [
                {"description": "Meets", "points": 2}, {"description": "Top", "points": 4}]},
            {"id": 99, "title": "Empty ratings", "ratings": [], "mastery_points": 4,
             "calculation_method": "n_mastery"},
            {"id": 100, "title": "Standard", "calculation_method": "standard_decaying_average"},
        ],
        "assets": [{"id": 53, "type": "quiz", "name": "Quiz"}],
        "alignments": [{"id": 123, "outcome_id": 97, "asset_id": 53}],
        "results": [{"id": 42, "user_id": 3, "outcome_id": 97, "alignment_id": 123},
                    {"id": 43, "user_id": 4, "outcome_id": 97, "alignment_id": 123,
                     "assessed_at": "2013-02-01T06:00:00.999Z"}],
    }
    b = parse_bundle(doc)
    assert b.course == {"id": 1, "name": "Biology 101", "sis_course_id": None}
    assert b.sections == [{"id": 10, "course_id": 1, "name": "Biology 101"}]  # Canvas's default
    assert [u["sortable_name"] for u in b.users] == ["Lovelace, Ada", "Hopper, Grace Jr.", "Cher"]
    assert [(u["sis_user_id"], u["login_id"]) for u in b.users] == [(None, None)] * 3
    assert b.enrollments == [
        {"course_id": 1, "section_id": 10, "user_id": 3, "role": "student", "state": "active",
         "associated_user_id": None, "limit_to_section": False},
        {"course_id": 1, "section_id": 10, "user_id": 5, "role": "observer", "state": "active",
         "associated_user_id": 3, "limit_to_section": False},
    ]
    assert [g["id"] for g in b.outcome_groups] == [1, 2]  # parents first, whatever the order
    o97, o98, o99, o100 = b.outcomes
    assert (o97["ratings"], o97["points_possible"], o97["mastery_points"]) == (
        DEFAULT_RATINGS, 5.0, 3.0)
    assert (o97["calculation_method"], o97["calculation_int"]) == ("highest", None)
    assert (o97["display_name"], o97["description"], o97["vendor_guid"]) == (None, None, None)
    assert o98["ratings"] == [{"description": "Top", "points": 4.0},
                              {"description": "Meets", "points": 2.0}]
    assert (o98["points_possible"], o98["mastery_points"]) == (4.0, 4.0)  # the highest rating's
    assert (o99["ratings"], o99["points_possible"], o99["mastery_points"]) == (
        DEFAULT_RATINGS, 5.0, 4.0)
    assert (o99["calculation_method"], o99["calculation_int"]) == ("n_mastery", 5)
    assert (o100["calculation_method"], o100["calculation_int"]) == (
        "standard_decaying_average", 65)
    # a null group links under the root group
    assert b.outcome_links == [{"course_id": 1, "group_id": g, "outcome_id": o}
                               for g, o in [(1, 97), (2, 98), (1, 99), (1, 100)]]
    assert b.assets == [{"id": 53, "course_id": 1, "type": "quiz", "name": "Quiz",
                         "html_url": None, "published": True, "post_policy": "automatic"}]
    assert b.alignments[0]["mastery_score"] is None
    r42, r43 = result_dicts(b)
    assert {k: v for k, v in r42.items() if k not in ("id", "course_id", "user_id", "outcome_id",
                                                      "alignment_id")} == {
        "score": None, "possible": None, "percent": None, "mastery": None, "hidden": False,
        "hide_points": False, "posted": True, "submitted_at": None, "assessed_at": None, "time": 0,
        "title": None, "artifact_type": "other", "deleted": False,
    }
    assert r43["assessed_at"] == datetime(2013, 2, 1, 6, 0, 0, 999000)
    assert r43["time"] == 1359698400  # whole seconds, floored


def test_no_groups_means_no_link_group():
    doc = S("outcome_groups", [], "outcomes[0].group_id", None)(example())
    assert parse_bundle(doc).outcome_links == [{"course_id": 1, "group_id": None, "outcome_id": 97}]


def test_lists_may_be_absent_or_null():
    b = parse_bundle({"format": FORMAT, "course": {"id": 1, "name": "Empty"}, "users": None})
    assert [b.sections, b.users, b.enrollments, b.outcome_groups, b.outcomes, b.outcome_links,
            b.assets, b.alignments, b.results] == [[]] * 9


def test_unknown_keys_are_ignored():
    doc = S("generator", "tests", "results[0].extra", {"x": 1}, "course.color", "red")(example())
    assert parse_bundle(doc) == parse_bundle(example())


def test_mastery_scale_and_course_method_rows():
    doc = S("course.mastery_scale", SCALE, "course.calculation_method",
            {"method": "n_mastery", "int": None})(example())
    b = parse_bundle(doc)
    assert b.mastery_scale == {
        "course_id": 1,
        "ratings": [{"description": "Exceeds", "points": 4.0, "mastery": False, "color": "0374B5"},
                    {"description": "Mastery", "points": 3.0, "mastery": True, "color": "0B874B"},
                    {"description": "None", "points": 0.0, "mastery": False, "color": "E0061F"}],
        "points_possible": 4.0,
        "mastery_points": 3.0,
    }
    assert b.calculation_method == {"course_id": 1, "method": "n_mastery", "calculation_int": 5,
                                    "tie_break": None, "minimum_evidence": None}
    # the outcome keeps its own settings; the course's replace them when scoring
    assert b.outcomes[0]["calculation_method"] == "decaying_average"


def test_mode_and_minimum_evidence_in_a_bundle():
    doc = S("course.calculation_method", {"method": "mode", "tie_break": "lower", "minimum_evidence": 3},
            "outcomes[0].calculation_method", "recent_median", "outcomes[0].calculation_int", 4)(example())
    b = parse_bundle(doc)
    assert b.calculation_method == {"course_id": 1, "method": "mode", "calculation_int": None,
                                    "tie_break": "lower", "minimum_evidence": 3}
    assert (b.outcomes[0]["calculation_method"], b.outcomes[0]["calculation_int"],
            b.outcomes[0]["tie_break"]) == ("recent_median", 4, None)


def test_course_method_missing_means_highest():
    b = parse_bundle(S("course.calculation_method", {})(example()))
    assert b.calculation_method == {"course_id": 1, "method": "highest", "calculation_int": None,
                                    "tie_break": None, "minimum_evidence": None}


def test_timestamps_are_naive_utc_and_time_is_floored_epoch_seconds():
    doc = example()
    base = doc["results"][0]
    doc["results"] = [
        {**base, "id": 1, "submitted_at": "2013-02-01T06:00:00Z",
         "assessed_at": "2020-01-01T00:00:00Z"},
        {**base, "id": 2, "user_id": 4, "submitted_at": None,
         "assessed_at": "1969-12-31T23:59:59.5+00:00"},
        {**base, "id": 3, "user_id": 5, "submitted_at": "2013-02-01T07:30:00+01:30"},
    ]
    doc["users"] += [{"id": 4, "name": "B"}, {"id": 5, "name": "C"}]
    rows = result_dicts(parse_bundle(doc))
    assert [(r["submitted_at"], r["assessed_at"], r["time"]) for r in rows] == [
        (datetime(2013, 2, 1, 6), datetime(2020, 1, 1), 1359698400),
        (None, datetime(1969, 12, 31, 23, 59, 59, 500000), -1),
        (datetime(2013, 2, 1, 6), None, 1359698400),
    ]


@pytest.mark.parametrize("value", ["2013-02-01T00:00:00", "2013-02-01 00:00:00.5", "2013-02-01"])
def test_naive_timestamp_rejected(value):
    doc = S("results[0].assessed_at", value)(example())
    assert error_of(doc) == f'results[0].assessed_at: timestamp "{value}" {NAIVE}'


# -- percents (docs/behaviour.md §2.2) --------------------------------------------------------------------------


def percent_of(doc, stored: StoredRefs | None = None) -> float | None:
    return result_dicts(parse_bundle(doc, stored or StoredRefs()))[0]["percent"]


def test_percent_computed():
    assert percent_of(example()) == 0.6  # docs/behaviour.md §8 #39


def test_percent_scaled_by_alignment_mastery():
    assert percent_of(S("alignments[0].mastery_score", 0.7)(example())) == 0.5143  # docs/behaviour.md §8 #40


def test_percent_given_is_kept():
    doc = S("alignments[0].mastery_score", 0.7, "results[0].percent", 0.25)(example())
    assert percent_of(doc) == 0.25
    assert percent_of(S("results[0].percent", 0)(example())) == 0.0


def test_percent_uses_the_course_mastery_scale():
    # the outcome's own 4/4 gives another number; the course scale's 5/3 gives docs/behaviour.md §8 #40's
    doc = S("alignments[0].mastery_score", 0.7, "outcomes[0].points_possible", 4,
            "outcomes[0].mastery_points", 4)(example())
    assert percent_of(doc) != 0.5143
    doc["course"]["mastery_scale"] = {"ratings": [
        {"description": "Top", "points": 5, "color": None},
        {"description": "Mastery", "points": 3, "mastery": True},
        {"description": "No", "points": 0},
    ]}
    assert percent_of(doc) == 0.5143


def test_percent_without_possible_falls_back_to_mastery_points():
    doc = S("results[0].possible", None, "results[0].score", 1.5)(example())
    assert percent_of(doc) == 0.5  # score / outcome mastery points (docs/behaviour.md §2.2)


def test_percent_of_null_score_is_null():
    assert percent_of(S("results[0].score", None)(example())) is None


# -- duplicates (docs/behaviour.md §2.5) ------------------------------------------------------------------------


def test_later_result_for_the_same_user_and_alignment_is_merged_into_the_first():
    doc = example()
    first = {**doc["results"][0], "score": 2, "possible": 9, "title": "first"}
    doc["results"] = [
        first,
        {**first, "id": 50, "user_id": 4, "score": 1},  # another user: a row of its own
        {**first, "id": 43, "score": 3, "possible": 10, "title": "second",
         "submitted_at": "2020-01-01T00:00:00Z"},
    ]
    doc["users"].append({"id": 4, "name": "B"})
    rows = result_dicts(parse_bundle(doc))
    assert [(r["id"], r["user_id"], r["score"], r["possible"], r["percent"], r["title"], r["time"])
            for r in rows] == [
        (42, 3, 3.0, 10.0, 0.3, "first", 1359698400),  # docs/behaviour.md §8 #51: 2/9 becomes 3/10
        (50, 4, 1.0, 9.0, 1 / 9, "first", 1359698400),
    ]


def test_merged_result_takes_the_later_explicit_percent():
    doc = A("results", id=43, score=3, possible=10, percent=0.25)(example())
    assert [(r["id"], r["score"], r["percent"]) for r in result_dicts(parse_bundle(doc))] == [
        (42, 3.0, 0.25)]


def test_merged_result_id_still_counts_as_used():
    doc = A("results", id=43)(example())
    doc["results"].append({**doc["results"][0], "id": 43, "user_id": 4})
    doc["users"].append({"id": 4, "name": "B"})
    assert error_of(doc) == "results[2].id: duplicate id 43"


# -- stored references -----------------------------------------------------------------------------


def test_stored_references_are_accepted():
    doc = {
        "format": FORMAT,
        "course": {"id": 1, "name": "Biology 101"},
        "enrollments": [{"user_id": 3, "section_id": 10, "role": "student"}],
        "outcome_groups": [{"id": 5, "title": "Sub", "parent_id": 2}],
        "outcomes": [{"id": 98, "title": "New", "group_id": 2}],
        "alignments": [{"id": 200, "outcome_id": 97, "asset_id": 53, "mastery_score": 0.7}],
        "results": [
            {"id": 1, "user_id": 3, "outcome_id": 97, "alignment_id": 200, "score": 6,
             "possible": 10},
            {"id": 2, "user_id": 3, "outcome_id": 97, "alignment_id": 123, "score": 6,
             "possible": 10},
        ],
    }
    stored = StoredRefs(
        users=frozenset({3}), sections={10: 1}, outcomes=frozenset({97}), outcome_groups={2: 1},
        assets={53: 1}, alignments={123: (97, 53, 0.7)}, outcome_scoring={97: (5.0, 3.0)},
    )
    b = parse_bundle(doc, stored)
    assert b.outcome_groups == [{"id": 5, "course_id": 1, "parent_id": 2, "title": "Sub"}]
    assert b.outcome_links == [{"course_id": 1, "group_id": 2, "outcome_id": 98}]
    assert [(r["id"], r["alignment_id"], r["percent"]) for r in result_dicts(b)] == [
        (1, 200, 0.5143), (2, 123, 0.5143)]
    # without them, the first missing reference is reported
    assert error_of(doc) == "enrollments[0].user_id: no such user 3"


def test_sis_user_ids_may_move_between_users_of_the_bundle():
    """A stored SIS id is free for another user when the bundle rewrites its holder (with another or none)."""
    doc = example()
    doc["users"].append({"id": 4, "name": "Bob", "sis_user_id": "S004"})
    stored = StoredRefs(users=frozenset({3, 4}), sis_user_ids={"S004": 3, "S003": 4})  # swapped
    b = parse_bundle(doc, stored)
    assert [(u["id"], u["sis_user_id"]) for u in b.users] == [(3, "S003"), (4, "S004")]
    assert sorted(b.sis_handed_on) == [3, 4]  # the importer frees them before writing
    assert parse_bundle(example(), StoredRefs(sis_user_ids={"S003": 3})).sis_handed_on == []
    doc["users"][1]["sis_user_id"] = "S003"
    assert error_of(doc, stored) == 'users[1].sis_user_id: duplicate sis_user_id "S003"'


def test_bundle_rows_win_over_stored_ones():
    # the bundle re-imports alignment 123 (stored at 0.7) without a mastery score
    stored = StoredRefs(assets={53: 1}, alignments={123: (97, 53, 0.7)})
    assert percent_of(example(), stored) == 0.6


def test_stored_outcome_without_scoring_has_an_unscaled_percent():
    doc = S("alignments[0].outcome_id", 90, "alignments[0].mastery_score", 0.7,
            "results[0].outcome_id", 90)(example())
    assert percent_of(doc, StoredRefs(outcomes=frozenset({90}))) == 0.6  # docs/behaviour.md §2.2: no scaling


# -- the outcome group tree ------------------------------------------------------------------------


def test_cycle_is_reported_at_the_first_group_on_it():
    doc = example()
    doc["outcome_groups"] += [
        {"id": 3, "title": "A", "parent_id": 5}, {"id": 4, "title": "Leaf", "parent_id": 3},
        {"id": 5, "title": "B", "parent_id": 6}, {"id": 6, "title": "C", "parent_id": 3},
    ]
    assert error_of(doc) == (
        "outcome_groups[2].parent_id: outcome group 3 is its own ancestor (3 -> 5 -> 6 -> 3)")


def test_groups_without_a_root_form_a_cycle():
    doc = S("outcome_groups[0].parent_id", 2)(example())
    assert error_of(doc) == (
        "outcome_groups[0].parent_id: outcome group 1 is its own ancestor (1 -> 2 -> 1)")


def test_parent_may_come_later_in_the_document():
    doc = example()
    doc["outcome_groups"].reverse()
    assert [g["id"] for g in parse_bundle(doc).outcome_groups] == [1, 2]


# -- helpers and files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "sortable"), [
    ("Ada Lovelace", "Lovelace, Ada"), ("Lovelace, Ada", "Lovelace, Ada"), ("Cher", "Cher"),
    ("Martin Luther King Jr.", "King, Martin Luther Jr."), ("John Doe, Sr.", "Doe, John Sr."),
    ("  Grace   Brewster  Hopper ", "Hopper, Grace Brewster"),
])
def test_sortable_name(name, sortable):
    assert B.sortable_name(name) == sortable


def test_load_bundle_file(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(EXAMPLE))
    assert load_bundle_file(path) == EXAMPLE
    path.write_text("{not json")
    with pytest.raises(BundleError) as info:
        load_bundle_file(path)
    assert info.value.path == "$" and info.value.message.startswith("not valid JSON")
    with pytest.raises(BundleError) as info:
        load_bundle_file(tmp_path / "missing.json")
    assert info.value.path == "$" and info.value.message.startswith("cannot read bundle file")


def test_bundle_error():
    e = BundleError("results[17].user_id", "no such user 99")
    assert isinstance(e, ValueError)
    assert (str(e), e.path, e.message) == (
        "results[17].user_id: no such user 99", "results[17].user_id", "no such user 99")


# -- random mutations: a bundle either parses or is rejected with a BundleError --------------------


def _rich_example() -> dict:
    doc = S("course.mastery_scale", copy.deepcopy(SCALE),
            "course.calculation_method", {"method": "n_mastery", "int": 3})(example())
    doc["users"].append({"id": 4, "name": "Parent", "sis_user_id": "P4"})
    doc["enrollments"].append({"user_id": 4, "section_id": 10, "role": "observer",
                               "associated_user_id": 3})
    doc["alignments"].append({"id": 124, "outcome_id": 97, "asset_id": 53, "mastery_score": 0.7})
    base = doc["results"][0]
    doc["results"] += [{**base, "id": 43, "alignment_id": 124, "percent": 0.5},
                       {**base, "id": 44, "score": 9, "assessed_at": "2013-02-02T00:00:00Z"},
                       {**base, "id": 45, "user_id": 4, "score": None, "possible": None}]
    return doc


RICH = _rich_example()
TOP_LEVEL = {"$", *RICH}
_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 130), st.sampled_from([0, 2**63, 10**400]),
    st.floats(), st.sampled_from([0.5, 1.0, -0.0, 1e308, 5e-324]), st.text(max_size=6),
    st.sampled_from([
        "2013-02-01T00:00:00Z", "2013-02-01T00:00:00", "2013-02-01T00:00:00+05:30", "x",
        "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "student", "observer",
        "manual", "quiz", "n_mastery", "latest", "quiz_submission", "0B874B", FORMAT,
    ]),
)
_VALUES = st.one_of(_LEAVES, st.recursive(
    _LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                          max_size=3),
    max_leaves=5))
_REFS = st.sampled_from([1, 2, 3, 4, 10, 53, 97, 123, 124, 0.7, 65, 42, 43])


def _paths(node, prefix=()):
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_bundles(draw):
    doc = copy.deepcopy(RICH)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["set", "set", "ref", "ref", "delete", "copy", "root"]))
        if op == "root":
            doc = draw(_VALUES) if draw(st.integers(0, 9)) == 0 else doc
            continue
        paths = list(_paths(doc))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        if op == "delete":
            del parent[key]
        elif op == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "ref":
            parent[key] = draw(_REFS)
        else:
            parent[key] = draw(_VALUES)
    return doc


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bundles())
def test_random_mutations_parse_or_raise_bundle_error(doc):
    try:
        b = parse_bundle(doc)
    except BundleError as e:
        assert str(e) == f"{e.path}: {e.message}"
        assert re.split(r"[.\[]", e.path)[0] in TOP_LEVEL
        return
    # every result the fast path accepted passes the exact checks too
    parser = B._Parser(doc, StoredRefs())
    parser.parse()
    for i, r in enumerate(doc.get("results") or []):
        parser._result_error(i, r, set())
    assert len(b.results) <= len(doc.get("results") or [])
    for row in b.results:
        assert len(row) == len(RESULT_COLUMNS)
        assert all(v is None or math.isfinite(v) for v in row[5:8])


@settings(max_examples=1000, deadline=None)
@given(st.integers(0, len(RICH["results"]) - 1), st.sampled_from(sorted(RICH["results"][0])),
       st.one_of(_VALUES, _REFS), st.booleans())
def test_result_field_mutations_agree_with_the_exact_checks(k, key, value, delete):
    doc = copy.deepcopy(RICH)
    if delete:
        del doc["results"][k][key]
    else:
        doc["results"][k][key] = value
    try:
        parse_bundle(doc)
    except BundleError as e:
        assert e.path.startswith("results[")  # everything before the results is untouched
        return
    parser = B._Parser(doc, StoredRefs())
    parser.parse()
    parser._result_error(k, doc["results"][k], set())
