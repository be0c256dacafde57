"""Relay PageInfo, shared by every connection."""

from __future__ import annotations

from typing import Optional

import strawberry

from outcome_graph.resolvers.paging import Page


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more edges follow this page (paging backward: whether `before` was given).")
    has_previous_page: bool = strawberry.field(
        description="Whether edges precede this page (paging forward: whether `after` was given).")
    start_cursor: Optional[str] = strawberry.field(description="Cursor of the first edge; pass it as `before`.")
    end_cursor: Optional[str] = strawberry.field(description="Cursor of the last edge; pass it as `after`.")

    @classmethod
    def from_page(cls, page: Page) -> "PageInfo":
        return cls(has_next_page=page.has_next, has_previous_page=page.has_previous,
                   start_cursor=page.cursors[0] if page.cursors else None,
                   end_cursor=page.cursors[-1] if page.cursors else None)
