"""The Learning Mastery Gradebook page: plain ES modules served as they are, a client of the public GraphQL API
like any other (no build step, no CDN, nothing it may do that a client could not)."""

import pathlib

STATIC_DIR: pathlib.Path = pathlib.Path(__file__).parent / "static"
"""index.html, its style sheet and ES modules; mounted at URL."""
URL = "/gradebook"
"""Where the page lives: URL/ is index.html, the modules beside it (relative imports, so any prefix works)."""
