"""User and Section: people and the course sections they are enrolled in."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.federation.schema_directives import Key


@strawberry.type(description="A person: student, teacher, TA, observer or designer.",
                 directives=[Key(fields="id")])
class User:
    id: strawberry.ID = strawberry.field(description="The source system's user id.")
    name: str = strawberry.field(description="Display name.")
    sortable_name: str = strawberry.field(description="Name as sorted in gradebooks, e.g. 'Lovelace, Ada'.")

    @classmethod
    def from_row(cls, row: Any) -> "User":
        return cls(id=strawberry.ID(str(row.id)), name=row.name, sortable_name=row.sortable_name)

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> "User | None":
        from outcome_graph.resolvers.users import visible_user

        row = await visible_user(info.context, id)
        return None if row is None else cls.from_row(row)


@strawberry.type(description="A section of a course.")
class Section:
    id: strawberry.ID = strawberry.field(description="The source system's section id.")
    name: str = strawberry.field(description="Section name.")

    @classmethod
    def from_row(cls, row: Any) -> "Section":
        return cls(id=strawberry.ID(str(row.id)), name=row.name)
