"""Canvas's numbered pages (docs/behaviour.md §3.6): page and per_page in, a Link header and meta.pagination out.
The slice itself is the core's (Paging with an offset)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from outcome_graph.rest.core import Paging

DEFAULT_PER_PAGE = 10


def _number(text: str | None) -> int | None:
    """Ruby's to_i: the leading digits, else None."""
    digits = ""
    for ch in (text or "").strip():
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None


@dataclass(frozen=True)
class Pages:
    page: int
    per_page: int

    @classmethod
    def read(cls, params, maximum: int) -> "Pages":
        """per_page clamped to 1..maximum (10 when absent, 1 for a non-number); page at least 1."""
        per_page = _number(params.get("per_page")) if "per_page" in params else DEFAULT_PER_PAGE
        page = _number(params.get("page")) or 1
        return cls(max(page, 1), min(max(per_page or 1, 1), maximum))

    @property
    def paging(self) -> Paging:
        return Paging(first=self.per_page, offset=(self.page - 1) * self.per_page)

    def page_count(self, total: int) -> int:
        return max(1, -(-total // self.per_page))

    def urls(self, request, total: int, has_next: bool) -> dict[str, str]:
        """The rel -> URL of each link: the request's own URL with its other parameters kept."""
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
        base = str(request.url.replace(query=""))

        def url(page: int | str) -> str:
            return f"{base}?{urlencode(kept + [('page', page), ('per_page', self.per_page)])}"

        last = self.page_count(total)
        urls = {"current": url(self.page)}
        if has_next:
            urls["next"] = url(self.page + 1)
        if self.page > 1:
            urls["prev"] = url(min(self.page - 1, last))
        urls["first"] = url(1)
        urls["last"] = url(last)
        urls["template"] = url("{page}").replace("%7Bpage%7D", "{page}")
        return urls

    def headers(self, urls: dict[str, str]) -> dict[str, str]:
        return {"Link": ",".join(f'<{u}>; rel="{rel}"' for rel, u in urls.items() if rel != "template")}

    def meta(self, urls: dict[str, str], total: int) -> dict:
        return {"pagination": {"per_page": self.per_page, "page": self.page, "count": total,
                               "page_count": self.page_count(total), **urls}}
