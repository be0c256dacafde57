"""User references: ids, `self` and `sis_user_id:X`, read alike by every argument that takes a user."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.errors import BadUserInput
from outcome_graph.resolvers.ids import parse_id

SIS_PREFIX = "sis_user_id:"
SELF = "self"


async def resolve_user_ids(ctx, raw_ids: Iterable, argument: str) -> list[int | None]:
    """User references, read alike by every argument that takes a user id (docs/architecture.md §2,
    docs/behaviour.md §3.1): an id, `self` (the viewer) or `sis_user_id:X`. In order; None for a SIS id that no
    stored user holds. One statement for all the SIS ids of the call."""
    found: list[int | str] = []
    for raw in raw_ids:
        text = str(raw).strip()
        if text == SELF:
            if ctx.viewer is None or ctx.viewer.user_id is None:
                raise BadUserInput(f"{argument}: 'self' needs a token that belongs to a user", argument=argument)
            found.append(ctx.viewer.user_id)
        elif text.startswith(SIS_PREFIX):
            found.append(text[len(SIS_PREFIX):])
        else:
            found.append(parse_id(text, argument))
    # No stored SIS id holds NUL (bundles and writes refuse it), and PostgreSQL refuses it in a query.
    sis = {s for s in found if isinstance(s, str) and "\x00" not in s}
    by_sis = dict(await ctx.reader.rows(select(m.User.sis_user_id, m.User.id).where(m.User.sis_user_id.in_(sis)))) \
        if sis else {}
    return [by_sis.get(u) if isinstance(u, str) else u for u in found]
