"""schema/execution.py completes lists of plain objects with one generated function, sync resolvers of loaded
values included: the same answer as graphql-core's own path, whether the list qualifies or goes back to it (a
resolver that returns an awaitable, reads more of its Info than the context, or raises, or a value its scalar
refuses)."""

from __future__ import annotations

import asyncio

import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st

from outcome_graph.schema.execution import ExecutionContext


@strawberry.type
class Child:
    id: int
    name: str


@strawberry.type
class Item:
    id: int
    _child: strawberry.Private[Child]

    @strawberry.field
    def child(self, info: strawberry.Info) -> Child:
        mode = info.context["mode"]
        if mode == "awaitable" and self.id % 2:
            async def later() -> Child:
                return self._child
            return later()
        if mode == "path":
            return Child(id=len(info.path.as_list()), name="path")
        if mode == "raises" and self.id == 3:
            raise ValueError("item 3 has no child")
        return self._child


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(id=i, _child=Child(id=10 * i, name=f"child {i}")) for i in range(5)]


QUERY = "{ items { id child { id name } } }"


def run(execution_context_class, mode: str):
    schema = strawberry.Schema(Query, execution_context_class=execution_context_class)
    result = asyncio.run(schema.execute(QUERY, context_value={"mode": mode}))
    return result.data, [(e.message, e.path) for e in result.errors or []]


def test_lists_with_sync_resolvers_answer_as_graphql_core_does():
    for mode in ("loaded", "awaitable", "path", "raises"):
        assert run(ExecutionContext, mode) == run(None, mode), mode
    data, errors = run(ExecutionContext, "raises")
    assert data is None and errors == [("item 3 has no child", ["items", 3, "child"])]


class Counting(ExecutionContext):
    """Counts the fields graphql-core resolves itself."""

    fields = 0

    def execute_field(self, *args, **kwargs):
        Counting.fields += 1
        return super().execute_field(*args, **kwargs)


def test_a_list_of_loaded_values_is_completed_in_one_loop():
    Counting.fields = 0
    run(Counting, "loaded")
    assert Counting.fields == 1  # `items` only: each item's fields, `child` included, in the loop
    Counting.fields = 0
    run(Counting, "awaitable")
    assert Counting.fields == 1 + 5 * 2 + 5 * 2  # back to graphql-core: id, child and child's two per item


# ------------------------------------------------ the generated completer's inline scalar checks

@strawberry.type
class Cell:
    f: float
    i: int
    s: str
    b: bool
    id: strawberry.ID
    maybe: float | None


@strawberry.type
class Grid:
    cells: list[Cell]


SOME_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(), st.text(max_size=3))
# Values of the declared types (inf, nan and Ints just past 32 bits among them): the list stays on the
# generated path unless one of them is refused.
TYPED = st.tuples(st.floats(), st.integers(-2**31 - 2, 2**31 + 1), st.text(max_size=3), st.booleans(),
                  st.text(max_size=3), st.none() | st.floats())


@settings(max_examples=300, deadline=None)
@given(st.lists(TYPED, min_size=1, max_size=4) | st.lists(st.tuples(*[SOME_VALUE] * 6), max_size=3))
def test_any_value_in_any_scalar_field_answers_as_graphql_core_does(values):
    """Values serialized as they are inline, and every other value (inf, nan, an Int past 32 bits, a bool or a
    str where a number is declared, a null where the schema says non-null) through the scalar or graphql-core."""
    @strawberry.type
    class GridQuery:
        @strawberry.field
        def grid(self) -> Grid:
            cells = [Cell(f=f, i=i, s=s, b=b, id=id_, maybe=maybe) for f, i, s, b, id_, maybe in values]
            return Grid(cells=cells)

    def answer(execution_context_class):
        schema = strawberry.Schema(GridQuery, execution_context_class=execution_context_class)
        result = asyncio.run(schema.execute("{ grid { cells { f i s b id maybe } } }"))
        return result.data, sorted((e.message, tuple(e.path)) for e in result.errors or [])

    assert answer(ExecutionContext) == answer(None)


def test_compiled_completers_are_shared_and_bounded(monkeypatch):
    """One compiled completer per selection shape, reused by later requests; ever new aliases never grow it past
    its bound."""
    from outcome_graph.schema import execution

    monkeypatch.setattr(execution, "MAX_SHAPES", 8)
    monkeypatch.setattr(execution, "_CODE", {})
    schema = strawberry.Schema(Query, execution_context_class=ExecutionContext)

    def ask(alias: str):
        result = asyncio.run(schema.execute("{ items { %s: id } }" % alias, context_value={"mode": "loaded"}))
        assert not result.errors and [i[alias] for i in result.data["items"]] == list(range(5))

    ask("a")
    ask("a")
    assert len(execution._CODE) == 1
    for n in range(20):
        ask(f"alias{n}")
        assert len(execution._CODE) <= 8
