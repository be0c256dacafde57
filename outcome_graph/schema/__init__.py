"""Strawberry types, inputs, enums and the roots; no SQL here."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from outcome_graph.schema.course import Course
from outcome_graph.schema.errors import ErrorCodes
from outcome_graph.schema.outcome import Outcome
from outcome_graph.schema.query import Query
from outcome_graph.schema.user import User
from outcome_graph.settings import Settings


def build_schema(settings: Settings | None = None) -> strawberry.federation.Schema:
    settings = settings or Settings()
    extensions = [ErrorCodes, lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)]
    if not settings.introspection:
        from strawberry.extensions import DisableIntrospection

        extensions.append(DisableIntrospection)
    return strawberry.federation.Schema(query=Query, types=[Course, Outcome, User], extensions=extensions)


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
