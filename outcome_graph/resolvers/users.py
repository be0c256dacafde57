"""User references (resolvers/inputs.UserRef: an id, `self` or `sis_user_id:X`) resolved to user ids."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.errors import BadUserInput
from outcome_graph.resolvers.inputs import UserRef


async def resolve_user_ids(ctx, refs: Iterable[UserRef | str | int], argument: str) -> list[int | None]:
    """User references, read alike by every argument that takes a user id (docs/architecture.md §2,
    docs/behaviour.md §3.1); raw values are parsed by UserRef.parse. In order; None for a SIS id that no stored user holds. One statement
    for all the SIS ids of the call."""
    found: list[int | str] = []
    for ref in refs:
        if not isinstance(ref, UserRef):
            ref = UserRef.parse(ref, argument)
        if ref.is_self:
            if ctx.viewer is None or ctx.viewer.user_id is None:
                raise BadUserInput(f"{argument}: 'self' needs a token that belongs to a user", argument=argument)
            found.append(ctx.viewer.user_id)
        elif ref.sis_user_id is not None:
            found.append(ref.sis_user_id)
        else:
            found.append(ref.id)
    # No stored SIS id holds NUL (bundles and writes refuse it), and PostgreSQL refuses it in a query.
    sis = {s for s in found if isinstance(s, str) and "\x00" not in s}
    by_sis = dict(await ctx.reader.rows(select(m.User.sis_user_id, m.User.id).where(m.User.sis_user_id.in_(sis)))) \
        if sis else {}
    return [by_sis.get(u) if isinstance(u, str) else u for u in found]
