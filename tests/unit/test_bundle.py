"""Course bundle parser: every rule of spec/course-bundle.md, with its exact error path and message."""

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
from outcome_graph.db.bundle import (
    FORMAT,
    RESULT_COLUMNS,
    BundleError,
    StoredRefs,
    load_bundle_file,
    parse_bundle,
)
from outcome_graph.rollups import CalculationError, validate_calculation

# The example of spec/course-bundle.md, verbatim.
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


def example() -> dict:
    return copy.deepcopy(EXAMPLE)


def result_dicts(bundle: B.Bundle) -> list[dict]:
    return [dict(zip(RESULT_COLUMNS, row, strict=True)) for row in bundle.results]


_TOKEN = re.compile(r"\.?([A-Za-z_]+)|\[(\d+)\]")


def _walk(doc, path: str):
    """(container, last key) of a JSON path such as `results[0].user_id`."""
    keys = [int(i) if i else k for k, i in _TOKEN.findall(path)]
    node = doc
    for k in keys[:-1]:
        node = node[k]
    return node, keys[-1]


def setp(doc, path: str, value):
    node, key = _walk(doc, path)
    node[key] = value
    return doc


def delp(doc, path: str):
    node, key = _walk(doc, path)
    del node[key]
    return doc


def add(doc, kind: str, **item):
    """Append a copy of the first item of a list, updated with `item`."""
    doc[kind].append({**doc[kind][0], **item})
    return doc


def error_of(doc, stored: StoredRefs = StoredRefs()) -> str:
    with pytest.raises(BundleError) as info:
        parse_bundle(doc, stored)
    e = info.value
    assert str(e) == f"{e.path}: {e.message}"
    return str(e)


# -- the example ------------------------------------------------------------------------------


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
        "vendor_guid": None, "points_possible": 5.0, "mastery_points": 3.0, "ratings": DEFAULT_RATINGS,
        "calculation_method": "decaying_average", "calculation_int": 65,
    }]
    assert b.outcome_links == [{"course_id": 1, "group_id": 2, "outcome_id": 97}]
    assert b.assets == [{"id": 53, "course_id": 1, "type": "assignment", "name": "Big mid-term test",
                         "html_url": None, "published": True, "post_policy": "automatic"}]
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


def test_result_columns_are_outcome_result_columns():
    from outcome_graph.db import models

    assert set(RESULT_COLUMNS) == {c.name for c in models.OutcomeResult.__table__.columns}


def test_rows_are_keyed_by_model_columns():
    from outcome_graph.db import models

    b = parse_bundle(example())
    for rows, model in [([b.course], models.Course), (b.sections, models.Section), (b.users, models.User),
                        (b.enrollments, models.Enrollment), (b.outcome_groups, models.OutcomeGroup),
                        (b.outcomes, models.Outcome), (b.outcome_links, models.OutcomeLink),
                        (b.assets, models.Asset), (b.alignments, models.Alignment)]:
        columns = {c.name for c in model.__table__.columns}
        assert set(rows[0]) <= columns, model


# -- one test per rule: the exact path and message ----------------------------------------------


def _calc_message(method, n) -> str:
    with pytest.raises(CalculationError) as info:
        validate_calculation(method, n)
    return str(info.value)


ENUM_ROLES = '"student", "teacher", "ta", "observer", "designer"'
SCALE = {"ratings": [{"description": "Exceeds", "points": 4, "mastery": False, "color": "0374B5"},
                     {"description": "Mastery", "points": 3, "mastery": True, "color": "0B874B"},
                     {"description": "None", "points": 0, "mastery": False, "color": "E0061F"}]}


def _scale(**changes):
    s = copy.deepcopy(SCALE)
    for path, v in changes.items():
        i, key = path.split("_", 1)
        s["ratings"][int(i[1:])][key] = v
    return s


def _results(n: int) -> list[dict]:
    return [{**EXAMPLE["results"][0], "id": 1000 + k, "user_id": 3, "alignment_id": 123} for k in range(n)]


BAD = [
    # (name, mutation of the example, expected error)
    ("root", lambda d: [d], "$: must be a JSON object (got a list)"),
    ("format missing", lambda d: delp(d, "format"), "format: required"),
    ("format wrong", lambda d: setp(d, "format", "course@2"), f'format: must be "{FORMAT}" (got "course@2")'),
    ("course missing", lambda d: delp(d, "course"), "course: required"),
    ("course not object", lambda d: setp(d, "course", 1), "course: must be an object (got 1)"),
    ("id zero", lambda d: setp(d, "course.id", 0), "course.id: must be a positive integer (got 0)"),
    ("id bool", lambda d: setp(d, "course.id", True), "course.id: must be a positive integer (got true)"),
    ("id float", lambda d: setp(d, "course.id", 1.5), "course.id: must be a positive integer (got 1.5)"),
    ("id integral float", lambda d: setp(d, "course.id", 1.0), "course.id: must be a positive integer (got 1.0)"),
    ("id string", lambda d: setp(d, "course.id", "1"), 'course.id: must be a positive integer (got "1")'),
    ("id too big", lambda d: setp(d, "course.id", 2**63), f"course.id: must be at most {2**63 - 1}"),
    ("name missing", lambda d: delp(d, "course.name"), "course.name: required"),
    ("name null", lambda d: setp(d, "course.name", None), "course.name: required"),
    ("name type", lambda d: setp(d, "course.name", 5), "course.name: must be a string (got 5)"),
    ("name empty", lambda d: setp(d, "course.name", " "), "course.name: must not be empty"),
    ("name long", lambda d: setp(d, "course.name", "x" * 256), "course.name: must be at most 255 characters (got 256)"),
    ("sis type", lambda d: setp(d, "course.sis_course_id", 7), "course.sis_course_id: must be a string or null (got 7)"),
    # mastery scale (spec §4.2)
    ("scale not object", lambda d: setp(d, "course.mastery_scale", []), "course.mastery_scale: must be an object (got a list)"),
    ("scale no ratings", lambda d: setp(d, "course.mastery_scale", {}), "course.mastery_scale.ratings: required"),
    ("scale empty", lambda d: setp(d, "course.mastery_scale", {"ratings": []}),
     "course.mastery_scale.ratings: at least one rating is required"),
    ("scale increasing", lambda d: setp(d, "course.mastery_scale", _scale(r1_points=4)),
     "course.mastery_scale.ratings[1].points: Points should be strictly decreasing: 4.0 <= 4.0"),
    ("scale negative", lambda d: setp(d, "course.mastery_scale", _scale(r2_points=-1)),
     "course.mastery_scale.ratings[2].points: must be at least 0 (got -1)"),
    ("scale points missing", lambda d: setp(d, "course.mastery_scale", _scale(r0_points=None)),
     "course.mastery_scale.ratings[0].points: required"),
    ("scale points NaN", lambda d: setp(d, "course.mastery_scale", _scale(r0_points=math.nan)),
     "course.mastery_scale.ratings[0].points: must be a finite number (got NaN)"),
    ("scale two masteries", lambda d: setp(d, "course.mastery_scale", _scale(r2_mastery=True)),
     "course.mastery_scale.ratings[2].mastery: Exactly one rating can have mastery"),
    ("scale no mastery", lambda d: setp(d, "course.mastery_scale", _scale(r1_mastery=False)),
     "course.mastery_scale.ratings: Exactly one rating can have mastery"),
    ("scale colour", lambda d: setp(d, "course.mastery_scale", _scale(r0_color="#0374B5")),
     'course.mastery_scale.ratings[0].color: must be six hex digits such as "0B874B" (got "#0374B5")'),
    ("scale colour short", lambda d: setp(d, "course.mastery_scale", _scale(r0_color="fff")),
     'course.mastery_scale.ratings[0].color: must be six hex digits such as "0B874B" (got "fff")'),
    ("scale description", lambda d: setp(d, "course.mastery_scale", _scale(r1_description=None)),
     "course.mastery_scale.ratings[1].description: required"),
    ("scale rating type", lambda d: setp(d, "course.mastery_scale", {"ratings": ["x"]}),
     'course.mastery_scale.ratings[0]: must be an object (got "x")'),
    # course calculation method (spec §1.1)
    ("course method", lambda d: setp(d, "course.calculation_method", {"method": "median", "int": None}),
     'course.calculation_method.method: must be one of "decaying_average", "weighted_average", '
     '"standard_decaying_average", "n_mastery", "latest", "highest", "average" (got "median")'),
    ("course int range", lambda d: setp(d, "course.calculation_method", {"method": "n_mastery", "int": 11}),
     "course.calculation_method.int: " + _calc_message("n_mastery", 11)),
    ("course int unused", lambda d: setp(d, "course.calculation_method", {"method": "latest", "int": 3}),
     "course.calculation_method.int: " + _calc_message("latest", 3)),
    ("course int type", lambda d: setp(d, "course.calculation_method", {"method": "n_mastery", "int": "3"}),
     'course.calculation_method.int: must be an integer or null (got "3")'),
    # sections
    ("sections type", lambda d: setp(d, "sections", "x"), 'sections: must be a list (got "x")'),
    ("section type", lambda d: setp(d, "sections[0]", 10), "sections[0]: must be an object (got 10)"),
    ("section id", lambda d: delp(d, "sections[0].id"), "sections[0].id: required"),
    ("section dup", lambda d: add(d, "sections", name="P2"), "sections[1].id: duplicate id 10"),
    # users
    ("user name", lambda d: delp(d, "users[0].name"), "users[0].name: required"),
    ("user dup", lambda d: add(d, "users", sis_user_id="S9"), "users[1].id: duplicate id 3"),
    ("user sis dup", lambda d: add(d, "users", id=4), 'users[1].sis_user_id: duplicate sis_user_id "S003"'),
    ("user login", lambda d: setp(d, "users[0].login_id", ["ada"]), "users[0].login_id: must be a string or null (got a list)"),
    # enrollments
    ("enr user", lambda d: setp(d, "enrollments[0].user_id", 99), "enrollments[0].user_id: no such user 99"),
    ("enr user missing", lambda d: delp(d, "enrollments[0].user_id"), "enrollments[0].user_id: required"),
    ("enr section", lambda d: setp(d, "enrollments[0].section_id", 11), "enrollments[0].section_id: no such section 11"),
    ("enr role missing", lambda d: delp(d, "enrollments[0].role"), "enrollments[0].role: required"),
    ("enr role", lambda d: setp(d, "enrollments[0].role", "boss"),
     f'enrollments[0].role: must be one of {ENUM_ROLES} (got "boss")'),
    ("enr state", lambda d: setp(d, "enrollments[0].state", "gone"),
     'enrollments[0].state: must be one of "active", "invited", "inactive", "completed", "deleted" (got "gone")'),
    ("enr associated non-observer", lambda d: setp(d, "enrollments[0].associated_user_id", 3),
     'enrollments[0].associated_user_id: only an observer enrollment can name an associated user (role is "student")'),
    ("enr observer of nobody", lambda d: setp(setp(d, "enrollments[0].role", "observer"), "enrollments[0].associated_user_id", 99),
     "enrollments[0].associated_user_id: no such user 99"),
    ("enr limit", lambda d: setp(d, "enrollments[0].limit_to_section", "yes"),
     'enrollments[0].limit_to_section: must be true, false or null (got "yes")'),
    ("enr dup", lambda d: add(d, "enrollments", state="invited"),
     "enrollments[1]: duplicate enrollment of user 3 in section 10 as student"),
    # outcome groups
    ("group title", lambda d: delp(d, "outcome_groups[1].title"), "outcome_groups[1].title: required"),
    ("group dup", lambda d: setp(d, "outcome_groups[1].id", 1), "outcome_groups[1].id: duplicate id 1"),
    ("group parent", lambda d: setp(d, "outcome_groups[1].parent_id", 7), "outcome_groups[1].parent_id: no such outcome group 7"),
    ("group two roots", lambda d: setp(d, "outcome_groups[1].parent_id", None),
     "outcome_groups[1].parent_id: only one root group is allowed; outcome group 1 is already the root"),
    ("group self parent", lambda d: setp(d, "outcome_groups[1].parent_id", 2),
     "outcome_groups[1].parent_id: outcome group 2 is its own ancestor (2 -> 2)"),
    # outcomes
    ("outcome title", lambda d: setp(d, "outcomes[0].title", ""), "outcomes[0].title: must not be empty"),
    ("outcome dup", lambda d: add(d, "outcomes"), "outcomes[1].id: duplicate id 97"),
    ("outcome group", lambda d: setp(d, "outcomes[0].group_id", 7), "outcomes[0].group_id: no such outcome group 7"),
    ("outcome points", lambda d: setp(d, "outcomes[0].points_possible", "5"),
     'outcomes[0].points_possible: must be a finite number or null (got "5")'),
    ("outcome mastery", lambda d: setp(d, "outcomes[0].mastery_points", -3),
     "outcomes[0].mastery_points: must be at least 0 (got -3)"),
    ("outcome infinite", lambda d: setp(d, "outcomes[0].mastery_points", math.inf),
     "outcomes[0].mastery_points: must be a finite number or null (got Infinity)"),
    ("outcome ratings type", lambda d: setp(d, "outcomes[0].ratings", {}),
     "outcomes[0].ratings: must be a list or null (got an object)"),
    ("outcome rating description", lambda d: setp(d, "outcomes[0].ratings[1].description", 3),
     "outcomes[0].ratings[1].description: must be a string (got 3)"),
    ("outcome rating points", lambda d: setp(d, "outcomes[0].ratings[2].points", None),
     "outcomes[0].ratings[2].points: required"),
    ("outcome rating negative", lambda d: setp(d, "outcomes[0].ratings[2].points", -0.5),
     "outcomes[0].ratings[2].points: must be at least 0 (got -0.5)"),
    ("outcome method", lambda d: setp(d, "outcomes[0].calculation_method", "mean"),
     'outcomes[0].calculation_method: must be one of "decaying_average", "weighted_average", '
     '"standard_decaying_average", "n_mastery", "latest", "highest", "average" (got "mean")'),
    ("outcome int range", lambda d: setp(d, "outcomes[0].calculation_int", 100),
     "outcomes[0].calculation_int: " + _calc_message("decaying_average", 100)),
    ("outcome int float", lambda d: setp(d, "outcomes[0].calculation_int", 65.0),
     "outcomes[0].calculation_int: must be an integer or null (got 65.0)"),
    ("outcome int with highest", lambda d: setp(d, "outcomes[0].calculation_method", None),
     "outcomes[0].calculation_int: " + _calc_message(None, 65)),
    # assets
    ("asset type missing", lambda d: delp(d, "assets[0].type"), "assets[0].type: required"),
    ("asset type", lambda d: setp(d, "assets[0].type", "video"),
     'assets[0].type: must be one of "assignment", "quiz", "rubric", "discussion", "question_bank" (got "video")'),
    ("asset name", lambda d: delp(d, "assets[0].name"), "assets[0].name: required"),
    ("asset published", lambda d: setp(d, "assets[0].published", 1), "assets[0].published: must be true, false or null (got 1)"),
    ("asset policy", lambda d: setp(d, "assets[0].post_policy", "later"),
     'assets[0].post_policy: must be one of "automatic", "manual" (got "later")'),
    ("asset dup", lambda d: add(d, "assets"), "assets[1].id: duplicate id 53"),
    # alignments
    ("alignment outcome", lambda d: setp(d, "alignments[0].outcome_id", 98), "alignments[0].outcome_id: no such outcome 98"),
    ("alignment outcome missing", lambda d: delp(d, "alignments[0].outcome_id"), "alignments[0].outcome_id: required"),
    ("alignment asset", lambda d: setp(d, "alignments[0].asset_id", 54), "alignments[0].asset_id: no such asset 54"),
    ("alignment mastery", lambda d: setp(d, "alignments[0].mastery_score", 70), "alignments[0].mastery_score: must be at most 1 (got 70)"),
    ("alignment dup", lambda d: add(d, "alignments"), "alignments[1].id: duplicate id 123"),
    # results
    ("results type", lambda d: setp(d, "results", {}), "results: must be a list (got an object)"),
    ("result type", lambda d: setp(d, "results[0]", None), "results[0]: must be an object (got null)"),
    ("result user", lambda d: setp(d, "results", _results(18)) and setp(d, "results[17].user_id", 99),
     "results[17].user_id: no such user 99"),
    ("result id missing", lambda d: delp(d, "results[0].id"), "results[0].id: required"),
    ("result id negative", lambda d: setp(d, "results[0].id", -42), "results[0].id: must be a positive integer (got -42)"),
    ("result dup", lambda d: add(d, "results"), "results[1].id: duplicate id 42"),
    ("result alignment", lambda d: setp(d, "results[0].alignment_id", 124), "results[0].alignment_id: no such alignment 124"),
    ("result alignment missing", lambda d: delp(d, "results[0].alignment_id"), "results[0].alignment_id: required"),
    ("result alignment bool", lambda d: setp(d, "results[0].alignment_id", True),
     "results[0].alignment_id: must be a positive integer (got true)"),
    ("result outcome missing", lambda d: delp(d, "results[0].outcome_id"), "results[0].outcome_id: required"),
    ("result outcome mismatch", lambda d: setp(d, "results[0].outcome_id", 98),
     "results[0].outcome_id: alignment 123 aligns outcome 97, not 98"),
    ("result score", lambda d: setp(d, "results[0].score", "6"), 'results[0].score: must be a finite number or null (got "6")'),
    ("result score NaN", lambda d: setp(d, "results[0].score", math.nan), "results[0].score: must be a finite number or null (got NaN)"),
    ("result score bool", lambda d: setp(d, "results[0].score", True), "results[0].score: must be a finite number or null (got true)"),
    ("result score huge", lambda d: setp(d, "results[0].score", 10**400),
     "results[0].score: must be a finite number or null (got a huge integer)"),
    ("result possible", lambda d: setp(d, "results[0].possible", -math.inf),
     "results[0].possible: must be a finite number or null (got -Infinity)"),
    ("result percent", lambda d: setp(d, "results[0].percent", [0.6]), "results[0].percent: must be a finite number or null (got a list)"),
    ("result mastery", lambda d: setp(d, "results[0].mastery", "true"), 'results[0].mastery: must be true, false or null (got "true")'),
    ("result naive", lambda d: setp(d, "results[0].submitted_at", "2013-02-01T00:00:00"),
     'results[0].submitted_at: timestamp "2013-02-01T00:00:00" has no UTC offset; add one such as "Z" or "-06:00"'),
    ("result date only", lambda d: setp(d, "results[0].assessed_at", "2013-02-01"),
     'results[0].assessed_at: timestamp "2013-02-01" has no UTC offset; add one such as "Z" or "-06:00"'),
    ("result timestamp", lambda d: setp(d, "results[0].submitted_at", "yesterday"),
     'results[0].submitted_at: not an ISO 8601 timestamp: "yesterday"'),
    ("result timestamp type", lambda d: setp(d, "results[0].assessed_at", 1359698400),
     "results[0].assessed_at: must be an ISO 8601 timestamp string or null (got 1359698400)"),
    ("result timestamp range", lambda d: setp(d, "results[0].submitted_at", "0001-01-01T00:00:00+05:00"),
     'results[0].submitted_at: timestamp "0001-01-01T00:00:00+05:00" is out of range'),
    ("result hidden", lambda d: setp(d, "results[0].hidden", 0), "results[0].hidden: must be true, false or null (got 0)"),
    ("result hide_points", lambda d: setp(d, "results[0].hide_points", "no"),
     'results[0].hide_points: must be true, false or null (got "no")'),
    ("result posted", lambda d: setp(d, "results[0].posted", {}), "results[0].posted: must be true, false or null (got an object)"),
    ("result title", lambda d: setp(d, "results[0].title", 5), "results[0].title: must be a string or null (got 5)"),
    ("result artifact", lambda d: setp(d, "results[0].artifact_type", "Quizzes::QuizSubmission"),
     'results[0].artifact_type: must be one of "rubric_assessment", "quiz_submission", "live_assessment", "other" '
     '(got "Quizzes::QuizSubmission")'),
    ("result artifact unhashable", lambda d: setp(d, "results[0].artifact_type", ["other"]),
     'results[0].artifact_type: must be one of "rubric_assessment", "quiz_submission", "live_assessment", "other" '
     "(got a list)"),
    # the first offending value in document order wins
    ("document order", lambda d: setp(setp(d, "results[0].user_id", 99), "sections[0].id", -1),
     "sections[0].id: must be a positive integer (got -1)"),
    ("field order", lambda d: setp(setp(d, "results[0].title", 5), "results[0].score", "x"),
     'results[0].score: must be a finite number or null (got "x")'),
]


@pytest.mark.parametrize(("mutate", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_bundle_error(mutate, expected):
    doc = example()
    doc = mutate(doc) or doc
    assert error_of(doc) == expected


BAD_STORED = [
    # (name, mutation of the example, rows already stored, expected error)
    ("bundle section stored in another course", lambda d: d, StoredRefs(sections={10: 2}),
     "sections[0].id: section 10 belongs to course 2, not course 1"),
    ("enrollment in a section of another course", lambda d: setp(d, "enrollments[0].section_id", 11),
     StoredRefs(sections={11: 2}), "enrollments[0].section_id: section 11 belongs to course 2, not course 1"),
    ("bundle group stored in another course", lambda d: d, StoredRefs(outcome_groups={2: 2}),
     "outcome_groups[1].id: outcome group 2 belongs to course 2, not course 1"),
    ("outcome in a group of another course", lambda d: setp(d, "outcomes[0].group_id", 7),
     StoredRefs(outcome_groups={7: 2}), "outcomes[0].group_id: outcome group 7 belongs to course 2, not course 1"),
    ("bundle asset stored in another course", lambda d: d, StoredRefs(assets={53: 2}),
     "assets[0].id: asset 53 belongs to course 2, not course 1"),
    ("alignment to an asset of another course", lambda d: setp(d, "alignments[0].asset_id", 54),
     StoredRefs(assets={54: 2}), "alignments[0].asset_id: asset 54 belongs to course 2, not course 1"),
    ("bundle alignment stored in another course", lambda d: d,
     StoredRefs(assets={54: 2}, alignments={123: (97, 54, None)}),
     "alignments[0].id: alignment 123 belongs to course 2, not course 1"),
    ("result on an alignment of another course", lambda d: setp(d, "results[0].alignment_id", 124),
     StoredRefs(assets={54: 2}, alignments={124: (97, 54, None)}),
     "results[0].alignment_id: alignment 124 belongs to course 2, not course 1"),
]


@pytest.mark.parametrize(("mutate", "stored", "expected"), [b[1:] for b in BAD_STORED], ids=[b[0] for b in BAD_STORED])
def test_stored_rows_of_another_course_are_rejected(mutate, stored, expected):
    assert error_of(mutate(example()), stored) == expected


# -- defaults ---------------------------------------------------------------------------------


def test_defaults():
    doc = {
        "format": FORMAT,
        "course": {"id": 1, "name": "Biology 101"},
        "sections": [{"id": 10}],
        "users": [{"id": 3, "name": "Ada  Lovelace"}, {"id": 4, "name": "Grace Hopper Jr."},
                  {"id": 5, "name": "Cher"}],
        "enrollments": [{"user_id": 3, "section_id": 10, "role": "student"},
                        {"user_id": 5, "section_id": 10, "role": "observer", "associated_user_id": 3}],
        "outcome_groups": [{"id": 2, "title": "Numbers", "parent_id": 1}, {"id": 1, "title": "Root"}],
        "outcomes": [{"id": 97, "title": "No ratings"},
                     {"id": 98, "title": "Own ratings", "group_id": 2,
                      "ratings": [{"description": "Meets", "points": 2}, {"description": "Top", "points": 4}]},
                     {"id": 99, "title": "Empty ratings", "ratings": [], "mastery_points": 4, "calculation_method": "n_mastery"},
                     {"id": 100, "title": "Standard", "calculation_method": "standard_decaying_average"}],
        "assets": [{"id": 53, "type": "quiz", "name": "Quiz"}],
        "alignments": [{"id": 123, "outcome_id": 97, "asset_id": 53}],
        "results": [{"id": 42, "user_id": 3, "outcome_id": 97, "alignment_id": 123},
                    {"id": 43, "user_id": 4, "outcome_id": 97, "alignment_id": 123,
                     "assessed_at": "2013-02-01T06:00:00.999Z"}],
    }
    b = parse_bundle(doc)
    assert b.course == {"id": 1, "name": "Biology 101", "sis_course_id": None}
    assert b.sections == [{"id": 10, "course_id": 1, "name": "Biology 101"}]
    assert [u["sortable_name"] for u in b.users] == ["Lovelace, Ada", "Hopper, Grace Jr.", "Cher"]
    assert [u["sis_user_id"] for u in b.users] == [None, None, None]
    assert b.enrollments == [
        {"course_id": 1, "section_id": 10, "user_id": 3, "role": "student", "state": "active",
         "associated_user_id": None, "limit_to_section": False},
        {"course_id": 1, "section_id": 10, "user_id": 5, "role": "observer", "state": "active",
         "associated_user_id": 3, "limit_to_section": False},
    ]
    # parents first, whatever the document order
    assert [g["id"] for g in b.outcome_groups] == [1, 2]
    o97, o98, o99, o100 = b.outcomes
    assert (o97["ratings"], o97["points_possible"], o97["mastery_points"]) == (DEFAULT_RATINGS, 5.0, 3.0)
    assert (o97["calculation_method"], o97["calculation_int"]) == validate_calculation(None, None)
    assert (o97["display_name"], o97["description"], o97["vendor_guid"]) == (None, None, None)
    assert o98["ratings"] == [{"description": "Top", "points": 4.0}, {"description": "Meets", "points": 2.0}]
    assert (o98["points_possible"], o98["mastery_points"]) == (4.0, 4.0)  # both from the highest rating
    assert (o99["ratings"], o99["points_possible"], o99["mastery_points"]) == (DEFAULT_RATINGS, 5.0, 4.0)
    assert (o99["calculation_method"], o99["calculation_int"]) == validate_calculation("n_mastery", None)
    assert (o100["calculation_method"], o100["calculation_int"]) == validate_calculation("standard_decaying_average", None)
    # a null group links under the root group
    assert b.outcome_links == [{"course_id": 1, "group_id": g, "outcome_id": o}
                               for g, o in [(1, 97), (2, 98), (1, 99), (1, 100)]]
    assert b.assets == [{"id": 53, "course_id": 1, "type": "quiz", "name": "Quiz", "html_url": None,
                         "published": True, "post_policy": "automatic"}]
    assert b.alignments[0]["mastery_score"] is None
    r42, r43 = result_dicts(b)
    assert {k: r42[k] for k in ("score", "possible", "percent", "mastery", "hidden", "hide_points", "posted",
                                "submitted_at", "assessed_at", "time", "title", "artifact_type", "deleted")} == {
        "score": None, "possible": None, "percent": None, "mastery": None, "hidden": False,
        "hide_points": False, "posted": True, "submitted_at": None, "assessed_at": None, "time": 0,
        "title": None, "artifact_type": "other", "deleted": False,
    }
    assert r43["assessed_at"] == datetime(2013, 2, 1, 6, 0, 0, 999000)
    assert r43["time"] == 1359698400  # whole seconds, floored


def test_no_groups_means_no_link_group():
    doc = example()
    doc["outcome_groups"] = []
    doc["outcomes"][0]["group_id"] = None
    assert parse_bundle(doc).outcome_links == [{"course_id": 1, "group_id": None, "outcome_id": 97}]


def test_lists_may_be_absent_or_null():
    b = parse_bundle({"format": FORMAT, "course": {"id": 1, "name": "Empty"}, "users": None})
    assert (b.sections, b.users, b.enrollments, b.outcome_groups, b.outcomes, b.outcome_links, b.assets,
            b.alignments, b.results) == ([], [], [], [], [], [], [], [], [])


def test_unknown_keys_are_ignored():
    doc = example()
    doc["generator"] = "tests"
    doc["results"][0]["extra"] = {"x": 1}
    doc["course"]["color"] = "red"
    assert parse_bundle(doc).results == parse_bundle(example()).results


def test_mastery_scale_and_course_method_rows():
    doc = setp(example(), "course.mastery_scale", copy.deepcopy(SCALE))
    doc["course"]["calculation_method"] = {"method": "n_mastery", "int": None}
    b = parse_bundle(doc)
    assert b.mastery_scale == {
        "course_id": 1,
        "ratings": [{"description": "Exceeds", "points": 4.0, "mastery": False, "color": "0374B5"},
                    {"description": "Mastery", "points": 3.0, "mastery": True, "color": "0B874B"},
                    {"description": "None", "points": 0.0, "mastery": False, "color": "E0061F"}],
        "points_possible": 4.0,
        "mastery_points": 3.0,
    }
    method, n = validate_calculation("n_mastery", None)
    assert b.calculation_method == {"course_id": 1, "method": method, "calculation_int": n}
    # the outcome keeps its own settings; the course ones replace them when scoring
    assert b.outcomes[0]["calculation_method"] == "decaying_average"


def test_timestamps_are_naive_utc_and_time_is_floored_epoch_seconds():
    doc = example()
    doc["results"] = [
        {**doc["results"][0], "id": 1, "submitted_at": "2013-02-01T06:00:00Z", "assessed_at": "2020-01-01T00:00:00Z"},
        {**doc["results"][0], "id": 2, "user_id": 4, "submitted_at": None, "assessed_at": "1969-12-31T23:59:59.5+00:00"},
        {**doc["results"][0], "id": 3, "user_id": 5, "submitted_at": "2013-02-01T07:30:00+01:30"},
    ]
    doc["users"] += [{"id": 4, "name": "B"}, {"id": 5, "name": "C"}]
    rows = result_dicts(parse_bundle(doc))
    assert [(r["submitted_at"], r["assessed_at"], r["time"]) for r in rows] == [
        (datetime(2013, 2, 1, 6), datetime(2020, 1, 1), 1359698400),
        (None, datetime(1969, 12, 31, 23, 59, 59, 500000), -1),
        (datetime(2013, 2, 1, 6), None, 1359698400),
    ]


# -- percents (spec §2.2) -----------------------------------------------------------------------


def _percent(doc) -> float | None:
    return result_dicts(parse_bundle(doc))[0]["percent"]


def test_percent_computed():
    assert _percent(example()) == 0.6  # spec §8 #39


def test_percent_scaled_by_alignment_mastery():
    doc = setp(example(), "alignments[0].mastery_score", 0.7)
    assert _percent(doc) == 0.5143  # spec §8 #40


def test_percent_given_is_kept():
    doc = setp(setp(example(), "alignments[0].mastery_score", 0.7), "results[0].percent", 0.25)
    assert _percent(doc) == 0.25
    assert _percent(setp(example(), "results[0].percent", 0)) == 0.0


def test_percent_uses_the_course_mastery_scale():
    # the outcome says 4/4 (no scaling at 0.7 would give a different number); the scale says 5/3
    doc = setp(example(), "alignments[0].mastery_score", 0.7)
    doc["outcomes"][0].update(points_possible=4, mastery_points=4)
    assert _percent(doc) != 0.5143
    scale = {"ratings": [{"description": "Top", "points": 5, "color": None},
                         {"description": "Mastery", "points": 3, "mastery": True}, {"description": "No", "points": 0}]}
    doc["course"]["mastery_scale"] = scale
    assert _percent(doc) == 0.5143  # spec §8 #40 "with an account scale 5/3"


def test_percent_with_null_possible_falls_back_to_mastery_points():
    doc = setp(example(), "results[0].possible", None)
    doc["results"][0]["score"] = 1.5
    assert _percent(doc) == 0.5  # score / outcome mastery points (spec §2.2)


# -- duplicates (spec §2.5) ---------------------------------------------------------------------


def test_second_result_for_the_same_user_and_alignment_is_merged_into_the_first():
    doc = example()
    first = {**doc["results"][0], "score": 2, "possible": 9, "title": "first"}
    doc["results"] = [
        first,
        {**first, "id": 50, "user_id": 4, "score": 1},  # another user: its own row
        {**first, "id": 43, "score": 3, "possible": 10, "title": "second", "submitted_at": "2020-01-01T00:00:00Z"},
    ]
    doc["users"].append({"id": 4, "name": "B"})
    rows = result_dicts(parse_bundle(doc))
    assert [(r["id"], r["user_id"], r["score"], r["possible"], r["percent"], r["title"], r["time"]) for r in rows] == [
        (42, 3, 3.0, 10.0, 0.3, "first", 1359698400),  # spec §8 #51: 2/9 becomes 3/10
        (50, 4, 1.0, 9.0, 1 / 9, "first", 1359698400),
    ]


def test_merged_result_takes_the_later_explicit_percent():
    doc = example()
    doc["results"].append({**doc["results"][0], "id": 43, "score": 3, "possible": 10, "percent": 0.25})
    assert [(r["id"], r["score"], r["percent"]) for r in result_dicts(parse_bundle(doc))] == [(42, 3.0, 0.25)]


def test_merged_result_id_still_counts_as_used():
    doc = example()
    doc["results"] += [{**doc["results"][0], "id": 43}, {**doc["results"][0], "id": 43, "user_id": 4}]
    doc["users"].append({"id": 4, "name": "B"})
    assert error_of(doc) == "results[2].id: duplicate id 43"


# -- stored references ----------------------------------------------------------------------------


def test_stored_references_are_accepted():
    doc = {
        "format": FORMAT,
        "course": {"id": 1, "name": "Biology 101"},
        "enrollments": [{"user_id": 3, "section_id": 10, "role": "student"}],
        "outcome_groups": [{"id": 5, "title": "Sub", "parent_id": 2}],
        "outcomes": [{"id": 98, "title": "New", "group_id": 2}],
        "alignments": [{"id": 200, "outcome_id": 97, "asset_id": 53, "mastery_score": 0.7}],
        "results": [
            {"id": 1, "user_id": 3, "outcome_id": 97, "alignment_id": 200, "score": 6, "possible": 10},
            {"id": 2, "user_id": 3, "outcome_id": 97, "alignment_id": 123, "score": 6, "possible": 10},
        ],
    }
    stored = StoredRefs(
        users=frozenset({3}), sections={10: 1}, outcomes=frozenset({97}), outcome_groups={2: 1},
        assets={53: 1}, alignments={123: (97, 53, 0.7)}, outcome_scoring={97: (5.0, 3.0)},
    )
    b = parse_bundle(doc, stored)
    assert b.outcome_groups == [{"id": 5, "course_id": 1, "parent_id": 2, "title": "Sub"}]
    assert b.outcome_links == [{"course_id": 1, "group_id": 2, "outcome_id": 98}]
    assert [(r["id"], r["alignment_id"], r["percent"]) for r in result_dicts(b)] == [(1, 200, 0.5143), (2, 123, 0.5143)]
    # without them, the first missing reference is reported
    assert error_of(doc) == "enrollments[0].user_id: no such user 3"


def test_stored_outcome_without_scoring_has_unscaled_percent():
    doc = example()
    doc["alignments"][0].update(outcome_id=90, mastery_score=0.7)
    doc["results"][0]["outcome_id"] = 90
    b = parse_bundle(doc, StoredRefs(outcomes=frozenset({90})))
    assert result_dicts(b)[0]["percent"] == 0.6  # no points/mastery known: no scaling (spec §2.2)


# -- outcome group tree ----------------------------------------------------------------------------


def test_cycle_is_reported_at_the_first_group_on_it():
    doc = example()
    doc["outcome_groups"] += [{"id": 3, "title": "A", "parent_id": 5}, {"id": 4, "title": "Leaf", "parent_id": 3},
                              {"id": 5, "title": "B", "parent_id": 6}, {"id": 6, "title": "C", "parent_id": 3}]
    assert error_of(doc) == "outcome_groups[2].parent_id: outcome group 3 is its own ancestor (3 -> 5 -> 6 -> 3)"


def test_groups_without_a_root_form_a_cycle():
    doc = example()
    doc["outcome_groups"][0]["parent_id"] = 2
    assert error_of(doc) == "outcome_groups[0].parent_id: outcome group 1 is its own ancestor (1 -> 2 -> 1)"


def test_parent_may_come_later_in_the_document():
    doc = example()
    doc["outcome_groups"].reverse()
    assert [g["id"] for g in parse_bundle(doc).outcome_groups] == [1, 2]


# -- naive timestamps ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2013-02-01T00:00:00", "2013-02-01 00:00:00.5", "2013-02-01"])
def test_naive_timestamp_rejected(value):
    doc = setp(example(), "results[0].assessed_at", value)
    assert error_of(doc) == (
        f'results[0].assessed_at: timestamp "{value}" has no UTC offset; add one such as "Z" or "-06:00"')


# -- helpers and files ----------------------------------------------------------------------------


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
    assert parse_bundle(load_bundle_file(path)).results == parse_bundle(example()).results
    path.write_text("{not json")
    with pytest.raises(BundleError) as info:
        load_bundle_file(path)
    assert info.value.path == "$" and info.value.message.startswith("not valid JSON")
    with pytest.raises(BundleError) as info:
        load_bundle_file(tmp_path / "missing.json")
    assert info.value.path == "$" and info.value.message.startswith("cannot read bundle file")


def test_bundle_error_is_a_value_error():
    e = BundleError("results[17].user_id", "no such user 99")
    assert isinstance(e, ValueError)
    assert (str(e), e.path, e.message) == ("results[17].user_id: no such user 99", "results[17].user_id", "no such user 99")


# -- random mutations: a bundle either parses or is rejected with a BundleError --------------------

_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=200), st.sampled_from([0, 2**63, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.5, 1.0, -0.0, 1e308]),
    st.text(max_size=8),
    st.sampled_from(["2013-02-01T00:00:00Z", "2013-02-01T00:00:00", "2013-02-01T00:00:00+05:30", "9999-12-31T23:59:59-01:00",
                     "0001-01-01T00:00:00+01:00", "x", "student", "observer", "manual", "quiz", "n_mastery", "latest",
                     "quiz_submission", "0B874B", FORMAT]),
)
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                       max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _rich_example() -> dict:
    doc = example()
    doc["course"]["mastery_scale"] = copy.deepcopy(SCALE)
    doc["course"]["calculation_method"] = {"method": "n_mastery", "int": 3}
    doc["users"].append({"id": 4, "name": "Parent", "sis_user_id": "P4"})
    doc["enrollments"].append({"user_id": 4, "section_id": 10, "role": "observer", "associated_user_id": 3})
    doc["alignments"].append({"id": 124, "outcome_id": 97, "asset_id": 53, "mastery_score": 0.7})
    doc["results"] += [{**doc["results"][0], "id": 43, "alignment_id": 124, "percent": 0.5},
                       {**doc["results"][0], "id": 44, "score": 9, "assessed_at": "2013-02-02T00:00:00Z"}]
    return doc


RICH = _rich_example()
TOP_LEVEL = {"$", *RICH}
RICH_PATHS = list(_paths(RICH))


@st.composite
def _mutated(draw):
    doc = copy.deepcopy(RICH)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["set", "set", "delete", "duplicate", "number"]))
        if not path:
            if op == "set":
                doc = draw(_VALUES)
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        if op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "number":
            parent[key] = draw(st.sampled_from([1, 2, 3, 4, 10, 53, 97, 123, 124, 0.7, 65]))
        else:
            parent[key] = draw(_VALUES)
    return doc


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_random_mutations_parse_or_raise_bundle_error(doc):
    try:
        b = parse_bundle(doc)
    except BundleError as e:
        assert str(e) == f"{e.path}: {e.message}"
        assert re.split(r"[.\[]", e.path)[0] in TOP_LEVEL
        return
    # everything the fast path accepted, the precise checker accepts too
    parser = B._Parser(doc, StoredRefs())
    parser.parse()
    for i, r in enumerate(doc.get("results") or []):
        parser._result_error(i, r, set())
    assert len(b.results) <= len(doc.get("results") or [])
    for row in b.results:
        assert len(row) == len(RESULT_COLUMNS)
        assert all(v is None or math.isfinite(v) for v in row[5:8])
