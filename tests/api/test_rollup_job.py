"""Query.rollupJob (docs/architecture.md §4, §5): a job for graders of its course and admins (a section-limited grader:
course jobs and their own students' jobs), errors like Query.outcome's for every other role and for unknown or
malformed ids; never served from the response cache (a job's progress changes without a data-version bump).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import pytest
from sqlalchemy import update

from outcome_graph.db import models as m
from outcome_graph.db.jobs import DEFAULT_MAX_ATTEMPTS, utcnow
from outcome_graph.jobs.worker import Worker
from outcome_graph.settings import Settings
from tests.api.course_builder import CourseBuilder
from tests.conftest import DEMO

ENQUEUE = 'mutation($u: ID) { enqueueOutcomeRollupCalculation(courseId: "1", userId: $u) { id } }'
JOB = """query($id: ID!) { rollupJob(id: $id) {
  id state progress course { id name } user { id name } runAfter attempts maxAttempts error createdAt finishedAt } }"""
DELAY = 60.0
DEMO_DOC = orjson.loads(DEMO.read_bytes())
USERS = {u["id"]: u["name"] for u in DEMO_DOC["users"]}

IN_SECTION_10, IN_SECTION_11 = 101, 111  # the TA grades section 11 only
# Everyone who may not see a job gets what an unknown job gets (docs/access.md).
HIDDEN = ("The specified resource does not exist.", "NOT_FOUND")
UNAUTHENTICATED = ("Authentication required: send 'Authorization: Bearer <token>'.", "UNAUTHENTICATED")


@pytest.fixture
def settings(database_url) -> Settings:
    """With the response cache on: rollupJob must never come from it."""
    return Settings(database_url=database_url, run_worker=False, response_cache_size=64, job_delay_seconds=DELAY)


@pytest.fixture
async def jobs(api) -> dict[str, str]:
    """A course job and two student jobs (sections 10 and 11), enqueued by the teacher; roles outside."""
    ids = {}
    for name, user in (("course", None), ("section_10", IN_SECTION_10), ("section_11", IN_SECTION_11)):
        ids[name] = (await api.query(ENQUEUE, {"u": None if user is None else str(user)},
                                     as_="teacher"))["enqueueOutcomeRollupCalculation"]["id"]
    other = CourseBuilder(course_id=2, name="Another course")
    other.section(20)
    other.teacher(9, 20)
    await other.load(api, other_teacher=9)
    api.tokens["anonymous"] = None
    api.tokens["bad_token"] = "not-a-token"
    return ids


async def ask(api, role: str, job_id: str) -> dict:
    return (await api.raw(JOB, {"id": job_id}, token=api.tokens[role])).json()


def refused(body: dict) -> tuple[str, str]:
    """The one error of a refused rollupJob, after checking the rest of the response."""
    assert body["data"] == {"rollupJob": None}, body
    [error] = body["errors"]
    assert error["path"] == ["rollupJob"], error
    return error["message"], error["extensions"]["code"]


def expected_job(job_id: str, user: int | None) -> dict:
    return {"id": job_id, "state": "QUEUED", "progress": 0.0, "course": {"id": "1", "name": DEMO_DOC["course"]["name"]},
            "user": None if user is None else {"id": str(user), "name": USERS[user]}, "attempts": 0,
            "maxAttempts": DEFAULT_MAX_ATTEMPTS,
            "error": None, "finishedAt": None}


def without_times(job: dict) -> dict:
    created, run_after = (datetime.fromisoformat(job[k]) for k in ("createdAt", "runAfter"))
    # docs/behaviour.md §5.3: due a minute after the request
    assert created.utcoffset() == timedelta(0) and run_after - created == timedelta(seconds=DELAY), job
    return {k: v for k, v in job.items() if k not in ("createdAt", "runAfter")}


# role -> what it gets for the course job, the section-10 student's job and the section-11 student's job
SEES = "job"
ROLES = {
    "teacher": (SEES, SEES, SEES),
    "admin": (SEES, SEES, SEES),
    "ta": (SEES, HIDDEN, SEES),  # section-limited (docs/architecture.md §5): not a student of another section
    "student": (HIDDEN,) * 3,  # their own job too: recalculation is for graders
    "observed": (HIDDEN,) * 3,
    "two_sections": (HIDDEN,) * 3,
    "concluded": (HIDDEN,) * 3,
    "no_results": (HIDDEN,) * 3,
    "observer": (HIDDEN,) * 3,
    "designer": (HIDDEN,) * 3,
    "inactive": (HIDDEN,) * 3,
    "other_teacher": (HIDDEN,) * 3,
    "anonymous": (UNAUTHENTICATED,) * 3,
    "bad_token": (("Invalid access token.", "UNAUTHENTICATED"),) * 3,
}


@pytest.mark.parametrize("role", ROLES)
async def test_every_role(api, jobs, role):
    for (kind, user), want in zip((("course", None), ("section_10", IN_SECTION_10), ("section_11", IN_SECTION_11)),
                                  ROLES[role]):
        body = await ask(api, role, jobs[kind])
        if want == SEES:
            assert not body.get("errors"), body
            job = without_times(body["data"]["rollupJob"])
            assert job == expected_job(jobs[kind], user), (role, kind)
        else:
            assert refused(body) == want, (role, kind)


BAD_IDS = [
    ("999999", ("The specified resource does not exist.", "NOT_FOUND")),
    ("2147483648", ("The specified resource does not exist.", "NOT_FOUND")),  # > INTEGER
    ("9223372036854775807", ("The specified resource does not exist.", "NOT_FOUND")),
    ("abc", ("id: 'abc' is not an id (a positive integer)", "BAD_USER_INPUT")),
    ("0", ("id: '0' is not an id (a positive integer)", "BAD_USER_INPUT")),
    ("-1", ("id: '-1' is not an id (a positive integer)", "BAD_USER_INPUT")),
    ("", ("id: '' is not an id (a positive integer)", "BAD_USER_INPUT")),
    ("9223372036854775808", ("id: '9223372036854775808' is not an id (a positive integer)",
                             "BAD_USER_INPUT")),
]


@pytest.mark.parametrize("role", ROLES)
async def test_unknown_and_malformed_ids(api, jobs, role):
    for raw, error in BAD_IDS:
        want = ROLES[role][0] if ROLES[role][0][1] == "UNAUTHENTICATED" else error  # no token: nothing else is said
        assert refused(await ask(api, role, raw)) == want, (role, raw)


async def test_an_integer_id_is_taken_too(api, jobs):
    data = await api.query("{ rollupJob(id: %s) { id } }" % jobs["course"], as_="teacher")
    assert data == {"rollupJob": {"id": jobs["course"]}}


async def test_a_job_that_ran_is_read_fresh_not_from_the_response_cache(api, jobs, settings):
    for _ in range(2):  # the second read would be a cache hit if rollupJob were cacheable
        assert (await api.query(JOB, {"id": jobs["course"]}, as_="teacher"))["rollupJob"]["state"] == "QUEUED"
    async with api.engine.begin() as conn:  # due now, not in a minute
        await conn.execute(update(m.RollupJob).values(run_after=utcnow()))
    worker = Worker(api.engine, settings)
    while await worker.run_once():
        pass
    job = (await api.query(JOB, {"id": jobs["course"]}, as_="teacher"))["rollupJob"]
    assert (job["state"], job["progress"], job["attempts"], job["error"], job["finishedAt"] is not None) == \
        ("SUCCEEDED", 1.0, 1, None, True)
