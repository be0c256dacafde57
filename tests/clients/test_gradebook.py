"""The gradebook page (/gradebook) in headless Chromium against a live `outcome-graph serve` on the demo course
(the job worker running, jobs due at once). gradebook.mjs drives one browser through every check and reports
what the page showed; here each of those is compared with the API's own answer to the same question, asked
before the browser changed anything (a recorded result, the outcome order) or after, as it fits.

Needs Node 20+, `npm ci` here and Debian's chromium (scripts/test installs them); skipped with the reason when
missing, except in CI (CI=true). On failure the page's screenshot is in the test's tmp dir (path in the message).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.clients.test_real_clients import CHROMIUM, HERE, _node, _require
from tests.federation.test_gateway import CLI_ENV, DEMO, Stack, _cli, _free_port

USERS = {"teacher": 1, "student": 101, "observer": 3, "designer": 4, "revoked": 1}
OBSERVED = 107
STARTUP_SECONDS = 30
PAGE = 10
RECORD = """mutation Record($user: ID!) {
  recordOutcomeResults(courseId: "1", results: [{userId: $user, alignmentId: "401", score: 0, possible: 4,
                                                 assessedAt: "2026-12-01T12:00:00Z"}]) { id }
}"""
ROLLUPS = """query($first: Int, $after: String, $section: ID, $exclude: [RollupExclusion!], $sortBy: RollupSortBy,
    $sortOutcome: ID, $order: SortOrder, $stat: AggregateStat) {
  course(id: "1") {
    outcomeRollups(first: $first, after: $after, sectionId: $section, exclude: $exclude, sortBy: $sortBy,
                   sortOutcomeId: $sortOutcome, sortOrder: $order) {
      totalCount
      pageInfo { hasNextPage endCursor }
      outcomes { id masteryPoints path { parts { name } } }
      nodes { user { id name sisUserId } scoreSlots { score rating { description mastery } } }
    }
    outcomeRollupAggregate(stat: $stat) { scores { outcome { id } score } }
    masteryDistribution { outcome { id } ratings { description count } }
  }
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`outcome-graph serve` on the demo course with its worker; yields (node, base URL, tokens, revoke argv)."""
    node = _node()
    _require(None if Path(CHROMIUM).exists() else
             f"{CHROMIUM} is missing (apt-get install chromium; scripts/test installs it when root)")
    stack = Stack(tmp_path_factory.mktemp("gradebook"))
    db = f"sqlite+aiosqlite:///{stack.workdir / 'demo.db'}"
    cli = lambda *args: subprocess.run([*_cli(), *args, "--database", db], cwd=stack.workdir, check=True,  # noqa: E731
                                       capture_output=True, text=True, timeout=STARTUP_SECONDS, env=CLI_ENV).stdout
    cli("import", str(DEMO))
    tokens = {role: cli("token", "create", "--user", str(user)).strip() for role, user in USERS.items()}
    revoked_id = cli("token", "list").strip().splitlines()[-1].split()[0]  # the last one created: "revoked"
    port = _free_port()
    try:
        stack.start("serve", [*_cli(), "serve", "--database", db, "--port", str(port)],
                    env={"OUTCOME_GRAPH_JOB_DELAY_SECONDS": "0", "OUTCOME_GRAPH_WORKER_POLL_SECONDS": "0.1"})
        stack.wait_ready("serve", f"http://127.0.0.1:{port}/healthz", time.monotonic() + STARTUP_SECONDS)
        yield node, f"http://127.0.0.1:{port}", tokens, [*_cli(), "token", "revoke", revoked_id, "--database", db]
    finally:
        stack.stop()
    assert "Traceback" not in stack.logs(), stack.logs()


def js_number(value: float | None) -> str:
    """A number as JavaScript's String() writes it (3.0 -> "3"); None -> ""."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def shown_score(value: float | None) -> str:
    """A score as the page shows it: two decimals at most, an em dash when there is none."""
    return "—" if value is None else js_number(round(value, 2))


def shown_level(rating: dict | None) -> str:
    return "no rating" if rating is None else rating["description"] + (" ★" if rating["mastery"] else "")


class Api:
    def __init__(self, base: str, tokens: dict):
        self.url, self.tokens = f"{base}/graphql", tokens

    def answer(self, query: str, variables: dict | None = None, role: str = "teacher") -> dict:
        return httpx.post(self.url, json={"query": query, "variables": variables or {}}, timeout=30,
                          headers={"Authorization": f"Bearer {self.tokens[role]}"}).json()

    def data(self, query: str, variables: dict | None = None, role: str = "teacher") -> dict:
        body = self.answer(query, variables, role)
        assert "errors" not in body, body
        return body["data"]

    def rollups(self, **variables) -> dict:
        defaults = {"first": PAGE, "sortBy": "STUDENT", "order": "ASC", "stat": "MEAN"}
        return self.data(ROLLUPS, {**defaults, **variables})["course"]

    def grid(self, **variables) -> list[dict]:
        """The grid's rows as the page shows them."""
        return [{"user": n["user"]["id"], "scores": [shown_score(s and s["score"]) for s in n["scoreSlots"]],
                 "levels": [shown_level(s and s["rating"]) for s in n["scoreSlots"]]}
                for n in self.rollups(**variables)["outcomeRollups"]["nodes"]]

    def users(self, **variables) -> list[str]:
        return [row["user"] for row in self.grid(**variables)]


def expected_csv(api: Api) -> str:
    """Canvas's LMGB export (docs/gradebook.md, "CSV export"), built from every page of the API's rollups."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    after, rows = None, []
    while True:
        page = api.rollups(first=100, after=after)["outcomeRollups"]
        rows += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    paths = [" > ".join(p["name"] for p in o["path"]["parts"]) for o in page["outcomes"]]
    writer.writerow(["Student name", "Student ID", "Student SIS ID",
                     *[f"{path} {column}" for path in paths for column in ("result", "mastery points")]])
    for node in rows:
        user = node["user"]
        writer.writerow([user["name"], user["id"], user["sisUserId"] or "N/A",
                         *[js_number(v) for o, s in zip(page["outcomes"], node["scoreSlots"])
                           for v in (s and s["score"], o["masteryPoints"])]])
    return out.getvalue()


def student_page(api: Api, role: str, user: int) -> list[dict]:
    query = """query($user: ID!) { course(id: "1") { outcomes { id } }
      user(id: $user) { outcomeRollups(courseId: "1") { scores { outcome { id } score rating { description mastery } } }
                        outcomeResults(courseId: "1", first: 100) { nodes { outcome { id } score } } } }"""
    data = api.data(query, {"user": str(user)}, role)
    scores = {s["outcome"]["id"]: s for s in data["user"]["outcomeRollups"]["scores"]}
    results = data["user"]["outcomeResults"]["nodes"]
    return [{"outcome": o["id"], "score": shown_score(scores.get(o["id"], {}).get("score")),
             "level": shown_level(scores.get(o["id"], {}).get("rating")),
             "points": sum(1 for r in results if r["outcome"]["id"] == o["id"] and r["score"] is not None)}
            for o in data["course"]["outcomes"]]


def test_gradebook_page_in_chromium(server, tmp_path):
    node, base, tokens, revoke = server
    api = Api(base, tokens)
    before = api.rollups()
    first_page = before["outcomeRollups"]
    outcomes = [o["id"] for o in first_page["outcomes"]]
    sort_outcome = outcomes[0]
    section = api.data('{ course(id: "1") { sections { id } } }')["course"]["sections"][1]["id"]
    drilled = next(row["user"] for row in api.grid() if row["scores"][0] != "—")
    results = api.data("""query($user: ID!, $outcome: ID!) { user(id: $user) {
        outcomeResults(courseId: "1", outcomeIds: [$outcome], first: 100) {
          nodes { score possible submittedOrAssessedAt } } } }""",
                       {"user": drilled, "outcome": sort_outcome})["user"]["outcomeResults"]["nodes"]
    expected = {
        "page1": api.grid(),
        "page2": api.grid(after=first_page["pageInfo"]["endCursor"]),
        "sortedDesc": api.users(sortBy="OUTCOME", sortOutcome=sort_outcome, order="DESC"),
        "studentsDesc": api.users(order="DESC"),
        "section": api.users(section=section),
        "exclusions": {e: f'{api.rollups(exclude=[e])["outcomeRollups"]["totalCount"]} students'
                       for e in ("MISSING_USER_ROLLUPS", "CONCLUDED_ENROLLMENTS", "INACTIVE_ENROLLMENTS")},
        "mean": [shown_score(s["score"]) for s in sorted(before["outcomeRollupAggregate"]["scores"],
                                                         key=lambda s: outcomes.index(s["outcome"]["id"]))],
        "median": [shown_score(s["score"]) for s in sorted(api.rollups(stat="MEDIAN")["outcomeRollupAggregate"]["scores"],
                                                           key=lambda s: outcomes.index(s["outcome"]["id"]))],
        "distribution": next([[r["description"], r["count"]] for r in d["ratings"]]
                             for d in before["masteryDistribution"] if d["outcome"]["id"] == sort_outcome),
        "drill": [f'{shown_score(r["score"])} / {shown_score(r["possible"])}'
                  for r in sorted(results, key=lambda r: r["submittedOrAssessedAt"] or "")],
        "designer": api.answer('{ course(id: "1") { outcomeRollups(first: 10) { totalCount } } }', role="designer"),
    }

    screenshot = tmp_path / "gradebook-failure.png"
    run = subprocess.run([node, "gradebook.mjs", "--url", base, "--tokens", json.dumps(tokens), "--record", RECORD,
                          "--revoke", json.dumps(revoke), "--screenshot", str(screenshot)],
                         cwd=HERE, capture_output=True, text=True, timeout=120, env=CLI_ENV)
    assert run.returncode == 0, f"{run.stderr}\nscreenshot: {screenshot}"
    seen = json.loads(run.stdout)
    teacher = seen["teacher"]

    # paging with cursors, both ways; cells with the level's name beside its colour
    assert teacher["page1"]["rows"] == expected["page1"] and len(expected["page1"]) == PAGE
    assert teacher["page2"]["rows"] == expected["page2"] and teacher["back"] == teacher["page1"]
    assert teacher["page1"]["total"] == f'{first_page["totalCount"]} students'
    # sorting by an outcome and by student, both directions; section filter; the exclusion toggles
    assert teacher["sortedDesc"]["outcome"] == sort_outcome
    assert [r["user"] for r in teacher["sortedDesc"]["grid"]["rows"]] == expected["sortedDesc"]
    assert [r["user"] for r in teacher["studentsDesc"]["rows"]] == expected["studentsDesc"] != expected["page1"]
    assert teacher["section"]["id"] == section
    assert [r["user"] for r in teacher["section"]["grid"]["rows"]] == expected["section"]
    assert teacher["exclusions"] == expected["exclusions"]
    assert len(set(expected["exclusions"].values()) | {teacher["page1"]["total"]}) > 1
    # the mean and median rows; the outcome card with its distribution
    assert teacher["mean"] == expected["mean"] and teacher["median"] == expected["median"]
    assert teacher["mean"] != teacher["median"]
    assert teacher["card"]["counts"] == expected["distribution"] and teacher["card"]["bars"] == len(expected["distribution"])
    assert teacher["card"]["method"]
    # the drill-down: the student's results in time order, with alignments and contributing scores
    assert teacher["drill"]["user"] == drilled and [r[2] for r in teacher["drill"]["results"]] == expected["drill"]
    assert all(r[1] for r in teacher["drill"]["results"]) and teacher["drill"]["contributing"] >= 1
    # a result recorded through the API changes the cell, to the API's new score
    recorded = teacher["recorded"]
    now = api.data('query($u: [ID!]) { course(id: "1") { outcomeRollups(userIds: $u, outcomeIds: ["201"]) '
                   '{ nodes { scoreSlots { score } } } } }', {"u": [drilled]})
    assert (recorded["user"], recorded["outcome"]) == (drilled, "201")
    assert recorded["after"] == shown_score(now["course"]["outcomeRollups"]["nodes"][0]["scoreSlots"][0]["score"])
    assert recorded["after"] != recorded["before"]
    # the recalculation's live progress ends in success
    assert teacher["job"][-1] == "Recalculation succeeded 100%" and len(teacher["job"]) >= 2, teacher["job"]
    # outcome order by drag and drop, then by keyboard (focus stays on the moved title), saved in the API
    dragged = teacher["dragged"]
    assert dragged["after"] == [dragged["before"][-1], *dragged["before"][:-1]]
    assert teacher["keyboardMoved"] == [dragged["after"][1], dragged["after"][0], *dragged["after"][2:]]
    assert teacher["focusKept"] == dragged["before"][-1] and teacher["focusOutline"] != "none"
    assert [o["id"] for o in api.data('{ course(id: "1") { outcomes { id } } }')["course"]["outcomes"]] \
        == teacher["keyboardMoved"]
    # the CSV export equals the API's numbers, in Canvas's columns
    assert teacher["csv"] == expected_csv(api)
    assert teacher["message"] == ""

    # WCAG AA: every text at least 4.5:1 against its background
    for screen in (teacher, seen["student"], seen["observer"]):
        assert screen["contrast"]["ratio"] >= 4.5, screen["contrast"]
    # the student's own page, and the observer's page of the student they observe
    assert seen["student"]["outcomes"] == student_page(api, "student", 101)
    assert seen["observer"]["heading"].startswith("Isabella Rossi")
    assert seen["observer"]["outcomes"] == student_page(api, "observer", OBSERVED)
    # refusals show the API's message and code
    error = expected["designer"]["errors"][0]
    assert seen["designer"] == f'{error["message"]} ({error["extensions"]["code"]})'
    assert seen["revoked"] == "Access token has been revoked. (UNAUTHENTICATED)"
    assert api.answer("{ me { isAdmin } }", role="revoked")["errors"][0]["message"] == "Access token has been revoked."
    assert seen["logs"] == []
