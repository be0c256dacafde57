"""Every entry point goes through the access policy, by construction (docs/access.md).

The schema is walked, not listed: every Query, Mutation and Subscription field and every `_entities` type
must be resolved by a function registered in the policy's entry-point table (resolvers/access/entry.py), and
each is called over HTTP (the subscription over a WebSocket) by an anonymous caller, a bad token and an
outsider (a student of another course), who must all be refused. A new field without a registered resolver,
or without a probe below, fails here.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from outcome_graph.resolvers.access import ENTRY_POINTS
from outcome_graph.resolvers.access.entry import ANONYMOUS
from outcome_graph.schema import build_schema
from tests.api.live import serving
from tests.api.second_course import B_STUDENT, load_second_course

SCHEMA = build_schema()
GQL = SCHEMA._schema
PUBLIC = {"Query._service"}  # the SDL, public like introspection
ROOT_FIELDS = [f"{t.name}.{name}" for t in (GQL.query_type, GQL.mutation_type, GQL.subscription_type)
               for name in t.fields if f"{t.name}.{name}" not in PUBLIC and name != "_entities"]
ENTITY_TYPES = sorted(t.name for t in GQL.type_map["_Entity"].types)

# One call per entry point, about the demo course (course 1), which the outsider takes no part in.
PROBES = {
    "Query.course": "{ course(id: 1) { name } }",
    "Query.outcome": "{ outcome(id: 202) { title } }",
    "Query.user": "{ user(id: 101) { name } }",
    "Query.rollupJob": "{ rollupJob(id: 1) { state } }",
    "Query.viewer": "{ viewer { id } }",
    "Query.me": "{ me { user { id } } }",
    "Mutation.assignOutcomeOrder": 'mutation { assignOutcomeOrder(courseId: 1, order: [{outcomeId: "201", '
                                   "position: 1}]) { id } }",
    "Mutation.enqueueOutcomeRollupCalculation": "mutation { enqueueOutcomeRollupCalculation(courseId: 1) { id } }",
    "Mutation.recordOutcomeResults": 'mutation { recordOutcomeResults(courseId: 1, results: [{userId: "101", '
                                     'alignmentId: "401", score: 1}]) { id } }',
    "Mutation.setOutcomeResultsHidden": 'mutation { setOutcomeResultsHidden(courseId: 1, resultIds: ["1001"], '
                                        "hidden: true) { id } }",
    "Mutation.deleteOutcomeResults": 'mutation { deleteOutcomeResults(courseId: 1, resultIds: ["1001"]) }',
    "Mutation.updateOutcome": 'mutation { updateOutcome(courseId: 1, outcomeId: 202, input: {title: "x"}) { id } }',
    "Mutation.setCourseMasteryScale": "mutation { setCourseMasteryScale(courseId: 1, ratings: null) { id } }",
    "Mutation.setCourseCalculationMethod": "mutation { setCourseCalculationMethod(courseId: 1, method: HIGHEST) "
                                           "{ id } }",
    "Subscription.rollupJobUpdated": "subscription { rollupJobUpdated(id: 1) { state } }",
}
# What the anonymous-capable fields answer the outsider (a student of course 2) about themself.
ANONYMOUS_ANSWERS = {"Query.viewer": {"id": str(B_STUDENT)}, "Query.me": {"user": {"id": str(B_STUDENT)}}}
ENTITY_IDS = {"Alignment": "401", "Course": "1", "Outcome": "202", "OutcomeResult": "1001", "User": "101"}
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
REFUSED = {"NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"}


def registered(name: str):
    """The resolver the schema calls for an entry point."""
    type_name, field = name.split(".")
    if field == "_entities":
        return SCHEMA.get_type_by_name(type_name).origin.resolve_reference.__func__
    [strawberry_field] = [f for f in SCHEMA.get_type_by_name(type_name).fields
                          if SCHEMA.config.name_converter.get_graphql_name(f) == field]
    return strawberry_field.base_resolver.wrapped_func


def test_every_entry_point_of_the_schema_is_registered_in_the_policy():
    names = ROOT_FIELDS + [f"{t}._entities" for t in ENTITY_TYPES]
    missing = [n for n in names if getattr(registered(n), "entry_point", None) != n or ENTRY_POINTS.get(n) is None]
    assert not missing, f"resolve these through resolvers.access.entry_point: {missing}"
    assert sorted(ENTRY_POINTS) == sorted(names), "the table names entry points the schema no longer has"
    assert sorted(PROBES) == sorted(ROOT_FIELDS) and sorted(ENTITY_IDS) == ENTITY_TYPES, "probe every entry point"


@pytest.fixture
async def callers(api, app_client):
    await load_second_course(api)
    await api.query("mutation { enqueueOutcomeRollupCalculation(courseId: 1) { id } }", as_="teacher")  # job 1
    return api, app_client[0], {"anonymous": None, "bad token": "not-a-token", "outsider": api.tokens["b_student"]}


@pytest.mark.parametrize("name", sorted(set(ROOT_FIELDS) - {"Subscription.rollupJobUpdated"}))
async def test_a_root_field_refuses_outsiders_and_anonymous_callers(callers, name):
    api, _, tokens = callers
    field = name.split(".")[1]
    for who, token in tokens.items():
        body = (await api.raw(PROBES[name], token=token)).json()
        if name in ANONYMOUS and who != "bad token":  # Query.viewer, Query.me: nobody, or the outsider themself
            assert body == {"data": {field: None if token is None else ANONYMOUS_ANSWERS[name]}}, who
            continue
        assert body.get("data") in (None, {field: None}), (who, body)
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert codes <= REFUSED and ((who == "outsider") != (codes == {"UNAUTHENTICATED"})), (who, body)


@pytest.mark.parametrize("type_name", ENTITY_TYPES)
async def test_an_entity_type_refuses_outsiders_and_anonymous_callers(callers, type_name):
    api, _, tokens = callers
    reps = {"r": [{"__typename": type_name, "id": ENTITY_IDS[type_name]}]}
    assert (await api.query(ENTITIES, reps, as_="teacher")) == {"_entities": [{"__typename": type_name}]}
    for who, token in tokens.items():
        body = (await api.raw(ENTITIES, reps, token=token)).json()
        assert body["data"] == {"_entities": [None]}, (who, body)
        codes = [e["extensions"]["code"] for e in body.get("errors") or []]
        assert codes == ([] if who == "outsider" else ["UNAUTHENTICATED"]), (who, body)



async def test_the_subscription_refuses_outsiders_and_anonymous_callers(callers):
    _, app, tokens = callers
    async with serving(app, lifespan="off") as address:
        for who, token in tokens.items():
            async with connect(f"ws://{address}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
                await ws.send(json.dumps({"type": "connection_init",
                                          "payload": {"Authorization": f"Bearer {token}"} if token else {}}))
                ack = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if ack["type"] != "connection_ack":  # a bad token may be refused at the handshake
                    assert who == "bad token", (who, ack)
                    continue
                await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                          "payload": {"query": PROBES["Subscription.rollupJobUpdated"]}}))
                msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
                errors = msg["payload"]["errors"] if msg["type"] == "next" else msg["payload"]
                assert msg["type"] in ("next", "error") and (msg["type"] == "error" or
                                                            msg["payload"]["data"] is None), (who, msg)
                want = {"NOT_FOUND"} if who == "outsider" else {"UNAUTHENTICATED"}
                assert {e["extensions"]["code"] for e in errors} == want, (who, msg)


# Words that mean an access decision; only the policy (and the data layer's columns and import) may use them.
DECISION_WORDS = ("limit_to_section", "associated_user_id", "is_admin", "grader_sections", '"teacher"', '"ta"',
                  '"observer"')
MAY_NAME_THEM = ("resolvers/access/", "db/models.py", "db/bundle.py", "db/importer.py", "db/batch.py", "db/tokens.py",
                 "db/migrations/", "auth.py", "response_cache.py")


def test_no_module_outside_the_policy_decides_access():
    package = Path(__file__).resolve().parents[2] / "outcome_graph"
    found = [f"{path.relative_to(package)}: {word}" for path in sorted(package.rglob("*.py"))
             if not any(str(path.relative_to(package)).startswith(p) for p in MAY_NAME_THEM)
             for word in DECISION_WORDS if word in path.read_text()]
    assert not found, f"move these decisions into resolvers/access: {found}"
