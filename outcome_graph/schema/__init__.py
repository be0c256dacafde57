"""Strawberry types, inputs, enums and the roots; no SQL here."""

from __future__ import annotations

import strawberry
from strawberry.federation.schema import FederationAny

from outcome_graph.schema.course import Course
from outcome_graph.schema.errors import ErrorCodes
from outcome_graph.schema.execution import ExecutionContext
from outcome_graph.schema.document import Documents, parse_once
from outcome_graph.schema.limits import budget_then_validation
from outcome_graph.schema.mutation import Mutation
from outcome_graph.schema.outcome import Alignment, Outcome
from outcome_graph.schema.query import Query
from outcome_graph.schema.subscription import Subscription
from outcome_graph.schema.reads import SharedReads
from outcome_graph.schema.representations import check_representation, entity_type_names
from outcome_graph.schema.user import User
from outcome_graph.settings import Settings


class Schema(strawberry.federation.Schema):
    """Federation 2 schema whose errors are logged once, by ErrorCodes, and only when unexpected.

    `documents` parses every query text once (the response cache uses it too)."""

    documents: Documents

    def process_errors(self, errors, execution_context=None) -> None:
        return None

    def entities_resolver(self, info: strawberry.Info,
                          representations: list[FederationAny]) -> list[FederationAny]:
        """Malformed representations get their own BAD_USER_INPUT; the rest resolve as one batch."""
        types = entity_type_names(self._schema)
        checked = [check_representation(i, rep, types) for i, rep in enumerate(representations)]
        good = iter(super().entities_resolver(info, [c for c in checked if isinstance(c, dict)]))
        return [next(good) if isinstance(c, dict) else c for c in checked]


def build_schema(settings: Settings | None = None) -> Schema:
    settings = settings or Settings()
    documents = Documents(settings.max_tokens, settings.max_query_length, settings.parse_cache_bytes)
    extensions = [ErrorCodes, SharedReads, parse_once(documents), budget_then_validation(settings, documents)]
    if not settings.introspection:
        from strawberry.extensions import DisableIntrospection

        extensions.append(DisableIntrospection)
    schema = Schema(query=Query, mutation=Mutation, subscription=Subscription,
                    types=[Alignment, Course, Outcome, User], extensions=extensions,
                    execution_context_class=ExecutionContext)
    schema.documents = documents
    return schema


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
