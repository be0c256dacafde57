"""Errors speak GraphQL: a mistake names the argument the caller typed (message and `extensions.argument`),
never a REST parameter, and one kind of mistake gets one code on every field (an unknown id is NOT_FOUND)."""

from __future__ import annotations

import re

REST_NAMES = re.compile(r"\b(user_ids|outcome_ids|outcome_group_id|sort_outcome_id|sort_by|section_id|include_hidden|"
                        r"outcome_id|course_id|per_page)\b")

FIELDS = {
    "results": "course(id: 1) { outcomeResults(%s) { totalCount } }",
    "rollups": "course(id: 1) { outcomeRollups(%s) { totalCount } }",
    "aggregate": "course(id: 1) { outcomeRollupAggregate(%s) { scores { score } } }",
    "distribution": "course(id: 1) { masteryDistribution(%s) { outcome { id } } }",
    "contributing": 'course(id: 1) { contributingScores(outcomeId: "201", %s) { alignments { alignmentId } } }',
    "user_results": 'user(id: "101") { outcomeResults(courseId: "1", %s) { totalCount } }',
    "outcomes": "course(id: 1) { outcomes(%s) { id } }",
    "user": 'user(id: "101") { outcomeResults(%s) { totalCount } }',
}

# (field, arguments, code, argument): every field that takes the argument, for each kind of mistake.
CASES = [
    *[(f, 'outcomeIds: ["201"], outcomeGroupId: "2"', "BAD_USER_INPUT", "outcomeGroupId")
      for f in ("results", "rollups", "aggregate", "distribution", "outcomes")],
    *[(f, 'outcomeIds: ["999"]', "NOT_FOUND", "outcomeIds")
      for f in ("results", "rollups", "aggregate", "distribution", "outcomes", "user_results")],
    *[(f, 'outcomeIds: ["x"]', "BAD_USER_INPUT", "outcomeIds") for f in ("results", "rollups", "user_results")],
    *[(f, 'outcomeGroupId: "999"', "NOT_FOUND", "outcomeGroupId") for f in ("results", "rollups", "outcomes")],
    *[(f, 'userIds: ["101"], sectionId: "10"', "BAD_USER_INPUT", "sectionId")
      for f in ("results", "rollups", "aggregate", "distribution")],
    *[(f, 'sectionId: "99"', "NOT_FOUND", "sectionId") for f in ("results", "rollups", "aggregate", "distribution")],
    *[(f, 'sectionId: "x"', "BAD_USER_INPUT", "sectionId") for f in ("results", "rollups")],
    *[(f, 'userIds: ["99999"]', "NOT_FOUND", "userIds")
      for f in ("results", "rollups", "aggregate", "distribution", "contributing")],
    *[(f, 'userIds: ["x"]', "BAD_USER_INPUT", "userIds") for f in ("results", "rollups", "contributing")],
    ("results", "first: 101", "BAD_USER_INPUT", "first"),
    ("rollups", "first: -1", "BAD_USER_INPUT", "first"),
    ("user_results", "first: 101", "BAD_USER_INPUT", "first"),
    ("results", 'after: "nope"', "BAD_USER_INPUT", "after"),
    ("rollups", 'after: "nope"', "BAD_USER_INPUT", "after"),
    ("user", 'courseId: "x"', "BAD_USER_INPUT", "courseId"),
    ("rollups", "sortBy: OUTCOME", "BAD_USER_INPUT", "sortOutcomeId"),
    ("rollups", 'sortBy: OUTCOME, sortOutcomeId: "x"', "BAD_USER_INPUT", "sortOutcomeId"),
]


def _query(field: str, arguments: str) -> str:
    return "{ %s }" % (FIELDS[field] % arguments).replace("(, ", "(").replace(", )", ")")


async def test_a_mistake_names_its_graphql_argument(api):
    failures = []
    for field, arguments, code, argument in CASES:
        body = await api.query(_query(field, arguments), as_="teacher", errors=True)
        [error] = body["errors"]
        if ((error["extensions"].get("code"), error["extensions"].get("argument")) != (code, argument)
                or argument not in error["message"] or REST_NAMES.search(error["message"])):
            failures.append((field, arguments, error))
    assert not failures


async def test_a_student_naming_hidden_results_is_told_the_argument(api):
    body = await api.query('{ course(id: 1) { outcomeResults(userIds: ["self"], includeHidden: true) { totalCount } } }',
                           as_="student", errors=True)
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == ("FORBIDDEN", "includeHidden")
    assert "includeHidden" in error["message"] and not REST_NAMES.search(error["message"])


async def test_unknown_outcome_in_contributing_scores_is_not_found(api):
    body = await api.query('{ course(id: 1) { contributingScores(outcomeId: "999") { outcome { id } } } }',
                           as_="teacher", errors=True)
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"].get("argument")) == ("NOT_FOUND", "outcomeId"), error


async def test_the_readme_lists_the_codes_the_server_sends(api):
    from tests.api.test_readme import README

    documented = set(re.findall(r"`([A-Z_]{6,})`", README.read_text().split("## GraphQL over HTTP")[1].split("\n## ")[0]))
    sent = set()
    for query in ("{ course(id: 1) {", "{ nope }", '{ course(id: "x") { name } }', '{ course(id: "999") { name } }',
                  '{ course(id: 1) { outcomeResults(includeHidden: true, userIds: ["self"]) { totalCount } } }'):
        sent |= {e["extensions"]["code"] for e in (await api.raw(query, token=api.tokens["student"])).json()["errors"]}
    sent |= {e["extensions"]["code"] for e in (await api.raw("{ viewer { name } }")).json().get("errors", [])}
    assert {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN"} <= sent
    assert sent <= documented, sent - documented
