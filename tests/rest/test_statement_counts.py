"""Constant SQL per REST request: a bigger page, more users or every include costs no more statements
(no N+1, docs/performance.md)."""

from __future__ import annotations

INCLUDES = ["alignments", "outcomes", "outcomes.alignments", "outcome_groups", "outcome_links", "outcome_paths",
            "users"]


async def statements(rest, path: str, params: dict, role: str = "teacher") -> int:
    """What the request costs once what is kept per data version (roster, counts) is kept: every request after
    the first."""
    await rest.get(path, role, params)
    before = rest.api.counter.count
    response = await rest.get(path, role, params)
    assert response.status_code == 200, response.text
    return rest.api.counter.count - before


async def test_results_pages_cost_the_same_whatever_their_size(rest):
    params = {"include[]": [*INCLUDES, "assignments"]}
    counts = {size: await statements(rest, "courses/1/outcome_results", {**params, "per_page": size, "page": 2})
              for size in (1, 20, 100)}
    # A small page holds only some outcomes: linked.outcomes reads the others, in one more statement.
    assert max(counts.values()) - min(counts.values()) <= 1 and max(counts.values()) <= 15, counts


async def test_rollup_pages_cost_the_same_whatever_their_size(rest):
    params = {"include[]": INCLUDES, "rating_percents": "true", "add_defaults": "true"}
    small = await statements(rest, "courses/1/outcome_rollups", {**params, "per_page": 1})
    large = await statements(rest, "courses/1/outcome_rollups", {**params, "per_page": 100})
    assert small == large and large <= 25
    for sort in ({"sort_by": "student"}, {"sort_by": "outcome", "sort_outcome_id": "202"}):
        assert await statements(rest, "courses/1/outcome_rollups", {**sort, "per_page": 2}) == \
            await statements(rest, "courses/1/outcome_rollups", {**sort, "per_page": 100})
    one = await statements(rest, "courses/1/outcome_rollups", {"aggregate": "course", "user_ids[]": "101"})
    every = await statements(rest, "courses/1/outcome_rollups", {"aggregate": "course"})
    assert one == every


async def test_csv_and_contributing_scores_cost_the_same_for_one_student_or_all(rest):
    assert await statements(rest, "courses/1/outcome_rollups.csv", {"user_ids[]": "101"}) == \
        await statements(rest, "courses/1/outcome_rollups.csv", {})
    path = "courses/1/outcomes/201/contributing_scores"
    assert await statements(rest, path, {"user_ids[]": "101"}) == await statements(rest, path, {})
