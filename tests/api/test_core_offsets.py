"""The API-neutral core called directly, as the REST API calls it: typed inputs (UserRef, id lists, Paging with
an offset) and plain results. What GraphQL adds on top is tested through GraphQL elsewhere."""

from __future__ import annotations

import pytest

from outcome_graph.context import Context
from outcome_graph.db.engine import writer
from outcome_graph.errors import BadUserInput, DomainError
from outcome_graph.resolvers.distributions import mastery_distributions
from outcome_graph.resolvers.inputs import (Paging, ResultQuery, RollupQuery, RollupSortBy, SortOrder, UserRef, id_list,
                                            optional_id, user_refs)
from outcome_graph.resolvers.paging import page_request, total_of
from outcome_graph.resolvers.results import outcome_results_page
from outcome_graph.resolvers.rollups import aggregate_rollups, rollups_page
from outcome_graph.resolvers.student_rollups import student_rollup

# --- inputs, no database ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("12", UserRef("12", id=12)),
    (" 12 ", UserRef(" 12 ", id=12)),
    (12, UserRef("12", id=12)),
    ("self", UserRef("self", is_self=True)),
    ("sis_user_id:S0101", UserRef("sis_user_id:S0101", sis_user_id="S0101")),
    ("sis_user_id:", UserRef("sis_user_id:", sis_user_id="")),
])
def test_user_ref_parses_an_id_self_and_a_sis_id(text, expected):
    assert UserRef.parse(text) == expected
    assert str(UserRef.parse(text)) == str(text)  # errors quote the reference as the caller wrote it


@pytest.mark.parametrize("text", ["abc", "0", "-3", "1.5", str(2**63), "", "Self", "sis_user_id", "１２"])
def test_a_malformed_user_ref_is_bad_user_input_naming_the_argument(text):
    with pytest.raises(BadUserInput) as e:
        UserRef.parse(text, "user_ids[]")
    assert e.value.code == "BAD_USER_INPUT" and e.value.extensions["argument"] == "user_ids[]"


def test_self_is_malformed_where_the_viewer_cannot_be_meant():
    with pytest.raises(BadUserInput):
        UserRef.parse("self", "results[0].userId", allow_self=False)
    assert UserRef.parse("7", allow_self=False).id == 7


def test_id_helpers_keep_none_and_refuse_malformed_ids():
    assert id_list(None, "outcomeIds") is None and optional_id(None, "sectionId") is None
    assert id_list(["3", 4, " 5"], "outcomeIds") == (3, 4, 5)
    assert user_refs(["1", "self"]) == (UserRef("1", id=1), UserRef("self", is_self=True))
    for call, argument in ((lambda: id_list(["3", "x"], "outcome_ids[]"), "outcome_ids[]"),
                           (lambda: optional_id("-1", "section_id"), "section_id"),
                           (lambda: user_refs(["1", "2.0"], "userIds"), "userIds")):
        with pytest.raises(BadUserInput) as e:
            call()
        assert e.value.extensions["argument"] == argument


def test_paging_offsets_go_forward_only_and_never_below_zero():
    assert page_request("result", 100, Paging(first=5, offset=10)).offset == 10
    with pytest.raises(BadUserInput) as e:
        page_request("result", 100, Paging(last=5, offset=10))
    assert e.value.extensions["argument"] == "offset"
    with pytest.raises(BadUserInput):
        page_request("result", 100, Paging(first=5, offset=-1))


# --- entry points on the demo course -------------------------------------------------------------------


@pytest.fixture
async def core(api, settings):
    """A request context for a role, as an API adapter makes one (and closes: its reader holds a connection)."""
    made: list[Context] = []

    async def make(role: str = "teacher") -> Context:
        ctx = Context(engine=api.engine, writer=writer(api.engine), settings=settings, viewer=None)
        made.append(ctx)
        await ctx.authenticate(f"Bearer {api.tokens[role]}")
        return ctx
    yield make
    for ctx in made:
        await ctx.reader.close()


async def test_rollup_pages_by_offset_are_slices_of_one_long_page(core):
    q = RollupQuery(1, sort_by=RollupSortBy.STUDENT, sort_order=SortOrder.DESC)
    whole, _ = await rollups_page(await core(), q, Paging(first=100))
    ids = [row.user_id for row in whole.items]
    assert whole.total == len(ids) > 6
    seen = []
    for offset in range(0, len(ids), 4):
        page, sel = await rollups_page(await core(), q, Paging(first=4, offset=offset))
        seen += [row.user_id for row in page.items]
        assert page.total == whole.total
        assert page.has_previous == (offset > 0)
        assert page.has_next == (offset + 4 < len(ids))
        assert all(o in sel.outcome_ids for row in page.items for o, _ in row.scores)
    assert seen == ids
    past, _ = await rollups_page(await core(), q, Paging(first=4, offset=len(ids)))
    assert past.items == [] and not past.has_next and past.has_previous


async def test_result_pages_by_offset_are_slices_of_one_long_page(core):
    q = ResultQuery(1, user_ids=user_refs(["101", "sis_user_id:S0102"]), include_hidden=True)
    whole = await outcome_results_page(await core(), q, Paging(first=100))
    ids = [row.id for row in whole.items]
    total = await total_of(whole)  # counted when asked (docs/performance.md, "Paging results")
    assert {row.user_id for row in whole.items} == {101, 102} and total == len(ids) > 5
    page = await outcome_results_page(await core(), q, Paging(first=3, offset=2))
    assert [row.id for row in page.items] == ids[2:5] and await total_of(page) == total
    assert page.has_previous and page.has_next == (len(ids) > 5)
    after_cursor = await outcome_results_page(await core(), q, Paging(first=2, after=whole.cursors[0], offset=1))
    assert [row.id for row in after_cursor.items] == ids[2:4]
    past = await outcome_results_page(await core(), q, Paging(first=3, offset=len(ids)))
    assert past.items == [] and await total_of(past) == total and past.has_previous


async def test_user_refs_reach_the_same_students_in_every_form(core):
    student = await core("student")  # user 101, sis S0101
    for ref in ("self", "101", "sis_user_id:S0101"):
        page = await outcome_results_page(student, ResultQuery(1, user_ids=user_refs([ref])), Paging(first=100))
        assert {row.user_id for row in page.items} == {101}, ref
    with pytest.raises(DomainError) as e:  # another student's: the policy's refusal, not a parse error
        await outcome_results_page(student, ResultQuery(1, user_ids=user_refs(["102"])), Paging())
    assert e.value.code == "FORBIDDEN"


async def test_aggregates_distributions_and_a_students_rollup_agree_with_the_page(core):
    ctx = await core()
    page, sel = await rollups_page(ctx, RollupQuery(1), Paging(first=100))
    mean = dict(await aggregate_rollups(ctx, RollupQuery(1)))
    assert set(mean) <= set(sel.outcome_ids)
    for outcome_id, score in mean.items():
        assert score.count == sum(1 for row in page.items for o, s in row.scores if o == outcome_id)
    distributions = await mastery_distributions(ctx, RollupQuery(1), add_defaults=False)
    assert [d.outcome_id for d in distributions] == sel.outcome_ids
    for d in distributions:
        scored = [s.score for row in page.items for o, s in row.scores if o == d.outcome_id and s.score is not None]
        assert d.total_students == len(scored)
    row, student_sel = await student_rollup(ctx, 1, page.items[0].user_id, None)
    assert row == page.items[0] and student_sel.outcome_ids == sel.outcome_ids
    assert await student_rollup(ctx, 1, 1, None) is None  # the teacher is no student there


@pytest.mark.parametrize("field", [
    'contributingScores(outcomeId: "x") { scores { score } }',
    'outcomeRollups(sectionId: "10x") { totalCount }',
    'masteryDistribution(outcomeIds: ["201", "-1"]) { totalStudents }',
])
async def test_a_malformed_id_is_bad_user_input_before_the_policy_answers(api, field):
    """The API parses ids into the core's inputs first: a student (refused these fields otherwise) learns only that
    the id is malformed, the same answer a teacher gets."""
    for role in ("student", "teacher"):
        body = await api.query("{ course(id: 1) { %s } }" % field, as_=role, errors=True)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (role, error)
