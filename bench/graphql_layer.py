"""B1: the GraphQL layer alone, 10,000 objects x 5 scalars, product schema class vs plain graphql-core.

The strawberry side is built the way the product builds its schema (its Schema class and its
extension list from `build_schema`); the graphql-core side is the same SDL with default resolvers,
parsed and validated once (its best case). Both resolve the same in-memory objects and encode
with orjson.
"""

from __future__ import annotations

from typing import Optional

import orjson
import strawberry
from graphql import build_schema as gql_build_schema
from graphql import execute, parse, validate

from outcome_graph.schema import Schema, build_schema
from outcome_graph.settings import Settings

QUERY = "query Layer { results { id score possible percent hidden } }"
SDL = """
type Query { results: [Result!]! }
type Result { id: ID! score: Float possible: Float percent: Float hidden: Boolean! }
"""


@strawberry.type
class Result:
    id: strawberry.ID
    score: Optional[float]
    possible: Optional[float]
    percent: Optional[float]
    hidden: bool


def objects(n: int = 10_000) -> list[Result]:
    return [Result(id=strawberry.ID(str(i)), score=float(i % 5), possible=4.0, percent=(i % 5) / 4.0,
                   hidden=i % 100 == 0) for i in range(1, n + 1)]


class Layer:
    """Both sides ready to run; `product()` and `floor()` return the encoded response."""

    def __init__(self, n: int = 10_000):
        self.items = objects(n)
        items = self.items

        @strawberry.type
        class Query:
            @strawberry.field
            def results(self) -> list[Result]:
                return items

        product = build_schema(Settings())
        self.schema = Schema(query=Query, extensions=list(getattr(product, "extensions", [])))
        self.gql = gql_build_schema(SDL)
        self.gql.query_type.fields["results"].resolve = lambda _root, _info: items
        self.doc = parse(QUERY)
        errors = validate(self.gql, self.doc)
        assert not errors, errors

    async def product(self) -> bytes:
        result = await self.schema.execute(QUERY)
        assert not result.errors, result.errors
        return orjson.dumps({"data": result.data})

    async def floor(self) -> bytes:
        result = execute(self.gql, self.doc)
        if hasattr(result, "__await__"):
            result = await result
        assert not result.errors, result.errors
        return orjson.dumps({"data": result.data})
