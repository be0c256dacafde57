"""The GraphiQL page must work offline: every asset it loads is vendored, present and unchanged."""

import base64
import hashlib
import html.parser
import pathlib
import re

import pytest

from outcome_graph.graphiql import STATIC_DIR, STATIC_URL_PREFIX, render_page

SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # xmlns inside the favicon data: URL, never fetched


class _Tags(html.parser.HTMLParser):
    """Collects (tag, attrs) of every start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _referenced_files(page: str) -> list[str]:
    """File names of the src=/href= attributes that point into STATIC_URL_PREFIX."""
    prefix = STATIC_URL_PREFIX + "/"
    urls = [a.get(k) or "" for _, a in _tags(page) for k in ("src", "href")]
    return [u.removeprefix(prefix) for u in urls if u.startswith(prefix)]


def _versions_md() -> dict[str, str]:
    """file name -> sha256 from the table in static/VERSIONS.md."""
    rows = {}
    for line in (STATIC_DIR / "VERSIONS.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"[0-9a-f]{64}", cells[4]):
            rows[cells[0]] = cells[4]
    return rows


@pytest.fixture(params=[True, False], ids=["subscriptions", "no-subscriptions"])
def page(request) -> str:
    return render_page(subscription_enabled=request.param)


def test_no_src_or_href_leaves_static_prefix(page):
    for tag, attrs in _tags(page):
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith((STATIC_URL_PREFIX + "/", "data:")), (tag, key, value)


def test_no_cdn_or_absolute_url_remains(page):
    assert "unpkg" not in page
    assert set(re.findall(r"https?://[^\s\"'<>%]+", page)) <= {SVG_NAMESPACE}


def test_page_loads_all_seven_assets(page):
    assert sorted(_referenced_files(page)) == sorted(_versions_md())
    assert len(_versions_md()) == 7


def test_referenced_files_exist_and_are_not_empty(page):
    for name in _referenced_files(page):
        path = STATIC_DIR / name
        assert path.is_file(), path
        assert path.stat().st_size > 0, path


def test_sha256_matches_versions_md():
    rows = _versions_md()
    assert rows
    for name, sha256 in rows.items():
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == sha256, name
    vendored = {p.name for p in STATIC_DIR.iterdir() if p.suffix in (".js", ".css")}
    assert vendored == set(rows)


def test_integrity_attributes_match_files(page):
    """The stock SRI hashes are kept, so a changed file would be refused by the browser."""
    prefix = STATIC_URL_PREFIX + "/"
    for _, attrs in _tags(page):
        url = attrs.get("src") or attrs.get("href") or ""
        if url.startswith(prefix):
            digest = hashlib.sha384((STATIC_DIR / url.removeprefix(prefix)).read_bytes()).digest()
            assert attrs.get("integrity") == "sha384-" + base64.b64encode(digest).decode(), url


def test_subscription_switch():
    assert "httpUrlToWebSockeUrl(fetchURL)" in render_page()
    assert "httpUrlToWebSockeUrl(fetchURL)" not in render_page(subscription_enabled=False)
    assert "const subscriptionUrl = undefined;" in render_page(subscription_enabled=False)


def test_template_copy_matches_installed_strawberry():
    """If this fails after a strawberry upgrade, refresh outcome_graph/graphiql/graphiql.html."""
    import strawberry

    installed = pathlib.Path(strawberry.__file__).parent / "static" / "graphiql.html"
    copy = STATIC_DIR.parent / "graphiql.html"
    assert copy.read_text(encoding="utf-8") == installed.read_text(encoding="utf-8")
