"""Offline GraphiQL: strawberry's stock IDE page served from vendored assets instead of unpkg."""

import functools
import pathlib

STATIC_DIR: pathlib.Path = pathlib.Path(__file__).parent / "static"
"""Vendored files (see static/VERSIONS.md); mount with StaticFiles at STATIC_URL_PREFIX."""
STATIC_URL_PREFIX = "/graphiql-static"
"""URL path the page expects STATIC_DIR to be served under."""

_TEMPLATE = pathlib.Path(__file__).parent / "graphiql.html"
"""Verbatim copy of strawberry-graphql 0.341.2's static/graphiql.html, so upgrades cannot break us."""

_UNPKG_TO_LOCAL = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.style.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.index.umd.js",
}
"""Vendored files are byte-identical to unpkg's, so the template's SRI integrity attributes stay valid."""

_WS_LINE = "const subscriptionUrl = httpUrlToWebSockeUrl(fetchURL);"
"""0.341.2's template has no placeholders; disabling subscriptions means not giving GraphiQL a ws URL."""


def _replace_once(text: str, old: str, new: str) -> str:
    """Fail loudly if the template copy no longer contains what we rewrite."""
    if text.count(old) != 1:
        raise RuntimeError(f"graphiql.html: expected exactly one {old!r}")
    return text.replace(old, new)


@functools.cache
def render_page(subscription_enabled: bool = True) -> str:
    """Strawberry's GraphiQL page with every unpkg URL pointing at STATIC_URL_PREFIX."""
    html = _TEMPLATE.read_text(encoding="utf-8")
    for url, name in _UNPKG_TO_LOCAL.items():
        html = _replace_once(html, url, f"{STATIC_URL_PREFIX}/{name}")
    if not subscription_enabled:
        html = _replace_once(html, _WS_LINE, "const subscriptionUrl = undefined;")
    return html
